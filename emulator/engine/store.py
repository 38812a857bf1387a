"""Storage behind one interface: jobs, blobs (uploaded media, result files, objects) and the dialects' typed
records (queues, templates, counters …). In memory by default."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from emulator.engine.jobs import Job

SPILL_BYTES = 4 * 1024 * 1024       # blobs larger than this live in files, not in memory


class Blob:
    """Stored bytes (an upload, an object, a result file) with their content type, name and metadata. Large ones
    are kept in a file (``path``); ``data`` reads them back when asked, ``size`` does not need to."""

    __slots__ = ("_data", "content_type", "meta", "name", "path", "size")

    def __init__(self, data: bytes = b"", content_type: str = "application/octet-stream", name: str = "",
                 meta: dict[str, str] | None = None, path: str | None = None, size: int | None = None) -> None:
        self._data = data
        self.content_type = content_type
        self.name = name
        self.meta = dict(meta or {})
        self.path = path
        self.size = len(data) if size is None else size

    @property
    def data(self) -> bytes:
        return self._data if self.path is None else Path(self.path).read_bytes()

    def spilled(self, path: str) -> Blob:
        """The same blob, its bytes written to ``path``."""
        Path(path).write_bytes(self._data)
        return Blob(b"", self.content_type, self.name, self.meta, path=path, size=self.size)


class Store(Protocol):
    def put_job(self, job: Job) -> None: ...
    def get_job(self, job_id: str) -> Job | None: ...
    def jobs(self, predicate: Callable[[Job], bool] | None = None) -> Iterator[Job]: ...
    def count_jobs(self) -> int: ...
    def delete_job(self, job_id: str) -> bool: ...
    def put_blob(self, kind: str, key: str, blob: Blob) -> None: ...
    def get_blob(self, kind: str, key: str) -> Blob | None: ...
    def delete_blob(self, kind: str, key: str) -> bool: ...
    def blob_keys(self, kind: str) -> list[str]: ...
    def put_record(self, kind: str, key: str, record: object) -> None: ...
    def get_record(self, kind: str, key: str) -> object | None: ...
    def delete_record(self, kind: str, key: str) -> bool: ...
    def records(self, kind: str) -> list[tuple[str, object]]: ...
    def update_record(self, kind: str, key: str,
                      change: Callable[[object | None], object | None]) -> object | None: ...
    def clear(self) -> None: ...


class MemoryStore:
    """Dicts under a lock; job order is insertion (submit) order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._update_lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._blobs: dict[tuple[str, str], Blob] = {}
        self._records: dict[str, dict[str, object]] = {}
        self._spill: str | None = None          # a temporary directory for large blobs, made when first needed

    def put_job(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job

    def get_job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def jobs(self, predicate: Callable[[Job], bool] | None = None) -> Iterator[Job]:
        with self._lock:
            snapshot = list(self._jobs.values())
        return (j for j in snapshot if predicate is None or predicate(j))

    def count_jobs(self) -> int:
        return len(self._jobs)

    def delete_job(self, job_id: str) -> bool:
        with self._lock:
            return self._jobs.pop(job_id, None) is not None

    def put_blob(self, kind: str, key: str, blob: Blob) -> None:
        """Store a blob. A large one is written to a file; one already in a file (``path``) is moved into the
        store's own directory, which it then owns."""
        if blob.path is None and blob.size > SPILL_BYTES:
            blob = blob.spilled(os.path.join(self._spill_dir(), uuid.uuid4().hex))
        elif blob.path is not None and not blob.path.startswith(self._spill_dir()):
            owned = os.path.join(self._spill_dir(), uuid.uuid4().hex)
            shutil.move(blob.path, owned)
            blob = Blob(b"", blob.content_type, blob.name, blob.meta, path=owned, size=blob.size)
        with self._lock:
            old = self._blobs.get((kind, key))
            self._blobs[(kind, key)] = blob
        self._forget(old)

    def _spill_dir(self) -> str:
        if self._spill is None:
            self._spill = tempfile.mkdtemp(prefix="asr-emulator-blobs-")
            weakref.finalize(self, shutil.rmtree, self._spill, True)
        return self._spill

    def _forget(self, blob: Blob | None) -> None:
        if blob is not None and blob.path is not None and self._spill and blob.path.startswith(self._spill):
            with contextlib.suppress(OSError):
                os.unlink(blob.path)

    def get_blob(self, kind: str, key: str) -> Blob | None:
        return self._blobs.get((kind, key))

    def delete_blob(self, kind: str, key: str) -> bool:
        with self._lock:
            old = self._blobs.pop((kind, key), None)
        self._forget(old)
        return old is not None

    def blob_keys(self, kind: str) -> list[str]:
        with self._lock:
            return [k for (c, k) in self._blobs if c == kind]

    def put_record(self, kind: str, key: str, record: object) -> None:
        with self._lock:
            self._records.setdefault(kind, {})[key] = record

    def get_record(self, kind: str, key: str) -> object | None:
        return self._records.get(kind, {}).get(key)

    def delete_record(self, kind: str, key: str) -> bool:
        with self._lock:
            return self._records.get(kind, {}).pop(key, None) is not None

    def records(self, kind: str) -> list[tuple[str, object]]:
        with self._lock:
            return list(self._records.get(kind, {}).items())

    def update_record(self, kind: str, key: str, change: Callable[[object | None], object | None]) -> object | None:
        """Read, change and put one record as one step (``change`` returns the new record, or None to leave it);
        what is stored afterwards is returned. Several workers on one state directory rely on it."""
        with self._update_lock:
            current = self.get_record(kind, key)
            new = change(current)
            if new is None:
                return current
            self.put_record(kind, key, new)
            return new

    def clear(self) -> None:
        with self._lock:
            blobs = list(self._blobs.values())
            self._jobs.clear()
            self._blobs.clear()
            self._records.clear()
        for blob in blobs:
            self._forget(blob)


T = TypeVar("T")


class Records(Generic[T]):
    """A typed view of one kind of record in a store: ``Records(store, "tencent_ci.queue", Queue)``.

    Records are dataclasses; a dialect that changes one puts it back, so that a store other than memory keeps the
    change."""

    def __init__(self, store: Store, kind: str, cls: type[T]) -> None:
        self.store = store
        self.kind = kind
        self.cls = cls

    def get(self, key: str) -> T | None:
        value = self.store.get_record(self.kind, key)
        if value is None:
            return None
        if not isinstance(value, self.cls):
            raise TypeError(f"record {self.kind}/{key} is a {type(value).__name__}, not a {self.cls.__name__}")
        return value

    def put(self, key: str, value: T) -> T:
        self.store.put_record(self.kind, key, value)
        return value

    def update(self, key: str, change: Callable[[T | None], T | None]) -> T | None:
        """Read, change and put one record as one step, whoever else changes it meanwhile (another worker):
        ``change`` gets the record (or None) and returns the new one (None: leave it)."""
        def typed(found: object | None) -> object | None:
            if found is not None and not isinstance(found, self.cls):
                raise TypeError(f"record {self.kind}/{key} is a {type(found).__name__}, not a {self.cls.__name__}")
            return change(found)

        result = self.store.update_record(self.kind, key, typed)
        return result if isinstance(result, self.cls) else None

    def delete(self, key: str) -> bool:
        return self.store.delete_record(self.kind, key)

    def items(self) -> list[tuple[str, T]]:
        return [(k, v) for k, v in self.store.records(self.kind) if isinstance(v, self.cls)]

    def values(self) -> list[T]:
        return [v for _, v in self.items()]

    def __contains__(self, key: str) -> bool:
        return self.store.get_record(self.kind, key) is not None
