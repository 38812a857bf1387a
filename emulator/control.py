"""The control plane under ``/_emulator/``: health, reset, clock, lifecycle, settings, jobs, faults, scripts,
journal, media, fixtures and the OpenAPI document. JSON in, JSON out; errors are ``{"error": "..."}``."""

from __future__ import annotations

import asyncio
import difflib
import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator import __version__
from emulator.config import Settings
from emulator.engine import Blob, Engine, Job, JobStateError, Rule, Script, accounts
from emulator.engine.audio import AudioProblem, probe
from emulator.engine.credentials import MODES
from emulator.engine.faults import ACTIONS
from emulator.engine.lifecycle import parse_policy
from emulator.inputs import BadInput, ControlError, parse_json, same_secret
from emulator.listing import job_json, job_page
from emulator.openapi import document
from emulator.record.cassette import Exchange
from emulator.record.drift import Report
from emulator.record.recorder import Recorder
from emulator.record.replayer import Replayer
from emulator.vendors.base import Dialect, Operation
from emulator.web import base_url, complete_multipart, note, read_body, replay


class Host(Protocol):
    """What the control plane needs of the emulator it controls."""

    engine: Engine
    settings: Settings
    dialects: list[Dialect]
    fixtures: dict[str, Path]
    replayer: Replayer | None
    recorder: Recorder | None

    def operations(self) -> Sequence[tuple[Dialect, Operation]]: ...
    def replay(self, replayer: Replayer | None) -> None: ...
    async def drift(self, exchanges: list[Exchange]) -> Report: ...

MAX_UPLOAD = 512 * 1024 * 1024
Handler = Callable[[Request], Awaitable[Response]]


# answered without the control token: the health check, and the downloads whose links the emulator gives out (the
# bundled fixtures, uploaded media, a Files API file's url) — any client fetches those, as it fetches the services'
# signed links, without the account's credentials
OPEN_ROUTES = frozenset({"health", "fixture", "fixtures", "media_get"})
UI_COOKIE = "asr_emulator_control"       # the dashboard keeps the control token here (emulator.ui)


def _bearer(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and same_secret(given.strip(), token)


ENGINE_SETTINGS = ("rate_limits", "seed", "stream_idle_timeout", "credentials", "callback_retry_delays",
                   "fetch_deadline", "strict")


def _unknown(what: str, name: str, known: Sequence[str]) -> str:
    """``unknown setting 'rate_limit' (did you mean rate_limits?); known: …``"""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"unknown {what} {name!r}{hint}; known: {', '.join(known)}"


def account_of(request: Request) -> str | None:
    """The account the control plane acts for (``X-ASR-Emulator-Account``), or None: every account."""
    try:
        return accounts.parse(request.headers.get(accounts.ACCOUNT_HEADER))
    except accounts.AccountError as exc:
        raise ControlError(str(exc)) from None


class Control:
    def __init__(self, emulator: Host) -> None:
        self.emulator = emulator
        self.engine = emulator.engine

    def routes(self) -> list[BaseRoute]:
        r = self._op
        return [
            Route("/health", r(self.health), methods=["GET"]),
            Route("/reset", r(self.reset), methods=["POST"]),
            Route("/clock", r(self.clock), methods=["GET", "POST"]),
            Route("/lifecycle", r(self.lifecycle), methods=["GET", "POST"]),
            Route("/settings", r(self.settings), methods=["GET", "POST"]),
            Route("/jobs", r(self.jobs), methods=["GET"]),
            Route("/jobs/{job_id}", r(self.job), methods=["GET"]),
            Route("/jobs/{job_id}/{action}", r(self.job_action), methods=["POST"]),
            Route("/faults", r(self.faults), methods=["GET", "POST", "DELETE"]),
            Route("/faults/{rule_id}", r(self.fault_delete), methods=["DELETE"]),
            Route("/scripts", r(self.scripts), methods=["POST"]),
            Route("/journal", r(self.journal), methods=["GET", "DELETE"]),
            Route("/callbacks", r(self.callbacks), methods=["GET"]),
            Route("/warnings", r(self.warnings), methods=["GET", "DELETE"]),
            Route("/media", r(self.media_upload), methods=["POST"]),
            Route("/media/{media_id}", r(self.media_get), methods=["GET"]),
            Route("/media/{media_id}/{name}", r(self.media_get), methods=["GET"]),
            Route("/fixtures", r(self.fixtures), methods=["GET"]),
            Route("/fixtures/{name}", r(self.fixture), methods=["GET"]),
            Route("/openapi.json", r(self.openapi), methods=["GET"]),
            Route("/replay", r(self.replay), methods=["GET", "POST", "DELETE"]),
        ]

    def _op(self, handler: Handler) -> Handler:
        token = self.emulator.settings.control_token
        public = handler.__name__ in OPEN_ROUTES

        async def wrapped(request: Request) -> Response:
            note(request, vendor="_emulator", operation=handler.__name__)
            if token and not public and not self.authorized(request):
                return JSONResponse({"error": "the control plane is locked: send Authorization: Bearer <control "
                                              "token> (serve --control-token, ASR_EMULATOR_CONTROL_TOKEN)"},
                                    status_code=401, headers={"WWW-Authenticate": 'Bearer realm="asr-emulator"'})
            try:
                response = await handler(request)
                if request.method != "GET" and response.status_code < 400:
                    self.persist()
                return response
            except ControlError as exc:
                return JSONResponse({"error": str(exc)}, status_code=exc.status)
            except (ValueError, TypeError, KeyError) as exc:
                return JSONResponse({"error": f"bad request: {exc}"}, status_code=400)

        wrapped.__name__ = handler.__name__
        return wrapped

    def _account(self, request: Request) -> str | None:
        """``account_of``; an account named once is known from then on (``Engine.register_account``): its
        credentials are known keys, and what they store where a vendor keeps things by name (COS objects) is its
        own."""
        account = account_of(request)
        if account is not None:
            self.engine.register_account(account)
        return account

    def persist(self) -> None:
        """Keep the run-time configuration in the state directory, if there is one (the engine decides)."""
        self.engine.save_overrides({str(d.settings_key): d.settings_json() for d in self._sections()})

    def authorized(self, request: Request) -> bool:
        """The control token in ``Authorization: Bearer``, or in the dashboard's same-site cookie (a browser's
        requests from the dashboard's own pages; other sites' requests do not carry it)."""
        token = self.emulator.settings.control_token
        if not token:
            return True
        return _bearer(request, token) or same_secret(request.cookies.get(UI_COOKIE, ""), token)

    @staticmethod
    def fault_actions() -> tuple[str, ...]:
        return ACTIONS

    async def _json(self, request: Request) -> dict[str, Any]:
        body = await read_body(request, 1024 * 1024)
        if body is None:
            raise ControlError("body too large", 413)
        if not body.strip():
            return {}
        try:
            value = parse_json(body)
        except BadInput as exc:
            raise ControlError(f"body is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise ControlError("body must be a JSON object")
        return value

    # ---- state -------------------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__,
                             "vendors": [d.name for d in self.emulator.dialects],
                             "jobs": self.engine.store.count_jobs(), "clock": self.engine.clock.snapshot(),
                             "seed": self.engine.seed})

    async def reset(self, request: Request) -> Response:
        """Reset (``{"scope": "overrides"}`` keeps jobs, uploads and the journal) and configure in one step:
        ``lifecycle``, ``settings`` and ``faults`` as their own routes take them; checked before anything changes."""
        body = await self._json(request)
        unknown = set(body) - {"scope", "lifecycle", "settings", "faults"}
        if unknown:
            raise ControlError(_unknown("reset field", sorted(unknown)[0],
                                        ["scope", "lifecycle", "settings", "faults"]))
        scope = body.get("scope", "all")
        if scope not in ("all", "overrides"):
            raise ControlError("scope is 'all' (the default) or 'overrides'")
        lifecycle = body.get("lifecycle")
        if lifecycle is not None:
            if not isinstance(lifecycle, str):
                raise ControlError("'lifecycle' is a policy: instant, polls:N, timed or manual")
            parse_policy(lifecycle)
        settings = body.get("settings") or {}
        if not isinstance(settings, dict):
            raise ControlError("'settings' is an object, as POST /_emulator/settings takes it")
        self._check_settings(settings)
        faults = body.get("faults") or []
        if not isinstance(faults, list):
            raise ControlError("'faults' is a list of fault rules")
        rules = [self._known(Rule.from_json(r)) for r in faults]
        account = self._account(request)
        if account is not None:
            self._server_wide(settings, "settings")
            self.engine.reset_account(account, keep_jobs=scope == "overrides")
        elif scope == "all":
            self.engine.reset()
        else:
            self.engine.reset_overrides()
        if account is None:
            self.emulator.replay(None)              # a test's cassettes go with the rest of what it configured
        if lifecycle is not None:
            self.engine.set_policy(lifecycle, account=account)
        self._apply_settings(settings)
        for rule in rules:
            rule.account = account
            self.engine.faults.add(rule)
        return JSONResponse({"status": "ok"})

    async def replay(self, request: Request) -> Response:
        """``POST {"exchanges": [cassette, …], "strict": false, "pace": 0}``: answer matching requests from these
        cassettes (the pytest plugin's ``replay=`` sends a folder's files); ``DELETE``: stop; ``GET``: what is
        replayed and how far. The server's own, like its settings: not with an account."""
        if request.method == "GET":
            replayer = self.emulator.replayer
            return JSONResponse({"replaying": replayer is not None, **(replayer.to_json() if replayer else {})})
        self._server_wide(True if self._account(request) is not None else None, "cassettes replayed")
        if request.method == "DELETE":
            self.emulator.replay(None)
            return JSONResponse({"status": "ok"})
        body = await self._json(request)
        unknown = set(body) - {"exchanges", "strict", "pace"}
        if unknown:
            raise ControlError(_unknown("replay field", sorted(unknown)[0], ["exchanges", "strict", "pace"]))
        raw = body.get("exchanges")
        if not isinstance(raw, list) or not raw:
            raise ControlError("'exchanges' is a list of cassettes (the JSON files serve --record writes)")
        pace = body.get("pace", 0)
        if not isinstance(pace, (int, float)) or isinstance(pace, bool) or not 0 <= pace <= 100:
            raise ControlError("'pace' is a number from 0 (at once) to 100")
        try:
            exchanges = [Exchange.from_json(e) for e in raw]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ControlError(f"'exchanges' holds something that is not a cassette: {exc}") from None
        self.emulator.replay(Replayer(exchanges, strict=bool(body.get("strict", False)), pace=float(pace)))
        return JSONResponse({"status": "ok", "exchanges": len(exchanges)})

    @staticmethod
    def _server_wide(change: object, what: str) -> None:
        """Settings and the clock are the server's: an account may not change them for every other account."""
        if change:
            raise ControlError(f"the {what} are the server's, shared by every account: they cannot be changed with "
                               f"{accounts.ACCOUNT_HEADER} (send the request without it, on a server of your own)",
                               409)

    async def clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = await self._json(request)
            if self._account(request) is not None:
                self._server_wide(body, "clock's settings")
            try:
                if "mode" in body:
                    if body["mode"] not in ("real", "manual"):
                        raise ControlError("mode must be 'real' or 'manual'")
                    self.engine.clock.set_mode(body["mode"], body.get("now"))
                elif "now" in body:
                    self.engine.clock.set(float(body["now"]))
                if "advance" in body:
                    self.engine.clock.advance(float(body["advance"]))
            except ValueError as exc:
                raise ControlError(str(exc), 409) from None
        return JSONResponse(self.engine.clock.snapshot())

    async def lifecycle(self, request: Request) -> Response:
        if request.method == "POST":
            body = await self._json(request)
            policy = body.get("policy")
            if not isinstance(policy, str):
                raise ControlError("'policy' is required: instant, polls:N, timed or manual")
            self.engine.set_policy(policy, body.get("vendor"), body.get("model"), account=self._account(request))
        return JSONResponse({"default": self.engine.config.lifecycle,
                             "overrides": self.engine.policies_of(self._account(request))})

    def _check_settings(self, body: dict[str, Any]) -> None:
        known = [*ENGINE_SETTINGS, *(str(d.settings_key) for d in self._sections())]
        for key in body:
            if key not in known:
                raise ControlError(_unknown("setting", key, known))

    async def settings(self, request: Request) -> Response:
        if request.method == "POST":
            body = await self._json(request)
            self._check_settings(body)
            if self._account(request) is not None:
                self._server_wide(body, "settings")
            self._apply_settings(body)
        out = {"rate_limits": self.engine.rate_limits, "seed": self.engine.seed,
               "credentials": self.engine.credentials.mode, "stream_idle_timeout": self.engine.stream_idle_timeout,
               "callback_retry_delays": list(self.engine.callbacks.retry_delays),
               "fetch_deadline": self.engine.media.deadline, "strict": self.engine.leniency.strict}
        for dialect in self._sections():
            out[str(dialect.settings_key)] = dialect.settings_json()
        return JSONResponse(out)

    def _apply_settings(self, body: dict[str, Any]) -> None:
        if "rate_limits" in body:
            if not isinstance(body["rate_limits"], bool):
                raise ControlError("rate_limits is true or false")
            self.engine.rate_limits = body["rate_limits"]
        if "seed" in body:
            self.engine.set_seed(int(body["seed"]))
        if "stream_idle_timeout" in body:
            value = body["stream_idle_timeout"]
            self.engine.stream_idle_timeout = None if value is None else float(value)
        if "credentials" in body:
            if body["credentials"] not in MODES:
                raise ControlError(f"credentials must be one of {', '.join(MODES)}")
            self.engine.credentials.mode = body["credentials"]
        if "strict" in body:
            if not isinstance(body["strict"], bool):
                raise ControlError("strict is true or false")
            self.engine.leniency.strict = body["strict"]
            self.engine.credentials.mode = "strict" if body["strict"] else self.engine.config.credentials
        if "fetch_deadline" in body:
            deadline = body["fetch_deadline"]
            if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not 0 < deadline <= 3600:
                raise ControlError("fetch_deadline is seconds, more than 0 and at most 3600")
            self.engine.media.deadline = float(deadline)
        if "callback_retry_delays" in body:
            delays = tuple(float(d) for d in body["callback_retry_delays"])
            if any(d < 0 for d in delays):
                raise ControlError("callback_retry_delays must be seconds >= 0")
            self.engine.callbacks.retry_delays = delays
        for dialect in self._sections():
            if dialect.settings_key in body:
                try:
                    dialect.apply_settings(body[dialect.settings_key])
                except ValueError as exc:
                    raise ControlError(str(exc)) from None

    def _sections(self) -> list[Dialect]:
        return [d for d in self.emulator.dialects if d.settings_key]

    async def warnings(self, request: Request) -> Response:
        """What was accepted that the vendors refuse (leniency), per rule: how often, last when; every lenient rule
        the dialects declare, with the vendor's code."""
        if request.method == "DELETE":
            self.engine.leniency.clear()
        return JSONResponse({
            "strict": self.engine.leniency.strict, "total": self.engine.leniency.total(),
            "accepted": [e.to_json() for e in self.engine.leniency.summary()],
            "rules": [{"vendor": d.name, "rule": rule, "vendor_code": code, "accepts": what}
                      for d in self.emulator.dialects for rule, (code, what) in d.leniency.items()]})

    async def callbacks(self, request: Request) -> Response:
        q = request.query_params
        account = self._account(request)
        deliveries: Sequence[Any] = self.engine.callbacks.deliveries
        if getattr(self.engine.store, "shared", False):      # several workers: every worker's, as kept
            deliveries = [d for _, d in self.engine.store.records("engine.callbacks") if hasattr(d, "to_json")]
        return JSONResponse({"deliveries": [d.to_json() for d in deliveries
                                            if q.get("job_id") in (None, d.job_id)
                                            and q.get("state") in (None, d.state)
                                            and (account is None or self._holds(account, d.job_id))]})

    def _holds(self, account: str, job_id: str) -> bool:
        job = self.engine.store.get_job(job_id)
        return job is not None and accounts.holds(account, job.account)

    # ---- jobs --------------------------------------------------------------------------------------------

    async def jobs(self, request: Request) -> Response:
        """Oldest first (``order=newest`` for newest first); ``limit`` and ``after`` page through them. Only the
        page's jobs are brought up to date unless a phase is asked for, so a page stays fast among 100,000 jobs."""
        q = request.query_params
        page = job_page(self.engine, q, self._account(request))
        return JSONResponse({"jobs": [job_json(j, self.phase_words(j)) for j in page.jobs], "total": page.total,
                             "next": page.next})

    def phase_words(self, job: Job) -> str | None:
        """A job's phase in its vendor's words (``Dialect.vendor_phase``)."""
        dialect = next((d for d in self.emulator.dialects if d.name == job.vendor), None)
        return dialect.vendor_phase(job) if dialect is not None else None

    def _job(self, request: Request) -> Job:
        job = self.engine.peek(request.path_params["job_id"])
        if job is None or not accounts.holds(self._account(request), job.account):
            raise ControlError(f"no job {request.path_params['job_id']}", 404)
        return job

    async def job(self, request: Request) -> Response:
        job = self._job(request)
        return JSONResponse(job_json(job, self.phase_words(job)))

    async def job_action(self, request: Request) -> Response:
        job = self._job(request)
        action = request.path_params["action"]
        body = await self._json(request)
        try:
            if action == "advance":
                self.engine.advance(job)
            elif action == "complete":
                self.engine.complete(job)
            elif action == "fail":
                code = body.get("code")
                if not isinstance(code, str) or not code:
                    raise ControlError("'code' (the vendor's error code) is required")
                self.engine.fail(job, code, body.get("message"))
            elif action == "pause":
                self.engine.pause(job)
            elif action == "resume":
                self.engine.resume(job)
            else:
                raise ControlError(f"unknown action {action!r}: advance, complete, fail, pause or resume", 404)
        except JobStateError as exc:
            raise ControlError(str(exc), 409) from None
        return JSONResponse(job_json(job, self.phase_words(job)))

    # ---- faults, scripts, journal ------------------------------------------------------------------------

    async def faults(self, request: Request) -> Response:
        account = self._account(request)
        if request.method == "POST":
            body = await self._json(request)
            rules = [self._known(Rule.from_json(r)) for r in body.get("rules", [body])]
            for rule in rules:
                rule.account = account
            added = [self.engine.faults.add(r) for r in rules]
            return JSONResponse({"rules": [r.to_json() for r in added]}, status_code=201)
        if request.method == "DELETE":
            self.engine.faults.clear(account=account)
        return JSONResponse({"seed": self.engine.faults.seed,
                             "rules": [r.to_json() for r in self.engine.faults.rules(account)]})

    def _known(self, rule: Rule) -> Rule:
        """A rule naming a vendor or an operation names one the dialects declare (a typo would never fire)."""
        names = {d.name: {op.name for op in d.operations()} for d in self.emulator.dialects}
        if rule.vendor is not None and rule.vendor not in names:
            raise ControlError(_unknown("vendor", rule.vendor, list(names)))
        if rule.operation is not None:
            known = names[rule.vendor] if rule.vendor is not None else set().union(*names.values())
            if rule.operation not in known:
                what = f"operation for {rule.vendor}" if rule.vendor else "operation"
                raise ControlError(_unknown(what, rule.operation, sorted(known)))
        return rule

    async def fault_delete(self, request: Request) -> Response:
        if not self.engine.faults.remove(request.path_params["rule_id"], self._account(request)):
            raise ControlError(f"no fault rule {request.path_params['rule_id']}", 404)
        return JSONResponse({"status": "ok"})

    async def scripts(self, request: Request) -> Response:
        body = await self._json(request)
        if "text" not in body and "channels" not in body:
            raise ControlError("a script needs 'text' (or 'channels': one text per channel)")
        labels = body.get("labels", {})
        if not isinstance(labels, dict) or not all(
                isinstance(v, str) or (isinstance(v, list) and v and all(isinstance(x, str) for x in v))
                for v in labels.values()):
            raise ControlError("'labels' maps a label name to a value or a list of values (one per clip)")
        for name in ("emotions", "events"):
            values = body.get(name, [])
            if not isinstance(values, list) or not all(v is None or isinstance(v, str) for v in values):
                raise ControlError(f"'{name}' is a list with one value (or null) per sentence")
        script = Script.from_json(body)
        account = self._account(request)
        if body.get("stream"):
            self.engine.scripts.add_stream(script, account)
            return JSONResponse({"status": "ok", "stream": True, "script": script.to_json()}, status_code=201)
        sha = body.get("sha256")
        if body.get("media_id"):
            sha = body["media_id"]
        url = body.get("url")
        if not sha and not url:
            raise ControlError("say which audio the script is for: 'url', 'sha256', 'media_id', "
                               "or 'stream': true for the next realtime stream")
        self.engine.scripts.add(script, sha256=sha, url=url, account=account)
        return JSONResponse({"status": "ok", "sha256": sha, "url": url, "script": script.to_json()}, status_code=201)

    async def journal(self, request: Request) -> Response:
        account = self._account(request)
        if request.method == "DELETE":
            self.engine.journal.clear(account)
            return JSONResponse({"status": "ok"})
        q = request.query_params
        entries = self.engine.journal.entries(vendor=q.get("vendor"), operation=q.get("operation"),
                                              job_id=q.get("job_id"), test_id=q.get("test_id"), account=account)
        return JSONResponse({"entries": [e.to_json() for e in entries]})

    # ---- media -------------------------------------------------------------------------------------------

    async def media_upload(self, request: Request) -> Response:
        """Upload audio (a file, or the body), get a URL to submit. With ``url`` (any http(s) URL: an OSS or COS
        address, a CDN's, a vendor's sample file), that URL is answered with this audio by every dialect's fetcher,
        without a download; with ``url`` and ``text`` but no audio, the audio is synthesised to say the text
        (``duration`` seconds, ``rate``, ``channels`` as magic URLs take them)."""
        q = request.query_params
        name, fields = q.get("name", "audio"), dict(q)
        data = b""
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            raw = await read_body(request, MAX_UPLOAD + 64 * 1024)
            if raw is None:
                raise ControlError("upload too large", 413)
            if not complete_multipart(request.headers["content-type"], raw):
                raise ControlError("the multipart upload is cut short (no closing boundary)")
            request = Request(request.scope, replay(raw, request.receive))
            async with request.form(max_part_size=MAX_UPLOAD) as form:
                upload = form.get("file")
                fields.update({k: v for k, v in form.items() if isinstance(v, str)})
                if upload is not None and not isinstance(upload, str):
                    data = await upload.read()
                    name = upload.filename or name
                elif not fields.get("url"):
                    raise ControlError("multipart upload needs a 'file' part")
        elif request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raw = await read_body(request, 64 * 1024)          # fields only (url, text, …): no audio in a form
            if raw is None:
                raise ControlError("the form is too large", 413)
            fields.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            raw = await read_body(request, MAX_UPLOAD)
            if raw is None:
                raise ControlError("upload too large", 413)
            data = raw
        text, named = fields.get("text"), fields.get("url")
        if named is not None:
            named = named.strip()
            if not named.lower().startswith(("http://", "https://")) or len(named) > 4096:
                raise ControlError("url must be an http(s) URL (at most 4,096 characters)")
        if not data and named and text:
            data = await self._synthesise(text, fields)
        if not data:
            raise ControlError("the upload is empty")
        try:
            info = probe(data)
        except AudioProblem as exc:
            raise ControlError(f"not audio the emulator can read: {exc.detail}", 415) from None
        sha = hashlib.sha256(data).hexdigest()
        media_id = sha[:32]
        self.engine.store.put_blob("media", media_id, Blob(data, request.headers.get("content-type", ""), name))
        if isinstance(text, str) and text:
            self.engine.scripts.add(Script(texts=(text,)), sha256=sha, account=self._account(request))
        url = f"{base_url(request, self.emulator.settings.public_url)}/_emulator/media/{media_id}/{name}"
        if named:
            self.engine.media.name_url(named, media_id)
            url = named
        return JSONResponse({"id": media_id, "sha256": sha, "url": url, "size": len(data),
                             "duration_ms": info.duration_ms, "sample_rate": info.sample_rate,
                             "channels": info.channels}, status_code=201)

    async def _synthesise(self, text: str, fields: Mapping[str, str]) -> bytes:
        from urllib.parse import urlencode

        from emulator.engine.media import MediaProblem, magic_media

        params = {"text": text, **{k: fields[k] for k in ("duration", "rate", "channels") if k in fields}}
        try:
            return await asyncio.to_thread(magic_media, f"http://media.asr-emulator.test/named.wav?{urlencode(params)}")
        except MediaProblem as exc:
            raise ControlError(f"cannot synthesise that audio: {exc}") from None

    async def media_get(self, request: Request) -> Response:
        blob = self.engine.store.get_blob("media", request.path_params["media_id"])
        if blob is None:
            raise ControlError("no such media", 404)
        return Response(blob.data, media_type=blob.content_type or "application/octet-stream")

    async def fixtures(self, request: Request) -> Response:
        base = base_url(request, self.emulator.settings.public_url)
        return JSONResponse({"fixtures": [{"name": n, "url": f"{base}/_emulator/fixtures/{n}"}
                                          for n in self.emulator.fixtures]})

    async def fixture(self, request: Request) -> Response:
        path = self.emulator.fixtures.get(request.path_params["name"])
        if path is None:
            raise ControlError(f"no fixture {request.path_params['name']}", 404)
        return FileResponse(path, media_type="audio/wav")

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(document(self.emulator.dialects, self.emulator.operations(), self.routes()))
