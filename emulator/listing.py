"""Job listings and a job's neutral JSON, as the control plane answers them and the dashboard shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.engine import Engine, Job, Phase, accounts
from emulator.inputs import ControlError, whole_number


@dataclass
class JobPage:
    jobs: list[Job]
    total: int
    next: str | None


PHASE_NAMES = frozenset(p.value for p in Phase)


def job_page(engine: Engine, q: Mapping[str, str], account: str | None = None) -> JobPage:
    """The jobs a listing asks for (vendor, model, test_id, account — the credential id that made a job —, phase;
    order oldest|newest; limit, after), of one account (its header) or of all."""
    for name in ("limit", "after"):
        if q.get(name) and whole_number(q[name], 9) is None:
            raise ControlError(f"'{name}' is a whole number")
    if q.get("order", "oldest") not in ("oldest", "newest"):
        raise ControlError("'order' is oldest or newest")
    if "phase" in q and q["phase"] not in PHASE_NAMES:
        raise ControlError(f"'phase' is one of {', '.join(sorted(PHASE_NAMES))}")
    wanted = [(k, q[k]) for k in ("vendor", "model", "test_id", "account") if k in q]
    offset = whole_number(q.get("after") or "0", 9) or 0
    limit = whole_number(q["limit"], 9) if q.get("limit") else None
    paged = getattr(engine.store, "page_jobs", None)
    if paged is not None:       # a shared store filters and pages itself: only the page (and jobs whose phase
        #                         moves with the clock, when a phase is asked for) is read back
        jobs, total = paged(dict(wanted), accounts.members(account) if account is not None else None,
                            q.get("order") == "newest", offset, limit, q.get("phase"), engine.settled)
        end = total if limit is None else offset + limit
        return JobPage([j if j.phase.terminal else engine.settled(j) for j in jobs], total,
                       str(end) if end < total else None)
    found = list(engine.store.jobs((lambda j: all(getattr(j, k) == v for k, v in wanted)
                                    and accounts.holds(account, j.account)) if wanted or account else None))
    if q.get("order") == "newest":
        found.reverse()
    if "phase" in q:           # phases move with the clock: every candidate is brought up to date
        found = [j for j in found if (j if j.phase.terminal else engine.settled(j)).phase.value == q["phase"]]
    end = len(found) if limit is None else offset + limit
    page = [engine.settled(j) for j in found[offset:end]]
    return JobPage(page, len(found), str(end) if end < len(found) else None)


def job_json(job: Job, vendor_phase: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": job.id, "vendor": job.vendor, "model": job.model, "phase": job.phase.value, "policy": job.policy,
        "vendor_phase": vendor_phase, "operation": job.operation,
        "created_at": job.created_at, "phase_times": dict(job.phase_times), "reads": job.reads,
        "test_id": job.test_id, "account": job.account,
        "request": job.record.to_json() if job.record is not None else None, "items": [],
    }
    if job.forced_failure is not None:
        out["failure"] = {"code": job.forced_failure.code, "message": job.forced_failure.message}
    for item in job.items:
        entry: dict[str, Any] = {"index": item.index, "source": item.source, "ok": item.ok}
        if item.failure is not None:
            entry["failure"] = {"code": item.failure.code, "message": item.failure.message,
                                "http_status": item.failure.http_status}
        if item.audio is not None:
            a = item.audio
            entry["audio"] = {"container": a.container, "codec": a.codec, "sample_rate": a.sample_rate,
                              "channels": a.channels, "duration_ms": a.duration_ms, "size": a.size}
        if item.transcript is not None:
            entry["transcript"] = {"backend": item.transcript.backend, "language": item.transcript.language,
                                   "channels": [{"channel_id": c.channel_id, "text": c.text,
                                                 "sentences": len(c.sentences)} for c in item.transcript.channels]}
        out["items"].append(entry)
    return out


__all__ = ["PHASE_NAMES", "JobPage", "job_json", "job_page"]
