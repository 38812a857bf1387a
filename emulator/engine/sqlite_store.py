"""A store that survives a restart and a ``kill -9``: ``serve --state-dir DIR``.

It is the memory store (every read is served from memory) written through to SQLite in WAL mode: a job, record or
blob is committed before the call that stored it returns, so what a client was told exists is on disk before the
answer is sent. Jobs and records are pickled (they are the engine's and the dialects' own dataclasses); blobs are
files under ``DIR/blobs`` with a row each. On start everything is loaded back, in the order it was stored.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import sqlite3
import threading
import uuid
from pathlib import Path

from emulator.engine.jobs import Job
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


class SqliteStore(MemoryStore):
    persistent = True

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.blob_dir = self.directory / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self._spill = str(self.blob_dir)            # the memory store's large-blob folder is this one, kept
        self._db_lock = threading.Lock()
        self._db = sqlite3.connect(self.directory / "state.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")      # WAL: a commit survives the process being killed
        self._db.executescript(_SCHEMA)
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
        self._write("INSERT INTO jobs (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                    job.id, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))

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
        return _JournalTable(self, limit)

    def journal_entries(self, limit: int) -> list[Entry]:
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
        with self._db_lock:
            self._db.close()


class _JournalTable:
    def __init__(self, store: SqliteStore, limit: int) -> None:
        self.store = store
        self.limit = limit
        self.count = 0

    def append(self, entry: Entry) -> None:
        self.store._write("INSERT OR REPLACE INTO journal (seq, data) VALUES (?, ?)", entry.seq,
                          pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        self.count += 1
        if self.count % 1000 == 0:          # now and then, not every time: drop what is beyond the limit
            self.store._write("DELETE FROM journal WHERE seq <= ?", entry.seq - self.limit)

    def clear(self) -> None:
        self.store._write("DELETE FROM journal")


__all__ = ["SqliteStore"]
