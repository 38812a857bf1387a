"""The state in Redis (``serve --store redis://HOST:PORT/DB``): several emulator instances, on one machine or
several behind a load balancer, act as one — every read goes to Redis, as with several workers on one state
directory (``SharedSqliteStore``), and blobs are kept in Redis too (no instance's disk holds them).

Jobs and records are pickled (the engine's and the dialects' dataclasses: every instance runs the same version);
racing writes to one job are reconciled (``jobs.reconcile``) and read-change-write of a record happens under
``WATCH``, so no update is lost; counters (ids, fault hits, the overrides' generation) are ``INCRBY``. Keys are
prefixed ``asr-emulator:``; a reset deletes what the prefix holds, except the engine's counters and records.
"""

from __future__ import annotations

import json
import logging
import pickle
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import redis

from emulator.engine.jobs import Job, Phase, reconcile
from emulator.engine.journal import Entry
from emulator.engine.store import Blob

log = logging.getLogger("asr_emulator")
P = "asr-emulator:"
INDEXED = ("vendor", "model", "test_id", "account")      # the listing's filters, each an index (page_jobs)
PHASES = tuple(p.value for p in Phase)
_PHASE = P + "jobs:phase:"          # + a phase: the jobs in it that do not move with the clock alone
_CLOCK = P + "jobs:clock"           # the jobs whose phase may move with the clock alone (Job.moves_with_clock)


def _by(column: str, value: str) -> str:
    return f"{P}jobs:by:{column}:{value}"


def _index_keys(job: Job) -> list[str]:
    keys = [_by(c, v) for c in INDEXED if (v := getattr(job, c)) is not None]
    return [*keys, _CLOCK if job.moves_with_clock else _PHASE + job.phase.value]
MAX_RETRIES = 100        # WATCH conflicts in a row before giving up (never reached but under a storm of writes)


class RedisStore:
    persistent = True
    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        # the client's own annotations leave replies as bytes | str | …: this store decodes them itself
        self.r: Any = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        try:
            self.r.ping()
        except redis.RedisError as exc:
            raise ValueError(f"--store {url}: Redis does not answer ({type(exc).__name__}: {exc})") from None
        self._build_indexes()

    # ---- plumbing ----------------------------------------------------------------------------------------

    @staticmethod
    def _loads(data: Any, what: str) -> Any:
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except Exception:
            log.exception("state: cannot read %s; it is skipped", what)
            return None

    def _order(self, pipe: Any, zset: str, member: str) -> None:
        """Keep ``member``'s first-insertion place in ``zset`` (listings come back in that order)."""
        pipe.zadd(zset, {member: self.r.incr(P + "order")}, nx=True)

    def _watched(self, key: str, step: Callable[[Any], tuple[Any, Callable[[Any], None] | None]]) -> Any:
        """Read under ``WATCH key`` and write only if no one wrote ``key`` meanwhile, retried on a conflict.
        ``step(pipe)`` reads through the pipeline and returns (its result, the writes to queue — None for none)."""
        pipe: Any
        with self.r.pipeline() as pipe:
            for _ in range(MAX_RETRIES):
                try:
                    pipe.watch(key)
                    result, write = step(pipe)
                    if write is None:
                        pipe.unwatch()
                    else:
                        pipe.multi()
                        write(pipe)
                        pipe.execute()
                    return result
                except redis.WatchError:
                    continue
        raise RuntimeError(f"{key}: {MAX_RETRIES} conflicting writes in a row")

    # ---- jobs --------------------------------------------------------------------------------------------

    def put_job(self, job: Job) -> None:
        key = P + "job:" + job.id

        def step(pipe: Any) -> tuple[None, Callable[[Any], None]]:
            stored = self._loads(pipe.get(key), f"job {job.id}")
            if isinstance(stored, Job):
                reconcile(stored, job)
            data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
            score = pipe.zscore(P + "jobs", job.id)
            if score is None:
                score = self.r.incr(P + "order")

            def write(w: Any) -> None:
                w.set(key, data)
                w.zadd(P + "jobs", {job.id: score}, nx=True)
                self._index(w, job, score)

            return None, write

        self._watched(key, step)

    # The listing's indexes: a sorted set per filter value (vendor, model, test id, account) and per phase, scored
    # by the job's place in ``jobs``, so that a page is an intersection and a range — not every job read back.
    def _index(self, w: Any, job: Job, score: float) -> None:
        keys = _index_keys(job)
        for key in keys:
            w.zadd(key, {job.id: score})
        for key in (_CLOCK, *(_PHASE + phase for phase in PHASES)):
            if key not in keys:
                w.zrem(key, job.id)
        w.sadd(P + "job-indexes", *keys)

    def _build_indexes(self) -> None:
        """Indexes for jobs a version without them wrote (once: the flag stays across resets)."""
        if self.r.get(P + "counter:job-indexes") is not None:
            return
        scored = self.r.zrange(P + "jobs", 0, -1, withscores=True)
        for start in range(0, len(scored), 500):
            chunk = scored[start:start + 500]
            values = self.r.mget([P + "job:" + i.decode() for i, _ in chunk])
            with self.r.pipeline(transaction=False) as w:
                for (_, score), value in zip(chunk, values, strict=True):
                    job = self._loads(value, "a job")
                    if isinstance(job, Job):
                        self._index(w, job, score)
                w.execute()
        self.r.set(P + "counter:job-indexes", 1)

    def page_jobs(self, equal: dict[str, str], accounts: frozenset[str] | None, newest: bool, offset: int,
                  limit: int | None, phase: str | None = None,
                  current: Callable[[Job], Job] | None = None) -> tuple[list[Job], int]:
        """One page of a listing from the indexes: only the page's jobs are read back. ``phase``: the jobs in that
        phase now — a job's index says its phase, but for the jobs whose phase may move with the clock alone
        (``Job.moves_with_clock``): only those are read back and brought up to date by ``current`` (as
        ``SharedSqliteStore.page_jobs``)."""
        for column in equal:
            if column not in INDEXED:
                raise ValueError(f"no listing column {column!r}")
        keys = [_by(column, value) for column, value in equal.items()]
        temporary: list[str] = []
        if accounts is not None:
            union = P + "tmp:" + uuid.uuid4().hex
            temporary.append(union)
            members = [_by("account", a) for a in sorted(accounts)]
            if members:
                self.r.zunionstore(union, members)
            keys.append(union)
        try:
            if phase is None:
                return self._page(keys or [P + "jobs"], newest, offset, limit, temporary)
            matched: dict[str, tuple[float, Job | None]] = {}
            scored = self._scored([*keys, _CLOCK], temporary)
            values = self.r.mget([P + "job:" + m for m, _ in scored]) if scored else []
            for (member, score), value in zip(scored, values, strict=True):
                job = self._loads(value, "a job")
                if isinstance(job, Job):
                    job = current(job) if current is not None else job
                    if job.phase.value == phase:
                        matched[member] = (score, job)
            if not matched:              # none moved into it: the phase's index, paged as it is
                return self._page([*keys, _PHASE + phase], newest, offset, limit, temporary)
            for member, score in self._scored([*keys, _PHASE + phase], temporary):
                matched.setdefault(member, (score, None))
            ordered = sorted(matched, key=lambda m: matched[m][0], reverse=newest)
            page = ordered[offset:None if limit is None else offset + limit]
            unread = [m for m in page if matched[m][1] is None]
            values = self.r.mget([P + "job:" + m for m in unread]) if unread else []
            for member, value in zip(unread, values, strict=True):
                job = self._loads(value, "a job")
                matched[member] = (matched[member][0], job if isinstance(job, Job) else None)
            return [j for j in (matched[m][1] for m in page) if j is not None], len(ordered)
        finally:
            if temporary:
                self.r.delete(*temporary)

    def _scored(self, keys: list[str], temporary: list[str]) -> list[tuple[str, float]]:
        """The members of the intersection of ``keys``, with their places."""
        if len(keys) == 1:
            found = self.r.zrange(keys[0], 0, -1, withscores=True)
        else:
            into = P + "tmp:" + uuid.uuid4().hex
            temporary.append(into)
            self.r.zinterstore(into, keys, aggregate="MIN")
            found = self.r.zrange(into, 0, -1, withscores=True)
        return [(m.decode(), s) for m, s in found]

    def _page(self, keys: list[str], newest: bool, offset: int, limit: int | None,
              temporary: list[str]) -> tuple[list[Job], int]:
        key = keys[0]
        if len(keys) > 1:
            key = P + "tmp:" + uuid.uuid4().hex
            temporary.append(key)
            self.r.zinterstore(key, keys, aggregate="MIN")
        total = int(self.r.zcard(key))
        end = -1 if limit is None else offset + limit - 1
        if limit == 0:
            return [], total
        ids = (self.r.zrevrange if newest else self.r.zrange)(key, offset, end)
        values = self.r.mget([P + "job:" + i.decode() for i in ids]) if ids else []
        loaded = [self._loads(v, "a job") for v in values]
        return [j for j in loaded if isinstance(j, Job)], total

    def get_job(self, job_id: str) -> Job | None:
        found = self._loads(self.r.get(P + "job:" + job_id), f"job {job_id}")
        return found if isinstance(found, Job) else None

    def jobs(self, predicate: Callable[[Job], bool] | None = None) -> Iterator[Job]:
        ids = [i.decode() for i in self.r.zrange(P + "jobs", 0, -1)]
        values = self.r.mget([P + "job:" + i for i in ids]) if ids else []
        loaded = (self._loads(v, "a job") for v in values)
        return (j for j in loaded if isinstance(j, Job) and (predicate is None or predicate(j)))

    def count_jobs(self) -> int:
        return int(self.r.zcard(P + "jobs"))

    def delete_job(self, job_id: str) -> bool:
        job = self.get_job(job_id)
        with self.r.pipeline() as pipe:
            pipe.delete(P + "job:" + job_id)
            pipe.zrem(P + "jobs", job_id)
            for key in _index_keys(job) if job is not None else ():
                pipe.zrem(key, job_id)
            gone = pipe.execute()[0]
        return bool(gone)

    # ---- blobs (bytes in Redis) --------------------------------------------------------------------------

    def put_blob(self, kind: str, key: str, blob: Blob) -> None:
        data = blob.data
        with self.r.pipeline() as pipe:
            pipe.hset(P + f"blob:{kind}:{key}", mapping={
                "data": data, "content_type": blob.content_type, "name": blob.name, "meta": json.dumps(blob.meta)})
            pipe.sadd(P + "blob-kinds", kind)
            self._order(pipe, P + f"blobs:{kind}", key)
            pipe.execute()
        if blob.path is not None:          # a file handed to the store is the store's: its bytes are in Redis now
            Path(blob.path).unlink(missing_ok=True)

    def get_blob(self, kind: str, key: str) -> Blob | None:
        found = self.r.hgetall(P + f"blob:{kind}:{key}")
        if not found:
            return None
        return Blob(found[b"data"], found[b"content_type"].decode(), found[b"name"].decode(),
                    json.loads(found[b"meta"]))

    def delete_blob(self, kind: str, key: str) -> bool:
        with self.r.pipeline() as pipe:
            pipe.delete(P + f"blob:{kind}:{key}")
            pipe.zrem(P + f"blobs:{kind}", key)
            gone, _ = pipe.execute()
        return bool(gone)

    def blob_keys(self, kind: str) -> list[str]:
        return [k.decode() for k in self.r.zrange(P + f"blobs:{kind}", 0, -1)]

    # ---- records -----------------------------------------------------------------------------------------

    def put_record(self, kind: str, key: str, record: object) -> None:
        with self.r.pipeline() as pipe:
            pipe.hset(P + f"rec:{kind}", key, pickle.dumps(record, protocol=5))
            pipe.sadd(P + "rec-kinds", kind)
            self._order(pipe, P + f"recs:{kind}", key)
            pipe.execute()

    def get_record(self, kind: str, key: str) -> object | None:
        found: object | None = self._loads(self.r.hget(P + f"rec:{kind}", key), f"record {kind}/{key}")
        return found

    def delete_record(self, kind: str, key: str) -> bool:
        with self.r.pipeline() as pipe:
            pipe.hdel(P + f"rec:{kind}", key)
            pipe.zrem(P + f"recs:{kind}", key)
            gone, _ = pipe.execute()
        return bool(gone)

    def records(self, kind: str) -> list[tuple[str, object]]:
        keys = [k.decode() for k in self.r.zrange(P + f"recs:{kind}", 0, -1)]
        values = self.r.hmget(P + f"rec:{kind}", keys) if keys else []
        loaded = [(k, self._loads(v, f"record {kind}/{k}")) for k, v in zip(keys, values, strict=True)]
        return [(k, v) for k, v in loaded if v is not None]

    def update_record(self, kind: str, key: str, change: Callable[[object | None], object | None]) -> object | None:
        """Read, change and write one record under WATCH (retried when another instance wrote it meanwhile)."""
        name = P + f"rec:{kind}"

        def step(pipe: Any) -> tuple[object | None, Callable[[Any], None] | None]:
            current: object | None = self._loads(pipe.hget(name, key), f"record {kind}/{key}")
            new = change(current)
            if new is None:
                return current, None

            def write(w: Any) -> None:
                w.hset(name, key, pickle.dumps(new, protocol=5))
                w.sadd(P + "rec-kinds", kind)
                self._order(w, P + f"recs:{kind}", key)

            return new, write

        found: object | None = self._watched(name, step)
        return found

    def clear(self) -> None:
        """A reset: jobs, blobs and the dialects' records go (the engine's counters and records stay)."""
        doomed = [P + "jobs", P + "job-indexes"]
        doomed += [P + "job:" + i.decode() for i in self.r.zrange(P + "jobs", 0, -1)]
        doomed += [k.decode() for k in self.r.smembers(P + "job-indexes")]
        for raw in self.r.smembers(P + "blob-kinds"):
            kind = raw.decode()
            doomed += [P + f"blobs:{kind}"] + [P + f"blob:{kind}:{k.decode()}"
                                               for k in self.r.zrange(P + f"blobs:{kind}", 0, -1)]
        for raw in self.r.smembers(P + "rec-kinds"):
            kind = raw.decode()
            if kind != "engine":
                doomed += [P + f"rec:{kind}", P + f"recs:{kind}"]
        for start in range(0, len(doomed), 1000):
            self.r.delete(*doomed[start:start + 1000])

    # ---- counters ----------------------------------------------------------------------------------------

    def add(self, name: str, amount: int = 1) -> int:
        return int(self.r.incrby(P + "counter:" + name, amount))

    def counter(self, name: str) -> int:
        value = self.r.get(P + "counter:" + name)
        return int(value) if value is not None else 0

    # ---- the journal -------------------------------------------------------------------------------------

    def journal_sink(self, limit: int) -> _RedisJournal:
        return _RedisJournal(self, limit)

    def journal_entries(self, limit: int) -> list[Entry]:
        loaded = [self._loads(d, "a journal entry") for d in self.r.lrange(P + "journal", -limit, -1)]
        return [e for e in loaded if isinstance(e, Entry)]

    def close(self) -> None:
        self.r.close()


class _RedisJournal:
    """One journal for every instance: entries numbered by a Redis counter, the oldest beyond the limit dropped."""

    shared = True

    def __init__(self, store: RedisStore, limit: int) -> None:
        self.store = store
        self.limit = limit

    def append(self, entry: Entry) -> None:
        r = self.store.r
        entry.seq = int(r.incr(P + "journal:seq"))
        with r.pipeline() as pipe:
            pipe.rpush(P + "journal", pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
            pipe.ltrim(P + "journal", -self.limit, -1)
            pipe.execute()

    def entries(self) -> list[Entry]:
        return sorted(self.store.journal_entries(self.limit), key=lambda e: e.seq)

    def forget(self, seqs: list[int]) -> None:
        gone = set(seqs)
        r = self.store.r
        for raw in r.lrange(P + "journal", 0, -1):
            entry = self.store._loads(raw, "a journal entry")
            if isinstance(entry, Entry) and entry.seq in gone:
                r.lrem(P + "journal", 1, raw)

    def clear(self) -> None:
        self.store.r.delete(P + "journal")


__all__ = ["RedisStore"]
