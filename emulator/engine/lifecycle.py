"""Lifecycle policies: how a job moves through its phases, computed from the policy and the clock on each read.

``instant``        terminal at submit, so the first read sees the result;
``polls:N``        each phase is seen by N reads (queued, then running, then terminal);
``timed``          queue delay, then audio duration ÷ speed factor, on the clock
                   (``timed:queue=1.5,speed=50`` overrides the defaults);
``manual``         moves only when the control plane says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.engine.jobs import Job, Phase

DEFAULT_QUEUE_DELAY = 1.0
DEFAULT_SPEED = 50.0


@dataclass(frozen=True)
class Policy:
    kind: str
    polls: int = 1
    queue_delay: float = DEFAULT_QUEUE_DELAY
    speed: float = DEFAULT_SPEED

    def __str__(self) -> str:
        if self.kind == "polls":
            return f"polls:{self.polls}"
        if self.kind == "timed" and (self.queue_delay, self.speed) != (DEFAULT_QUEUE_DELAY, DEFAULT_SPEED):
            return f"timed:queue={self.queue_delay:g},speed={self.speed:g}"
        return self.kind


def parse_policy(spec: str) -> Policy:
    """Parse a policy string; raises ``ValueError`` with a readable message."""
    text = spec.strip()
    kind, _, arg = text.partition(":")
    if kind in ("instant", "manual") and not arg:
        return Policy(kind)
    if kind == "polls":
        try:
            n = int(arg or "1")
        except ValueError:
            raise ValueError(f"polls:N needs a whole number, got {arg!r}") from None
        if n < 1:
            raise ValueError("polls:N needs N >= 1")
        return Policy("polls", polls=n)
    if kind == "timed":
        values = {"queue": DEFAULT_QUEUE_DELAY, "speed": DEFAULT_SPEED}
        for part in filter(None, arg.split(",")):
            key, _, val = part.partition("=")
            if key not in values:
                raise ValueError(f"timed takes queue= and speed=, not {key!r}")
            try:
                values[key] = float(val)
            except ValueError:
                raise ValueError(f"timed:{key} needs a number, got {val!r}") from None
        if values["speed"] <= 0 or values["queue"] < 0:
            raise ValueError("timed needs speed > 0 and queue >= 0")
        return Policy("timed", queue_delay=values["queue"], speed=values["speed"])
    raise ValueError(f"unknown lifecycle {spec!r}: use instant, polls:N, timed or manual")


def run_seconds(job: Job, policy: Policy, speed_share: float = 1.0) -> float:
    """How long the ``timed`` policy runs a job: the audio it processes at the speed factor (times a model's share
    of it)."""
    return job.processed_ms / 1000.0 / (policy.speed * speed_share)


def target(job: Job, policy: Policy, now: float) -> tuple[Phase, float]:
    """The phase the policy puts the job in now, and the time it got there (for time-stamping)."""
    if policy.kind == "instant":
        return job.outcome(), job.created_at
    if policy.kind == "manual":
        return job.phase, now
    if policy.kind == "polls":
        step = (job.reads - 1) // policy.polls if job.reads > 0 else 0
        return _by_step(job, step), now
    # timed
    elapsed = now - job.created_at - job.paused_total
    run_for = run_seconds(job, policy)
    if elapsed < policy.queue_delay:
        return Phase.QUEUED, job.created_at
    if elapsed < policy.queue_delay + run_for and job.fail_from is not Phase.QUEUED:
        return Phase.RUNNING, job.created_at + job.paused_total + policy.queue_delay
    return job.outcome(), job.created_at + job.paused_total + policy.queue_delay + run_for


def _by_step(job: Job, step: int) -> Phase:
    if step <= 0:
        return Phase.QUEUED
    if step == 1 and job.fail_from is not Phase.QUEUED:
        return Phase.RUNNING
    return job.outcome()


def next_phase(job: Job) -> Phase:
    """One step forward, for the control plane's ``advance``."""
    if job.phase in (Phase.QUEUED, Phase.PAUSED) and job.fail_from is not Phase.QUEUED:
        return Phase.RUNNING
    return job.outcome()
