"""Jobs and items in neutral words: a job has items (one per input file), each with its own result."""

from __future__ import annotations

import enum
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from emulator.engine.audio import AudioInfo
from emulator.engine.compact import compact_pickle
from emulator.engine.recognizer import Transcript

# The vendor operation being answered: the pipeline sets it, and a job submitted while answering it records it.
CURRENT_OPERATION: ContextVar[str | None] = ContextVar("asr_emulator_operation", default=None)


class Phase(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def rank(self) -> int:
        """Progress order: a job's rank never decreases."""
        return _RANK[self]


TERMINAL = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELED})
_RANK = {Phase.QUEUED: 0, Phase.PAUSED: 0, Phase.RUNNING: 1,
         Phase.SUCCEEDED: 2, Phase.FAILED: 2, Phase.CANCELED: 2}


@compact_pickle
@dataclass(frozen=True, slots=True)
class Failure:
    """Why an item (or a whole job) failed.

    ``code`` is either a neutral media-problem kind (see ``emulator.engine.media.MediaProblem``) or, when a test,
    fault or magic input names one, the vendor's own code; the dialect renders both.
    """

    code: str
    message: str | None = None
    http_status: int | None = None


@compact_pickle
@dataclass(slots=True)
class Item:
    index: int
    source: str
    audio: AudioInfo | None = None
    transcript: Transcript | None = None
    failure: Failure | None = None
    digest: str = ""                  # sha256 of the media's bytes, once fetched

    @property
    def ok(self) -> bool:
        return self.failure is None and self.transcript is not None


class VendorRecord(Protocol):
    """A dialect's typed record of a job (what the vendor request asked for, render caches): a dataclass with
    ``to_json`` for the control plane."""

    def to_json(self) -> dict[str, Any]: ...


R = TypeVar("R")


@compact_pickle
@dataclass(slots=True)
class Job:
    id: str
    vendor: str
    model: str
    owner: str
    items: list[Item]
    policy: str
    created_at: float
    record: VendorRecord | None = None
    phase: Phase = Phase.QUEUED
    phase_times: dict[str, float] = field(default_factory=dict)
    reads: int = 0
    forced_failure: Failure | None = None
    fail_from: Phase | None = None
    paused_at: float | None = None
    paused_total: float = 0.0
    test_id: str | None = None
    paused_from: Phase | None = None
    media_ready: bool = True          # False while its media are still being fetched: the job waits in the queue
    process_limit_ms: int | None = None   # the model processes at most this much of each medium
    operation: str | None = None      # the vendor operation that made it (SubmitTask, create_job …)
    account: str | None = None        # the credential id of the request that made it (its account)

    @property
    def moves_with_clock(self) -> bool:
        """Whether its phase may change with nothing but time passing (a timed lifecycle, media in, not ended or
        paused): the phase it was last written with may be stale. Any other job's stored phase is its phase — it
        changes only by a write (a poll of a ``polls:N`` job, a control-plane step, the media coming in)."""
        return self.media_ready and self.phase in (Phase.QUEUED, Phase.RUNNING) \
            and self.policy.partition(":")[0].strip() == "timed"

    def record_as(self, cls: type[R]) -> R:
        """The dialect's record of this job, typed; a job of another dialect raises ``TypeError``."""
        if not isinstance(self.record, cls):
            raise TypeError(f"job {self.id} carries a {type(self.record).__name__}, not a {cls.__name__}")
        return self.record

    @property
    def audio_ms(self) -> int:
        return sum(i.audio.duration_ms for i in self.items if i.audio is not None)

    @property
    def processed_ms(self) -> int:
        """The audio the model processes: all of it, or each medium's first ``process_limit_ms``."""
        limit = self.process_limit_ms
        return sum(i.audio.duration_ms if limit is None else min(limit, i.audio.duration_ms)
                   for i in self.items if i.audio is not None)

    def outcome(self) -> Phase:
        """The terminal phase the job reaches: succeeded if any item succeeded."""
        if self.forced_failure is not None:
            return Phase.FAILED
        return Phase.SUCCEEDED if any(i.ok for i in self.items) else Phase.FAILED

    def item_failure(self, item: Item) -> Failure | None:
        return self.forced_failure or item.failure

    def failure(self) -> Failure | None:
        """Why a failed single-input job failed: the forced failure or its item's; None if it has not failed."""
        if self.phase is not Phase.FAILED:
            return None
        return self.forced_failure or next((i.failure for i in self.items if i.failure is not None), None)


def reconcile(stored: Job, job: Job) -> None:
    """Make ``job`` (about to be written) keep what another worker wrote since it was read: media processed,
    an end reached (by a poll, a cancel or the control plane). ``job`` is changed in place."""
    if stored.media_ready and not job.media_ready:
        job.items, job.media_ready, job.created_at = stored.items, True, stored.created_at
        job.forced_failure = job.forced_failure or stored.forced_failure
        if job.phase is Phase.QUEUED:
            job.phase, job.phase_times = stored.phase, dict(stored.phase_times)
    if stored.phase.terminal and not job.phase.terminal:
        job.phase, job.phase_times = stored.phase, dict(stored.phase_times)
        job.forced_failure = stored.forced_failure
    job.reads = max(job.reads, stored.reads)
