"""The dashboard at ``/_emulator/ui``: jobs of every vendor, a job's page, the live journal and the controls.

Server-rendered with Jinja2; htmx (vendored in ``static/``, no CDN) swaps page fragments and sends the controls'
forms as JSON to the same control API the tests use (``/_emulator/jobs/{id}/complete``, ``/_emulator/faults`` …).
Reads go through the control plane's own listing (``emulator.listing``). When a control token is set, the
pages ask for it once and keep it in a same-site cookie, which the control API accepts as it accepts the header.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from emulator import __version__
from emulator.control import UI_COOKIE
from emulator.engine import FetchLimits, Job, MediaProblem, Phase
from emulator.inputs import same_secret, whole_number
from emulator.listing import job_page
from emulator.record.cassette import Exchange
from emulator.web import base_url, note

if TYPE_CHECKING:
    from emulator.control import Control, Host

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGE_SIZE = 50
JOURNAL_ROWS = 200
AUDIO_LIMIT = 200 * 1024 * 1024
FAULT_FIELDS = ("vendor", "operation", "model", "media", "test_id", "times", "nth", "probability")


def local_time(t: float | None) -> str:
    """An emulator-clock time as local time, to the millisecond."""
    if t is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) + f".{int(t * 1000) % 1000:03d}"


def duration(ms: int | None) -> str:
    if not ms:
        return ""
    seconds = ms / 1000
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


class Dashboard:
    def __init__(self, host: Host, control: Control) -> None:
        self.host = host
        self.control = control
        self.engine = host.engine
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["local_time"] = local_time
        self.env.filters["duration"] = duration
        self.env.globals["version"] = __version__

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/ui", self.jobs, methods=["GET"], name="ui_jobs"),
            Route("/ui/rows", self.job_rows, methods=["GET"], name="ui_job_rows"),
            Route("/ui/jobs/{job_id}", self.job, methods=["GET"], name="ui_job"),
            Route("/ui/jobs/{job_id}/audio/{index}", self.audio, methods=["GET"], name="ui_audio"),
            Route("/ui/journal", self.journal, methods=["GET"], name="ui_journal"),
            Route("/ui/journal/rows", self.journal_rows, methods=["GET"], name="ui_journal_rows"),
            Route("/ui/controls", self.controls, methods=["GET"], name="ui_controls"),
            Route("/ui/cassettes", self.cassettes, methods=["GET"], name="ui_cassettes"),
            Route("/ui/cassettes/drift", self.cassettes_drift, methods=["POST"], name="ui_cassettes_drift"),
            Route("/ui/login", self.login, methods=["GET", "POST"], name="ui_login"),
            Route("/docs", self.docs, methods=["GET"], name="ui_docs"),
            Route("/static/{name}", self.static, methods=["GET"], name="ui_static"),
        ]

    # ---- access ------------------------------------------------------------------------------------------

    def _allowed(self, request: Request) -> bool:
        return self.control.authorized(request)

    def _page(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        note(request, vendor="_emulator", operation="ui")
        if not self._allowed(request):
            if request.headers.get("hx-request"):
                return HTMLResponse("", status_code=401, headers={"HX-Redirect": "/_emulator/ui/login"})
            return RedirectResponse("/_emulator/ui/login?" + urlencode({"next": request.url.path}), 303)
        html = self.env.get_template(template).render(request=request, **context)
        return HTMLResponse(html, status_code=status)

    async def login(self, request: Request) -> Response:
        note(request, vendor="_emulator", operation="ui")
        token = self.host.settings.control_token
        target = request.query_params.get("next", "/_emulator/ui")
        if not target.startswith("/_emulator/"):
            target = "/_emulator/ui"
        error = ""
        if request.method == "POST":
            async with request.form(max_fields=4, max_files=0) as form:
                given = str(form.get("token") or "")
            if not token or same_secret(given, token):
                response = RedirectResponse(target, 303)
                if token:
                    response.set_cookie(UI_COOKIE, token, httponly=True, samesite="strict", path="/_emulator")
                return response
            error = "That is not the control token."
        html = self.env.get_template("login.html").render(request=request, error=error, locked=bool(token),
                                                          next=target)
        return HTMLResponse(html, status_code=401 if error else 200)

    # ---- jobs --------------------------------------------------------------------------------------------

    def _rows(self, request: Request) -> dict[str, Any]:
        q = {k: v for k, v in request.query_params.items()
             if v and k in ("vendor", "phase", "test_id", "account", "after")}
        page = job_page(self.engine, {**q, "order": "newest", "limit": str(PAGE_SIZE)})
        rows = [self._summary(job) for job in page.jobs]
        older = None
        if page.next is not None:
            older = "?" + urlencode({**{k: v for k, v in q.items() if k != "after"}, "after": page.next})
        return {"rows": rows, "total": page.total, "older": older, "query": q,
                "vendors": [d.name for d in self.host.dialects], "phases": [p.value for p in Phase]}

    def _summary(self, job: Job) -> dict[str, Any]:
        item = job.items[0] if job.items else None
        failure = job.forced_failure or (item.failure if item is not None else None)
        text = ""
        if item is not None and item.transcript is not None:
            text = " ".join(c.text for c in item.transcript.channels)
        return {"job": job, "vendor_phase": self.control.phase_words(job), "submitted": job.created_at,
                "finished": job.phase_times.get(job.phase.value) if job.phase.terminal else None,
                "audio_ms": job.audio_ms, "preview": text[:80] + ("…" if len(text) > 80 else ""),
                "failure": failure.code if failure is not None and job.phase is Phase.FAILED else ""}

    async def jobs(self, request: Request) -> Response:
        return self._page(request, "jobs.html", **self._rows(request))

    async def job_rows(self, request: Request) -> Response:
        return self._page(request, "job_rows.html", **self._rows(request))

    async def job(self, request: Request) -> Response:
        job = self.engine.peek(request.path_params["job_id"])
        if job is None:
            return self._page(request, "missing.html", 404, what=f"job {request.path_params['job_id']}")
        dialect = next((d for d in self.host.dialects if d.name == job.vendor), None)
        documents = []
        for title, media, data in (dialect.job_documents(job, base_url(request, self.host.settings.public_url))
                                   if dialect is not None else []):
            documents.append({"title": title, "media": media, "text": data.decode("utf-8", "replace")})
        times = sorted(job.phase_times.items(), key=lambda kv: kv[1])
        callbacks = [d.to_json() for d in self.engine.callbacks.deliveries if d.job_id == job.id]
        entries = self.engine.journal.entries(job_id=job.id)[-50:]
        request_doc = json.dumps(job.record.to_json() if job.record is not None else None, ensure_ascii=False,
                                 indent=2)
        return self._page(request, "job.html", job=job, summary=self._summary(job), times=times,
                          documents=documents, callbacks=callbacks, entries=entries, request_doc=request_doc)

    async def audio(self, request: Request) -> Response:
        """A job's medium, for the page's audio player: fetched as the job fetched it (local files, uploads,
        COS objects and magic URLs are the emulator's own)."""
        note(request, vendor="_emulator", operation="ui")
        if not self._allowed(request):
            return Response(status_code=401)
        job = self.engine.peek(request.path_params["job_id"])
        index = whole_number(request.path_params["index"], 4)
        if job is None or index is None or index >= len(job.items):
            return Response(status_code=404)
        try:
            data = await self.engine.media.fetch(job.items[index].source, FetchLimits(
                max_bytes=AUDIO_LIMIT, timeout=10.0, schemes=("http", "https")))
        except MediaProblem as exc:
            return Response(f"the audio cannot be fetched: {exc.detail}", status_code=404,
                            media_type="text/plain")
        kind = "audio/wav" if data[:4] == b"RIFF" else "audio/mpeg" if data[:3] == b"ID3" else \
            "application/octet-stream"
        return Response(data, media_type=kind)

    # ---- journal -----------------------------------------------------------------------------------------

    def _journal(self, request: Request) -> dict[str, Any]:
        q = request.query_params
        entries = self.engine.journal.entries(vendor=q.get("vendor") or None, test_id=q.get("test_id") or None)
        status = q.get("status", "")
        if status:
            entries = [e for e in entries if str(e.status).startswith(status.rstrip("x"))]
        if q.get("errors"):
            entries = [e for e in entries if e.status >= 400 or e.error or e.code]
        if q.get("warnings"):
            entries = [e for e in entries if e.warnings]
        entries = entries[-JOURNAL_ROWS:][::-1]
        return {"entries": entries, "query": {k: v for k, v in q.items() if v},
                "vendors": [d.name for d in self.host.dialects]}

    async def journal(self, request: Request) -> Response:
        return self._page(request, "journal.html", **self._journal(request))

    async def journal_rows(self, request: Request) -> Response:
        return self._page(request, "journal_rows.html", **self._journal(request))

    # ---- controls ----------------------------------------------------------------------------------------

    async def controls(self, request: Request) -> Response:
        operations = {d.name: sorted({op.name for op in d.operations() if op.summary}) for d in self.host.dialects}
        return self._page(
            request, "controls.html", clock=self.engine.clock.snapshot(), lifecycle=self.engine.config.lifecycle,
            overrides=self.engine.policies, rules=[r.to_json() for r in self.engine.faults.rules()],
            operations=operations, actions=self.control.fault_actions(), fault_fields=FAULT_FIELDS,
            warnings=[e.to_json() for e in self.engine.leniency.summary()], strict=self.engine.leniency.strict)

    # ---- record, replay, drift ---------------------------------------------------------------------------

    def _recorded(self) -> list[Exchange]:
        recorder = self.host.recorder
        return recorder.cassettes.load() if recorder is not None else []

    async def cassettes(self, request: Request) -> Response:
        recorder, replayer = self.host.recorder, self.host.replayer
        recorded = self._recorded()
        return self._page(request, "cassettes.html",
                          recording=None if recorder is None else {
                              "folder": str(recorder.cassettes.directory), "vendors": sorted(recorder.vendors),
                              "address": recorder.address},
                          recorded=list(reversed(recorded))[:200], replaying=None if replayer is None
                          else replayer.to_json(), report=None)

    async def cassettes_drift(self, request: Request) -> Response:
        """Drift of what this server recorded, else of what it replays, against a fresh emulator."""
        if not self._allowed(request):
            return Response(status_code=401)
        replayer = self.host.replayer
        exchanges = self._recorded() or (replayer.exchanges if replayer is not None else [])
        report = await self.host.drift(exchanges) if exchanges else None
        return self._page(request, "cassettes_drift.html", report=report,
                          rows=report.rows() if report is not None else [])

    # ---- API docs and assets -----------------------------------------------------------------------------

    async def docs(self, request: Request) -> Response:
        return self._page(request, "docs.html")

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})
