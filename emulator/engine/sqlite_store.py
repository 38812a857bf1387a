"""A store that survives a restart and a ``kill -9``: ``serve --state-dir DIR``.

It is the memory store (every read is served from memory) written through to SQLite in WAL mode: a job, record or
blob is committed before the call that stored it returns, so what a client was told exists is on disk before the
answer is sent. Jobs and records are pickled (they are the engine's and the dialects' own dataclasses); blobs are
files under ``DIR/blobs`` with a row each. On start everything is loaded back, in the order it was stored.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import pickle
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from emulator.engine.jobs import Job, reconcile
from emulator.engine.journal import Entry
from emulator.engine.store import Blob, MemoryStore

log = logging.getLogger("asr_emulator")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL, data BLOB NOT NULL,
                                    PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (kind TEXT NOT NULL, key TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,
                                  content_type TEXT NOT NULL, name TEXT NOT NULL, meta TEXT NOT NULL,
                                  PRIMARY KEY (kind, key));
"""
JOURNAL_FLUSH_S = 0.05    # the longest a journal entry waits to be written in one process's state directory
# a job's fields listings filter on, beside its pickle (the phase as last written, and whether it may move with the
# clock alone — Job.moves_with_clock: see page_jobs)
JOB_COLUMNS = ("vendor", "model", "test_id", "account", "phase", "clock")
_UPSERT_JOB = ("INSERT INTO jobs (id, data, vendor, model, test_id, account, phase, clock) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT(id) DO UPDATE SET data = excluded.data, phase = excluded.phase, clock = excluded.clock")


def _job_row(job: Job, data: bytes) -> tuple[object, ...]:
    return (job.id, data, job.vendor, job.model, job.test_id, job.account, job.phase.value,
            int(job.moves_with_clock))


def _add_counter(db: sqlite3.Connection, name: str, amount: int) -> int:
    row = db.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) "
                     "DO UPDATE SET value = value + excluded.value RETURNING value", (name, amount)).fetchall()
    return int(row[0][0])          # (fetchall: the statement ends, and its write lock with it)


def _read_counter(db: sqlite3.Connection, name: str) -> int:
    row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    return int(row[0]) if row is not None else 0


def _add_job_columns(db: sqlite3.Connection) -> None:
    """The listing columns of the jobs table (a state directory made before them gets them, filled once)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    missing = [c for c in JOB_COLUMNS if c not in have]
    for column in missing:
        db.execute(f"ALTER TABLE jobs ADD COLUMN {column} TEXT")
    if missing:
        for job_id, data in list(db.execute("SELECT id, data FROM jobs")):
            try:
                job = pickle.loads(data)
            except Exception:
                continue
            db.execute(f"UPDATE jobs SET {', '.join(f'{c} = ?' for c in JOB_COLUMNS)} WHERE id = ?",
                       (*_job_row(job, b"")[2:], job_id))
    db.execute("CREATE INDEX IF NOT EXISTS jobs_phase_clock ON jobs (phase, clock)")
    db.execute("CREATE INDEX IF NOT EXISTS jobs_clock ON jobs (clock)")


_SHARED_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class SqliteStore(MemoryStore):
    persistent = True

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.blob_dir = self.directory / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self._spill = str(self.blob_dir)            # the memory store's large-blob folder is this one, kept
        self._db_lock = threading.Lock()
        self._journal: _JournalTable | None = None
        self.closed = False
        self._db = sqlite3.connect(self.directory / "state.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")      # WAL: a commit survives the process being killed
        self._db.executescript(_SCHEMA + _SHARED_SCHEMA)
        _add_job_columns(self._db)
        self._load()

    # ---- loading -----------------------------------------------------------------------------------------

    def _load(self) -> None:
        for job_id, data in self._db.execute("SELECT id, data FROM jobs ORDER BY rowid"):
            try:
                self._jobs[job_id] = pickle.loads(data)
            except Exception:      # a job this version cannot read: left on disk, said
                log.exception("state: cannot read job %s; it is skipped", job_id)
        for kind, key, data in self._db.execute("SELECT kind, key, data FROM records ORDER BY rowid"):
            try:
                self._records.setdefault(kind, {})[key] = pickle.loads(data)
            except Exception:
                log.exception("state: cannot read record %s/%s; it is skipped", kind, key)
        rows = self._db.execute("SELECT kind, key, path, size, content_type, name, meta FROM blobs ORDER BY rowid")
        for kind, key, path, size, content_type, name, meta in rows:
            if os.path.exists(path):
                self._blobs[(kind, key)] = Blob(b"", content_type, name, json.loads(meta), path=path, size=size)

    def _write(self, sql: str, *args: object) -> None:
        with self._db_lock:
            self._db.execute(sql, args)

    # ---- the store, written through ----------------------------------------------------------------------

    def put_job(self, job: Job) -> None:
        super().put_job(job)
        self._write(_UPSERT_JOB, *_job_row(job, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)))

    def delete_job(self, job_id: str) -> bool:
        found = super().delete_job(job_id)
        self._write("DELETE FROM jobs WHERE id = ?", job_id)
        return found

    def put_blob(self, kind: str, key: str, blob: Blob) -> None:
        if blob.path is None:         # every blob is a file here, small ones too
            blob = blob.spilled(os.path.join(self._spill_dir(), uuid.uuid4().hex))
        super().put_blob(kind, key, blob)
        stored = self._blobs[(kind, key)]
        self._write("INSERT OR REPLACE INTO blobs (kind, key, path, size, content_type, name, meta) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", kind, key, stored.path, stored.size, stored.content_type,
                    stored.name, json.dumps(stored.meta))

    def _spill_dir(self) -> str:
        return str(self.blob_dir)

    def delete_blob(self, kind: str, key: str) -> bool:
        found = super().delete_blob(kind, key)
        self._write("DELETE FROM blobs WHERE kind = ? AND key = ?", kind, key)
        return found

    def put_record(self, kind: str, key: str, record: object) -> None:
        super().put_record(kind, key, record)
        self._write("INSERT INTO records (kind, key, data) VALUES (?, ?, ?) ON CONFLICT(kind, key) "
                    "DO UPDATE SET data = excluded.data", kind, key, pickle.dumps(record, protocol=5))

    def delete_record(self, kind: str, key: str) -> bool:
        found = super().delete_record(kind, key)
        self._write("DELETE FROM records WHERE kind = ? AND key = ?", kind, key)
        return found

    def add(self, name: str, amount: int = 1) -> int:
        """Add to a kept counter (the ids handed out, say) and return its new value."""
        with self._db_lock:
            return _add_counter(self._db, name, amount)

    def counter(self, name: str) -> int:
        with self._db_lock:
            return _read_counter(self._db, name)

    def clear(self) -> None:
        """A reset: jobs, blobs and the dialects' records go (the id reservation stays: ids are never reused)."""
        keep = self._records.get("engine", {}).copy()
        super().clear()
        with self._db_lock:
            self._db.execute("DELETE FROM jobs")
            self._db.execute("DELETE FROM blobs")
            self._db.execute("DELETE FROM records WHERE kind != 'engine'")
        self._records["engine"] = keep

    # ---- the journal (bounded: the oldest entries beyond the journal's limit are dropped) --------------------

    def journal_sink(self, limit: int) -> _JournalTable:
        self._journal = _JournalTable(self, limit)
        return self._journal

    def journal_entries(self, limit: int) -> list[Entry]:
        if self._journal is not None:
            self._journal.flush()
        with self._db_lock:
            rows = self._db.execute("SELECT data FROM journal ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        out = []
        for (data,) in reversed(rows):
            try:
                out.append(pickle.loads(data))
            except Exception:
                log.exception("state: cannot read a journal entry; it is skipped")
        return out

    def close(self) -> None:
        if self._journal is not None:
            self._journal.flush()
        with self._db_lock:
            self.closed = True
            self._db.close()


class _JournalTable:
    """The journal kept in one process's state directory. The entries are read from memory while it runs (the
    table is read back only by the next run), so they are written by a timer's thread, together, at most
    ``JOURNAL_FLUSH_S`` after they were made, rather than with a commit beside every answer: a task query on a state
    directory neither waits on a write it does not need nor pickles its entry. A server stopped as asked writes
    what is pending; a ``kill -9`` loses that last moment of the journal (never a job, object or record: those are
    written through)."""

    def __init__(self, store: SqliteStore, limit: int) -> None:
        self.store = store
        self.limit = limit
        self.count = 0
        self._pending: list[Entry] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._cleared = 0                     # clears so far: a batch taken before one is not written after it
        atexit.register(self.flush)

    def append(self, entry: Entry) -> None:
        with self._lock:
            self._pending.append(entry)
            if self._timer is None:
                self._timer = threading.Timer(JOURNAL_FLUSH_S, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """The pending entries, written in one transaction (and what is beyond the limit dropped now and then)."""
        with self._lock:
            rows, self._pending = self._pending, []
            timer, self._timer = self._timer, None
            cleared = self._cleared
        if timer is not None:
            timer.cancel()
        if not rows:
            return
        data = [(e.seq, pickle.dumps(e, protocol=pickle.HIGHEST_PROTOCOL)) for e in rows]
        with self.store._db_lock:
            if self.store.closed or cleared != self._cleared:
                return
            db = self.store._db
            db.execute("BEGIN")
            try:
                db.executemany("INSERT OR REPLACE INTO journal (seq, data) VALUES (?, ?)", data)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            before = self.count
            self.count += len(rows)
            if self.count // 1000 != before // 1000:      # now and then, not every time
                self.store._db.execute("DELETE FROM journal WHERE seq <= ?", (rows[-1].seq - self.limit,))

    def clear(self) -> None:
        with self._lock, self.store._db_lock:
            self._pending = []
            self._cleared += 1
            self.store._db.execute("DELETE FROM journal")


class SharedSqliteStore:
    """The state directory shared by several processes (``serve --workers N``): nothing is kept in memory, every
    read goes to SQLite, so a job one worker made is read, cancelled and called back through any other.

    Writes that several workers may race on are reconciled rather than lost (``put_job``: a poll that read a job
    before another worker finished its media or ended it does not undo that); counters (ids, fault hits, the
    overrides' generation) are incremented in one transaction each."""

    persistent = True
    shared = True

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.blob_dir = self.directory / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.directory / "state.sqlite3", check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA + _SHARED_SCHEMA)
        with self._transaction() as db:
            _add_job_columns(db)

    # ---- plumbing ----------------------------------------------------------------------------------------

    def _one(self, sql: str, *args: object) -> tuple[object, ...] | None:
        with self._lock:
            row: tuple[object, ...] | None = self._db.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    def _write(self, sql: str, *args: object) -> None:
        with self._lock:
            self._db.execute(sql, args)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction across processes (BEGIN IMMEDIATE: the write lock is taken at once)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def _loads(data: object, what: str) -> Any:
        try:
            return pickle.loads(data)  # type: ignore[arg-type]
        except Exception:
            log.exception("state: cannot read %s; it is skipped", what)
            return None

    # ---- jobs --------------------------------------------------------------------------------------------

    def put_job(self, job: Job) -> None:
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:            # a new job: one statement (the common case of a submit)
            if self._db.execute("INSERT INTO jobs (id, data, vendor, model, test_id, account, phase, clock) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
                                _job_row(job, data)).rowcount == 1:
                return
        with self._transaction() as db:
            row = db.execute("SELECT data FROM jobs WHERE id = ?", (job.id,)).fetchone()
            if row is not None:
                stored = self._loads(row[0], f"job {job.id}")
                if isinstance(stored, Job):
                    reconcile(stored, job)
            db.execute(_UPSERT_JOB, _job_row(job, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)))

    def get_job(self, job_id: str) -> Job | None:
        row = self._one("SELECT data FROM jobs WHERE id = ?", job_id)
        found = self._loads(row[0], f"job {job_id}") if row is not None else None
        return found if isinstance(found, Job) else None

    def jobs(self, predicate: Callable[[Job], bool] | None = None) -> Iterator[Job]:
        rows = self._all("SELECT data FROM jobs ORDER BY rowid")
        loaded = (self._loads(data, "a job") for (data,) in rows)
        return (j for j in loaded if isinstance(j, Job) and (predicate is None or predicate(j)))

    def count_jobs(self) -> int:
        row = self._one("SELECT count(*) FROM jobs")
        return int(row[0]) if row is not None else 0  # type: ignore[call-overload]

    def page_jobs(self, equal: dict[str, str], accounts: frozenset[str] | None, newest: bool, offset: int,
                  limit: int | None, phase: str | None = None,
                  current: Callable[[Job], Job] | None = None) -> tuple[list[Job], int]:
        """One page of a listing, filtered and counted in SQL: only the page's jobs are read back (a listing of
        100,000 jobs does not unpickle them all). ``equal``: column → value (``JOB_COLUMNS``); ``accounts``: the
        making credential is one of these. ``phase``: the jobs in that phase now — a job's row says its phase, but
        for the jobs whose phase may move with the clock alone (``Job.moves_with_clock``: timed, not ended): only
        those are read back and brought up to date by ``current``."""
        where, args = [], []
        for column, value in equal.items():
            if column not in JOB_COLUMNS or column in ("phase", "clock"):
                raise ValueError(f"no listing column {column!r}")
            where.append(f"{column} = ?")
            args.append(value)
        if accounts is not None:
            where.append(f"account IN ({', '.join('?' * len(accounts))})")
            args.extend(sorted(accounts))
        order = "DESC" if newest else "ASC"
        if phase is None:
            return self._page(where, args, order, offset, limit)
        matched: dict[int, Job | None] = {}
        for rowid, data in self._all(f"SELECT rowid, data FROM jobs WHERE {' AND '.join([*where, 'clock = 1'])}",
                                     *args):
            job = self._loads(data, "a job")
            if isinstance(job, Job):
                job = current(job) if current is not None else job
                if job.phase.value == phase:
                    matched[int(rowid)] = job  # type: ignore[call-overload]
        fixed = [*where, "clock = 0", "phase = ?"]
        if not matched:                  # none moved into it: the rows that say it, paged in SQL
            return self._page(fixed, [*args, phase], order, offset, limit)
        for (rowid,) in self._all(f"SELECT rowid FROM jobs WHERE {' AND '.join(fixed)}", *args, phase):
            matched[int(rowid)] = None  # type: ignore[call-overload]
        ordered = sorted(matched, reverse=newest)
        page = ordered[offset:None if limit is None else offset + limit]
        unread = [r for r in page if matched[r] is None]
        for start in range(0, len(unread), 500):
            chunk = unread[start:start + 500]
            for rowid, data in self._all(f"SELECT rowid, data FROM jobs WHERE rowid IN "
                                         f"({', '.join('?' * len(chunk))})", *chunk):
                job = self._loads(data, "a job")
                matched[int(rowid)] = job if isinstance(job, Job) else None  # type: ignore[call-overload]
        return [j for j in (matched[r] for r in page) if j is not None], len(ordered)

    def _page(self, where: list[str], args: Sequence[object], order: str, offset: int,
              limit: int | None) -> tuple[list[Job], int]:
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        row = self._one(f"SELECT count(*) FROM jobs{clause}", *args)
        total = int(row[0]) if row is not None else 0  # type: ignore[call-overload]
        rows = self._all(f"SELECT data FROM jobs{clause} ORDER BY rowid {order} LIMIT ? OFFSET ?", *args,
                         -1 if limit is None else limit, offset)
        loaded = [self._loads(data, "a job") for (data,) in rows]
        return [j for j in loaded if isinstance(j, Job)], total

    def delete_job(self, job_id: str) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount > 0

    # ---- blobs (files, one row each) ---------------------------------------------------------------------

    def put_blob(self, kind: str, key: str, blob: Blob) -> None:
        path = str(self.blob_dir / uuid.uuid4().hex)
        if blob.path is None:
            Path(path).write_bytes(blob.data)
        else:
            shutil.move(blob.path, path)
        with self._transaction() as db:
            old = db.execute("SELECT path FROM blobs WHERE kind = ? AND key = ?", (kind, key)).fetchone()
            db.execute("INSERT OR REPLACE INTO blobs (kind, key, path, size, content_type, name, meta) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (kind, key, path, blob.size, blob.content_type, blob.name,
                                                        json.dumps(blob.meta)))
        if old is not None and old[0] != path:
            with contextlib.suppress(OSError):
                os.unlink(old[0])

    def get_blob(self, kind: str, key: str) -> Blob | None:
        row = self._one("SELECT path, size, content_type, name, meta FROM blobs WHERE kind = ? AND key = ?",
                        kind, key)
        if row is None:
            return None
        path, size, content_type, name, meta = row
        return Blob(b"", str(content_type), str(name), json.loads(str(meta)), path=str(path), size=int(size))  # type: ignore[call-overload]

    def delete_blob(self, kind: str, key: str) -> bool:
        with self._transaction() as db:
            old = db.execute("SELECT path FROM blobs WHERE kind = ? AND key = ?", (kind, key)).fetchone()
            db.execute("DELETE FROM blobs WHERE kind = ? AND key = ?", (kind, key))
        if old is not None:
            with contextlib.suppress(OSError):
                os.unlink(old[0])
        return old is not None

    def blob_keys(self, kind: str) -> list[str]:
        return [str(k) for (k,) in self._all("SELECT key FROM blobs WHERE kind = ? ORDER BY rowid", kind)]

    # ---- records -----------------------------------------------------------------------------------------

    def put_record(self, kind: str, key: str, record: object) -> None:
        self._write("INSERT INTO records (kind, key, data) VALUES (?, ?, ?) ON CONFLICT(kind, key) "
                    "DO UPDATE SET data = excluded.data", kind, key, pickle.dumps(record, protocol=5))

    def get_record(self, kind: str, key: str) -> object | None:
        row = self._one("SELECT data FROM records WHERE kind = ? AND key = ?", kind, key)
        return self._loads(row[0], f"record {kind}/{key}") if row is not None else None

    def delete_record(self, kind: str, key: str) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key)).rowcount > 0

    def records(self, kind: str) -> list[tuple[str, object]]:
        rows = self._all("SELECT key, data FROM records WHERE kind = ? ORDER BY rowid", kind)
        loaded = [(str(k), self._loads(d, f"record {kind}/{k}")) for k, d in rows]
        return [(k, v) for k, v in loaded if v is not None]

    def update_record(self, kind: str, key: str, change: Callable[[object | None], object | None]) -> object | None:
        """Read, change and write one record in one transaction (``change`` returns the new record, or None to
        leave it as it was); what is stored afterwards is returned."""
        with self._transaction() as db:
            row = db.execute("SELECT data FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
            current = self._loads(row[0], f"record {kind}/{key}") if row is not None else None
            new = change(current)
            if new is None:
                return current
            db.execute("INSERT INTO records (kind, key, data) VALUES (?, ?, ?) ON CONFLICT(kind, key) "
                       "DO UPDATE SET data = excluded.data", (kind, key, pickle.dumps(new, protocol=5)))
            return new

    def clear(self) -> None:
        """A reset: jobs, blobs and the dialects' records go (the engine's counters and records stay)."""
        with self._transaction() as db:
            paths = [p for (p,) in db.execute("SELECT path FROM blobs")]
            db.execute("DELETE FROM jobs")
            db.execute("DELETE FROM blobs")
            db.execute("DELETE FROM records WHERE kind != 'engine'")
        for path in paths:
            with contextlib.suppress(OSError):
                os.unlink(path)

    # ---- counters ----------------------------------------------------------------------------------------

    def add(self, name: str, amount: int = 1) -> int:
        """Add to a counter shared by every worker and return its new value (one statement: atomic)."""
        with self._lock:
            return _add_counter(self._db, name, amount)

    def counter(self, name: str) -> int:
        with self._lock:
            return _read_counter(self._db, name)

    # ---- the journal: one table for every worker, numbered in it ---------------------------------------------

    def journal_sink(self, limit: int) -> _SharedJournal:
        return _SharedJournal(self, limit)

    def journal_entries(self, limit: int) -> list[Entry]:
        rows = self._all("SELECT seq, data FROM journal ORDER BY seq DESC LIMIT ?", limit)
        out = []
        for seq, data in reversed(rows):
            entry = self._loads(data, "a journal entry")
            if isinstance(entry, Entry):
                entry.seq = int(seq)  # type: ignore[call-overload]
                out.append(entry)
        return out

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _SharedJournal:
    """The journal of several workers: each entry is numbered by the table (the worker's own number is replaced),
    and reads come from the table."""

    shared = True

    def __init__(self, store: SharedSqliteStore, limit: int) -> None:
        self.store = store
        self.limit = limit

    def append(self, entry: Entry) -> None:
        # one statement, no transaction to upgrade: the table numbers the row (its seq is the entry's, on reading)
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        with self.store._lock:
            seq = self.store._db.execute("INSERT INTO journal (seq, data) VALUES (NULL, ?)", (data,)).lastrowid
        entry.seq = int(seq or 0)
        if entry.seq % 1000 == 0:
            self.store._write("DELETE FROM journal WHERE seq <= ?", entry.seq - self.limit)

    def entries(self) -> list[Entry]:
        return self.store.journal_entries(self.limit)

    def forget(self, seqs: list[int]) -> None:
        with self.store._transaction() as db:
            db.executemany("DELETE FROM journal WHERE seq = ?", [(s,) for s in seqs])

    def clear(self) -> None:
        self.store._write("DELETE FROM journal")


__all__ = ["SharedSqliteStore", "SqliteStore"]
