"""The engine: one object holding the clock, store, media, recognizer, faults, journal and credentials.

Dialects call it in neutral terms; it never renders vendor bytes. Phases are settled from the job's lifecycle
policy and the clock whenever a job is read, so no job has a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from emulator.engine import accounts, lifecycle
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.audio import AudioInfo, AudioProblem, probe
from emulator.engine.callbacks import RETRY_DELAYS, Callbacks
from emulator.engine.clock import Clock
from emulator.engine.credentials import Credentials, Mode
from emulator.engine.faults import JOB_ACTIONS, REQUEST_ACTIONS, Faults
from emulator.engine.faults import Request as FaultRequest
from emulator.engine.jobs import CURRENT_OPERATION, Failure, Item, Job, Phase, VendorRecord
from emulator.engine.journal import Journal
from emulator.engine.leniency import Leniency
from emulator.engine.media import FetchLimits, MediaProblem, MediaResolver
from emulator.engine.recognizer import Options, Recognizer, ScriptRegistry, Transcript
from emulator.engine.store import MemoryStore, Store
from emulator.engine.throttle import RateLimiter

log = logging.getLogger("asr_emulator")
FETCH_CONCURRENCY = 8
SUBMIT_WAIT_S = 1.0     # a submit waits this long for its media, then answers and lets the fetch go on


class JobStateError(Exception):
    """A control-plane or vendor action that the job's phase does not allow."""


@dataclass(frozen=True)
class RequestFault:
    """A fault rule answering a request: the vendor's throttling error, or an error with a vendor code (and
    optionally a message and HTTP status); the dialect renders it."""

    throttle: bool = False
    code: str | None = None
    message: str | None = None
    status: int | None = None


# the version (4) and variant (RFC 4122) bits of a UUID4, as uuid.UUID(version=4) sets them
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_V4 = (4 << 76) | (0x8000 << 48)


@dataclass(frozen=True)
class EngineConfig:
    lifecycle: str = "timed"
    seed: int = 0
    credentials: Mode = "permissive"
    journal_limit: int = 10_000
    fetch_timeout: float = 30.0
    fetch_deadline: float = 60.0
    strict: bool = False               # refuse what the vendors refuse, even where local use is easier lenient


ID_BLOCK = 1000      # ids reserved at a time in a state directory (a restart skips the rest of the block)


@dataclass
class Overrides:
    """What tests and users configure at run time, kept in a state directory: fault rules, scripts, lifecycles, the
    clock, the engine's settings and each dialect's settings section (as ``settings_json`` gives it)."""

    rules: list[Any]
    scripts_by_hash: dict[str, Any]
    scripts_by_url: dict[str, Any]
    streams: list[Any]
    policies: dict[str, str]
    clock: tuple[str, float]
    rate_limits: bool
    credentials_mode: str
    strict: bool
    stream_idle_timeout: float | None
    retry_delays: tuple[float, ...]
    fetch_deadline: float
    dialects: dict[str, Any]
    account_streams: dict[str, list[Any]] = field(default_factory=dict)
    seed: int | None = None
    accounts: tuple[str, ...] = ()


@dataclass
class IdReservation:
    """How many ids the generator may have handed out (kept in a state directory)."""

    value: int


@lru_cache(maxsize=256)
def _policy(spec: str) -> lifecycle.Policy:
    return lifecycle.parse_policy(spec)


class Engine:
    def __init__(self, config: EngineConfig | None = None, store: Store | None = None) -> None:
        self.config = config or EngineConfig()
        lifecycle.parse_policy(self.config.lifecycle)  # fail early on a bad default
        self.clock = Clock()
        self.store: Store = store or MemoryStore()
        self.scripts = ScriptRegistry()
        self.recognizer = Recognizer(self.scripts, seed=self.config.seed)
        self.media = MediaResolver(self.store)
        self.media.deadline = self.config.fetch_deadline
        self.faults = Faults(seed=self.config.seed)
        self.journal = Journal(self.config.journal_limit)
        self.credentials = Credentials(mode="strict" if self.config.strict else self.config.credentials)
        self.leniency = Leniency(self.config.strict)
        self.limiter = RateLimiter(self.clock)
        self.callbacks = Callbacks(self.peek, self.journal.record, self.clock.now)
        self.rate_limits = False
        self.stream_idle_timeout: float | None = None   # overrides each vendor's idle timeout for streams
        self.policies: dict[str, str] = {}      # "vendor" or "vendor/model" → policy spec
        self.accounts: set[str] = set()         # accounts the control plane was asked to act for (their keys)
        self.account_tables: tuple[str, ...] = ()   # the credential tables an account's ids are known in
        self._account_keys: set[tuple[str, str]] = set()   # (table, id) known because an account named them
        self.account_hooks: list[Callable[[str], None]] = []    # dialects forget an account's own (its objects)
        self.settings_hooks: list[Callable[[], None]] = []
        self._fetching: set[asyncio.Future[None]] = set()      # media being fetched for submitted jobs
        self.submit_wait_s = SUBMIT_WAIT_S   # how long a submit waits for its media before answering
        self.on_terminal: list[Callable[[Job], None]] = []   # dialects' reactions to a job ending (result objects)
        self._ids = random.Random(f"ids:{self.config.seed}")
        self._id_count = 0                 # ids drawn so far (skipped ones too)
        self.resets = 0                    # resets and reseedings so far: caches keyed by job id include it
        self._id_block_end: int | None = None   # a state directory: ids up to this one are this process's
        self._persistent = bool(getattr(self.store, "persistent", False))
        self._shared = bool(getattr(self.store, "shared", False))     # several workers on one state directory
        self._overrides_seen = 0           # the generation of the kept overrides this process applied
        if getattr(self.store, "persistent", False):
            self._resume_state()

    def new_id(self) -> str:
        """A UUID4 drawn from the seeded generator: a fresh emulator with the same seed hands out the same ids. With a
        state directory the generator goes on where the last run stopped (ids are reserved in blocks), so no id is
        handed out twice across restarts."""
        self._id_count += 1
        if self._id_block_end is not None and self._id_count > self._id_block_end:
            self._take_id_block()
        # uuid.UUID(int=…, version=4) as text, without building the object (a query makes one for its request id)
        h = "%032x" % (self._ids.getrandbits(128) & _UUID_CLEAR | _UUID_V4)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _take_id_block(self) -> None:
        """Reserve the next ``ID_BLOCK`` ids in the state directory (one transaction: workers sharing it never
        take the same block), skipping the draws of the ids before it (other workers' or a previous run's)."""
        end: int = self.store.add("ids", ID_BLOCK)  # type: ignore[attr-defined]
        while self._id_count <= end - ID_BLOCK:
            self._ids.getrandbits(128)
            self._id_count += 1
        self._id_block_end = end

    def save_overrides(self, dialects: dict[str, Any]) -> None:
        """Keep what was configured at run time (a state directory only; the control plane calls this after each
        change)."""
        if not self._persistent:
            return
        scripts = self.scripts
        self.store.put_record("engine", "overrides", Overrides(
            rules=self.faults.rules(), scripts_by_hash=dict(scripts.by_hash), scripts_by_url=dict(scripts.by_url),
            streams=list(scripts.streams), policies=dict(self.policies), clock=self.clock.state(),
            rate_limits=self.rate_limits, credentials_mode=self.credentials.mode, strict=self.leniency.strict,
            stream_idle_timeout=self.stream_idle_timeout, retry_delays=tuple(self.callbacks.retry_delays),
            fetch_deadline=self.media.deadline, dialects=dialects,
            account_streams={k: list(v) for k, v in scripts.account_streams.items()}, seed=self.seed,
            accounts=tuple(sorted(self.accounts))))
        if self._shared:        # the other workers see a new generation and apply it
            self._overrides_seen = self.store.add("overrides", 1)  # type: ignore[attr-defined]

    def sync_overrides(self) -> bool:
        """Several workers: apply the run-time configuration another worker kept since this one last looked — the
        settings hooks return the dialects' settings to their defaults first. True when something was applied (the
        emulator then applies the dialects' kept sections)."""
        if not self._shared:
            return False
        generation: int = self.store.counter("overrides")  # type: ignore[attr-defined]
        if generation == self._overrides_seen:
            return False
        self._overrides_seen = generation
        for hook in self.settings_hooks:
            hook()
        self._restore_overrides()
        return True

    def saved_overrides(self) -> Overrides | None:
        found = self.store.get_record("engine", "overrides")
        return found if isinstance(found, Overrides) else None

    def _restore_overrides(self) -> None:
        saved = self.saved_overrides()
        if saved is None:
            return
        self.faults.replace(saved.rules)
        self.scripts.clear()
        self.scripts.by_hash.update(saved.scripts_by_hash)
        self.scripts.by_url.update(saved.scripts_by_url)
        self.scripts.streams.extend(saved.streams)
        for key, streams in getattr(saved, "account_streams", {}).items():
            self.scripts.account_streams.setdefault(key, deque()).extend(streams)
        self.policies = dict(saved.policies)
        self.forget_accounts()              # the kept ones are all of them (another worker's reset forgot some)
        for account in getattr(saved, "accounts", ()):
            self.register_account(account)
        seed = getattr(saved, "seed", None)
        if seed is not None and seed != self.seed:
            self.recognizer.seed = self.faults.seed = seed
            self._reseed_ids(seed)
        self.clock.restore(saved.clock)
        self.rate_limits = saved.rate_limits
        self.credentials.mode = saved.credentials_mode  # type: ignore[assignment]
        self.leniency.strict = saved.strict
        self.stream_idle_timeout = saved.stream_idle_timeout
        self.callbacks.retry_delays = saved.retry_delays
        self.media.deadline = saved.fetch_deadline

    def _resume_state(self) -> None:
        """After a restart: skip the ids a previous run may have handed out, and fail the jobs whose media were
        still being fetched when it stopped (their fetch died with it; a client polling them gets an answer)."""
        store: Any = self.store
        found = store.get_record("engine", "ids")          # a state directory of an earlier version
        if isinstance(found, IdReservation) and store.counter("ids") < found.value:
            store.add("ids", found.value - store.counter("ids"))
        self._id_block_end = 0              # the first id takes a block
        self.callbacks.on_change = lambda d: self.store.put_record("engine.callbacks", f"{d.job_id} {d.url}",
                                                                   d.saved())
        sink = getattr(self.store, "journal_sink", None)
        if sink is not None:
            if not self._shared:
                self.journal.restore(store.journal_entries(self.journal.limit))
            self.journal.sink = sink(self.journal.limit)
        # several workers or instances: only jobs whose fetch must have ended by now (another may be fetching)
        self.fail_interrupted(older_than=self.config.fetch_deadline + 30 if self._shared else None)
        self._restore_overrides()
        if self._shared:
            self._overrides_seen = store.counter("overrides")
        # fault rules count nth/times in the store: across workers, and across a restart
        self.faults.counter = lambda name, amount: int(store.add(name, amount))

    def fail_interrupted(self, older_than: float | None = None) -> None:
        """Fail the jobs whose media were being fetched when the process stopped (their fetch died with it);
        ``older_than``: only those submitted at least that many seconds ago."""
        cutoff = self.clock.now() - older_than if older_than is not None else float("inf")
        for job in list(self.store.jobs(lambda j: not j.media_ready and j.created_at <= cutoff)):
            job.forced_failure = Failure("internal", "the emulator restarted before this job's media were processed")
            job.media_ready = True
            self.store.put_job(job)

    # ---- configuration -----------------------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return self.recognizer.seed

    def set_seed(self, seed: int) -> None:
        self.recognizer.seed = seed
        self.faults.clear(seed=seed)
        self._reseed_ids(seed)

    def _reseed_ids(self, seed: int) -> None:
        self._ids = random.Random(f"ids:{seed}")
        self.resets += 1              # ids may come again (in memory): what was kept by id is stale
        if self._persistent:          # the new sequence goes on from the same place: no id handed out twice
            for _ in range(self._id_count):
                self._ids.getrandbits(128)

    def set_policy(self, spec: str, vendor: str | None = None, model: str | None = None,
                   account: str | None = None) -> None:
        """The lifecycle of new jobs (of a vendor, of one of its models; ``account``: of that account's jobs)."""
        lifecycle.parse_policy(spec)
        key = "" if vendor is None else (vendor if model is None else f"{vendor}/{model}")
        if account is not None:
            if not key:
                self.clear_policies(account)
            self.policies[accounts.scoped(account, key)] = spec
        elif key:
            self.policies[key] = spec
        else:
            self.policies = {k: v for k, v in self.policies.items() if accounts.split(k)[0] is not None}
            self.policies[""] = spec

    def clear_policies(self, account: str) -> None:
        self.policies = {k: v for k, v in self.policies.items() if accounts.split(k)[0] != account}

    def policies_of(self, account: str | None) -> dict[str, str]:
        """The lifecycle overrides (``account``: that account's, by vendor/model)."""
        if account is None:
            return dict(self.policies)
        return {name: v for k, v in self.policies.items() for key, name in [accounts.split(k)] if key == account}

    def policy_spec(self, vendor: str, model: str) -> str:
        names = (f"{vendor}/{model}", vendor, "")
        if len(self.policies) > 1 or "" not in self.policies:
            for key in accounts.keys_holding({accounts.split(k)[0] or "" for k in self.policies} - {""},
                                             CURRENT_ACCOUNT.get()):
                for name in names:
                    if accounts.scoped(key, name) in self.policies:
                        return self.policies[accounts.scoped(key, name)]
        for name in names:
            if name in self.policies:
                return self.policies[name]
        return self.config.lifecycle

    def reset(self) -> None:
        """Forget jobs, uploads, scripts, faults, the journal and every override (lifecycle, rate limits,
        credentials mode, seed); the clock returns to real time."""
        self.store.clear()
        self.resets += 1                     # what was kept of the forgotten jobs (renders) is stale
        if not self._persistent:             # with a state directory ids go on: they are never handed out twice
            self._ids = random.Random(f"ids:{self.config.seed}")
        self.journal.clear()
        self.callbacks.clear()
        self.forget_accounts()
        self.reset_overrides()

    def reset_account(self, account: str, keep_jobs: bool = False) -> None:
        """Forget one account's world: its jobs (with their callbacks and journal entries) unless ``keep_jobs``,
        and its scripts, fault rules and lifecycles. Other accounts, the clock and the settings are untouched."""
        if not keep_jobs:
            gone = {j.id for j in self.store.jobs(lambda j: accounts.holds(account, j.account))}
            for job_id in gone:
                self.store.delete_job(job_id)
            self.callbacks.clear(gone)
            self.journal.clear(account)
        self.scripts.clear(account)
        self.faults.clear(account=account)
        self.clear_policies(account)
        if not keep_jobs:
            for hook in self.account_hooks:
                hook(account)

    def set_account_tables(self, tables: Sequence[str]) -> None:
        """The dialects' credential tables (known once the dialects are built): accounts kept from before are
        registered in them."""
        self.account_tables = tuple(tables)
        kept, self.accounts = self.accounts, set()
        for account in sorted(kept):
            self.register_account(account)

    def register_account(self, account: str) -> None:
        """An account the control plane acts for: known from then on, and its credential ids known keys (accepted
        without a leniency warning, also in strict mode, their signatures unverified — the control plane named
        them; a key configured with its secret keeps it)."""
        if account in self.accounts:
            return
        self.accounts.add(account)
        for table in self.account_tables:
            known = self.credentials.secrets(table)
            for credential in accounts.members(account):
                if credential not in known:
                    self.credentials.add(table, credential, None)
                    self._account_keys.add((table, credential))

    def forget_accounts(self) -> None:
        """Every account forgotten, and the keys only they made known."""
        for table, credential in self._account_keys:
            self.credentials.keys.get(table, {}).pop(credential, None)
        self._account_keys.clear()
        self.accounts.clear()

    def account_of(self, credential: str | None) -> str | None:
        """The account (its key) a credential belongs to, among those the control plane acts for; None when it is
        in none of them (what it makes is then in the space every such credential shares)."""
        held = accounts.keys_holding(self.accounts, credential) if self.accounts else []
        return held[0] if held else None

    def reset_overrides(self) -> None:
        """Forget what a test configured — scripts, faults, lifecycle, rate limits, credentials mode, seed,
        the vendors' run-time settings, a manual clock — and keep jobs, uploads, objects and the journal."""
        self.scripts.clear()
        self.faults.clear(seed=self.config.seed)
        self.recognizer.seed = self.config.seed
        self.limiter.clear()
        self.policies.clear()
        self.media.deadline = self.config.fetch_deadline
        self.callbacks.retry_delays = RETRY_DELAYS
        self.rate_limits = False
        self.stream_idle_timeout = None
        self.credentials.mode = "strict" if self.config.strict else self.config.credentials
        self.leniency.clear()
        self.clock.set_mode("real")
        for hook in self.settings_hooks:
            hook()

    # ---- faults ------------------------------------------------------------------------------------------

    async def request_fault(self, req: FaultRequest) -> RequestFault | None:
        """Apply the request faults matching ``req``: sleep for added latency, then say whether to answer with
        throttling or an error."""
        fired = self.faults.check(req, REQUEST_ACTIONS)
        if "latency" in fired:
            await asyncio.sleep(fired["latency"].seconds)
        if "throttle" in fired:
            return RequestFault(throttle=True)
        if "error" in fired:
            rule = fired["error"]
            return RequestFault(code=rule.code, message=rule.message, status=rule.status)
        return None

    def job_fault(self, req: FaultRequest, default_code: str) -> tuple[Failure | None, Phase | None]:
        """A ``fail_job`` fault for the job ``req`` creates: its failure, and ``Phase.QUEUED`` when it fails
        straight from the queue."""
        fired = self.faults.check(req, JOB_ACTIONS)
        if "fail_job" not in fired:
            return None, None
        rule = fired["fail_job"]
        return Failure(rule.code or default_code, rule.message), (Phase.QUEUED if rule.at == "queued" else None)

    # ---- jobs --------------------------------------------------------------------------------------------

    async def submit(
        self, *, vendor: str, model: str, owner: str, job_id: str, sources: Sequence[str],
        options: Options, limits: FetchLimits, record: VendorRecord | None = None,
        policy: str | None = None, test_id: str | None = None, failure: Failure | None = None,
        fail_from: Phase | None = None, no_speech_fails: bool = False,
        vet: Callable[[Item], Failure | None] | None = None, wait: bool = False,
        process_limit_ms: int | None = None,
    ) -> Job:
        """Store a queued job and fetch, probe and transcribe every source. The submit waits for that up to
        ``SUBMIT_WAIT_S`` (``wait``: until it is done, for synchronous APIs), as a service answers a submit at once
        however slow the file server is; until its media are in, the job stays queued.

        ``vet`` is the dialect's acceptance rule for a probed item (sample rate, channels, quota …): a failure it
        returns becomes the item's. ``process_limit_ms``: the model processes only that much of each medium (EAS's
        ``play_duration``), so the ``timed`` lifecycle runs for that much."""
        now = self.clock.now()
        job = Job(
            id=job_id, vendor=vendor, model=model, owner=owner, items=[Item(i, s) for i, s in enumerate(sources)],
            policy=policy or self.policy_spec(vendor, model), created_at=now, record=record,
            phase_times={Phase.QUEUED.value: now}, test_id=test_id, forced_failure=failure,
            fail_from=fail_from, media_ready=False, process_limit_ms=process_limit_ms,
            operation=CURRENT_OPERATION.get(), account=CURRENT_ACCOUNT.get(),
        )
        self.store.put_job(job)
        task = asyncio.ensure_future(self._process(job, options, limits, no_speech_fails, vet))
        self._fetching.add(task)
        task.add_done_callback(self._fetching.discard)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), None if wait else self.submit_wait_s)
        return job

    async def _process(self, job: Job, options: Options, limits: FetchLimits, no_speech_fails: bool,
                       vet: Callable[[Item], Failure | None] | None) -> None:
        sem = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def one(item: Item) -> None:
            async with sem:
                done = await self._item(item.index, item.source, options, limits, no_speech_fails)
            item.audio, item.transcript, item.failure, item.digest = done.audio, done.transcript, done.failure, \
                done.digest
            if vet is not None and item.failure is None:
                item.failure = vet(item)

        try:
            await asyncio.gather(*(one(item) for item in job.items))
        except Exception:      # a bug, not a media problem: the job fails, and the traceback is logged
            log.exception("processing the media of job %s failed", job.id)
            for item in job.items:
                if item.transcript is None and item.failure is None:
                    item.failure = Failure("internal", "the emulator failed to process this file")
        job.media_ready = True
        now = self.clock.now()
        # the lifecycle runs from when the media are in (a timed queue does not elapse during a slow download)
        job.created_at = job.phase_times[Phase.QUEUED.value] = max(job.created_at, now)
        self._settle(job, now)
        self.store.put_job(job)

    async def _item(self, index: int, source: str, options: Options, limits: FetchLimits,
                    no_speech_fails: bool) -> Item:
        item = Item(index=index, source=source)
        try:
            data = await self.media.fetch(source, limits)
            info, transcript = await asyncio.to_thread(self._recognize, item, data, options)
        except MediaProblem as problem:
            named = problem.kind == "vendor"   # a vendor code named by a test: the dialect supplies the message
            item.failure = Failure(problem.code or problem.kind, None if named else problem.detail, problem.status)
            return item
        # what the stored job keeps of the audio: its facts. The script it carried and its speech spans are in the
        # transcript now (and a job kept by the hundred thousand is smaller without them)
        item.audio, item.transcript = dataclasses.replace(info, script=None, speech=()), transcript
        if no_speech_fails and not transcript.has_speech:
            item.failure = Failure("no_speech", "no valid speech was found in the audio")
        return item

    def _recognize(self, item: Item, data: bytes, options: Options) -> tuple[AudioInfo, Transcript]:
        """The media's facts and transcript, its digest set on ``item`` (in a worker thread: hashing and probing
        are CPU work)."""
        item.digest = hashlib.sha256(data).hexdigest()
        try:
            info = probe(data)
        except AudioProblem as exc:
            raise MediaProblem(exc.kind, exc.detail) from None
        return info, self.recognizer.transcribe(info, item.digest, options, url=item.source)

    def read(self, job_id: str) -> Job | None:
        """A vendor read: counts toward ``polls:N`` and settles the phase."""
        job = self.store.get_job(job_id)
        if job is None:
            return None
        job.reads += 1
        if job.policy.startswith("polls"):      # the count moves the job: a restart must see it
            self.store.put_job(job)
        self._settle(job, self.clock.now())
        return job

    def settled(self, job: Job) -> Job:
        """``job`` (read already) brought up to the clock's phase, as ``peek`` would read it."""
        self._settle(job, self.clock.now())
        return job

    def peek(self, job_id: str) -> Job | None:
        """A read that does not count as a poll (control plane, listings)."""
        job = self.store.get_job(job_id)
        if job is not None:
            self._settle(job, self.clock.now())
        return job

    def jobs(self, predicate: Callable[[Job], bool] | None = None) -> list[Job]:
        now = self.clock.now()
        out = []
        for job in self.store.jobs(predicate):
            self._settle(job, now)
            out.append(job)
        return out

    def _settle(self, job: Job, now: float) -> None:
        if job.phase.terminal or job.phase is Phase.PAUSED or not job.media_ready:
            return
        target, at = lifecycle.target(job, _policy(job.policy), now)
        self._move(job, target, at)

    def _move(self, job: Job, target: Phase, at: float) -> None:
        if target.rank <= job.phase.rank:
            return
        if target.rank >= 1 and Phase.RUNNING.value not in job.phase_times and job.fail_from is not Phase.QUEUED:
            job.phase_times[Phase.RUNNING.value] = at
        job.phase = target
        job.phase_times[target.value] = at
        self.store.put_job(job)
        if target.terminal:
            for listener in self.on_terminal:
                listener(job)

    # ---- actions -----------------------------------------------------------------------------------------

    def cancel(self, job: Job) -> None:
        """Cancel a job that is still queued; raises ``JobStateError`` otherwise."""
        self._settle(job, self.clock.now())
        if job.phase not in (Phase.QUEUED, Phase.PAUSED):
            raise JobStateError(f"job {job.id} is {job.phase.value}, not queued")
        self._move(job, Phase.CANCELED, self.clock.now())

    def advance(self, job: Job) -> None:
        self._require_open(job)
        if job.phase is Phase.PAUSED:
            raise JobStateError(f"job {job.id} is paused; resume it first")
        self._move(job, lifecycle.next_phase(job), self.clock.now())

    def complete(self, job: Job) -> None:
        self._require_open(job)
        self._move(job, job.outcome(), self.clock.now())

    def fail(self, job: Job, code: str, message: str | None = None) -> None:
        self._require_open(job)
        job.forced_failure = Failure(code, message)
        self._move(job, Phase.FAILED, self.clock.now())

    def pause(self, job: Job) -> None:
        self._require_open(job)
        if job.phase is Phase.PAUSED:
            raise JobStateError(f"job {job.id} is already paused")
        job.paused_from = job.phase
        job.paused_at = self.clock.now()
        job.phase = Phase.PAUSED
        job.phase_times[Phase.PAUSED.value] = job.paused_at
        self.store.put_job(job)

    def resume(self, job: Job) -> None:
        if job.phase is not Phase.PAUSED or job.paused_at is None:
            raise JobStateError(f"job {job.id} is {job.phase.value}, not paused")
        job.paused_total += self.clock.now() - job.paused_at
        job.paused_at = None
        job.phase = job.paused_from or Phase.QUEUED
        job.paused_from = None
        self.store.put_job(job)
        self._settle(job, self.clock.now())

    def _require_open(self, job: Job) -> None:
        self._settle(job, self.clock.now())
        if job.phase.terminal:
            raise JobStateError(f"job {job.id} has already ended ({job.phase.value})")
