"""Storage behind one interface: jobs, blobs (uploaded media, result files, objects) and the dialects' typed
records (queues, templates, counters …). In memory by default."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from emulator.engine.jobs import Job


@dataclass(frozen=True)
class Blob:
    data: bytes
    content_type: str = "application/octet-stream"
    name: str = ""
    meta: dict[str, str] = field(default_factory=dict)


class Store(Protocol):
    def put_job(self, job: Job) -> None: ...
    def get_job(self, job_id: str) -> Job | None: ...
    def jobs(self, predicate: Callable[[Job], bool] | None = None) -> Iterator[Job]: ...
    def count_jobs(self) -> int: ...
    def put_blob(self, kind: str, key: str, blob: Blob) -> None: ...
    def get_blob(self, kind: str, key: str) -> Blob | None: ...
    def delete_blob(self, kind: str, key: str) -> bool: ...
    def blob_keys(self, kind: str) -> list[str]: ...
    def put_record(self, kind: str, key: str, record: object) -> None: ...
    def get_record(self, kind: str, key: str) -> object | None: ...
    def delete_record(self, kind: str, key: str) -> bool: ...
    def records(self, kind: str) -> list[tuple[str, object]]: ...
    def clear(self) -> None: ...


class MemoryStore:
    """Dicts under a lock; job order is insertion (submit) order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._blobs: dict[tuple[str, str], Blob] = {}
        self._records: dict[str, dict[str, object]] = {}

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

    def put_blob(self, kind: str, key: str, blob: Blob) -> None:
        with self._lock:
            self._blobs[(kind, key)] = blob

    def get_blob(self, kind: str, key: str) -> Blob | None:
        return self._blobs.get((kind, key))

    def delete_blob(self, kind: str, key: str) -> bool:
        with self._lock:
            return self._blobs.pop((kind, key), None) is not None

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

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._blobs.clear()
            self._records.clear()


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

    def delete(self, key: str) -> bool:
        return self.store.delete_record(self.kind, key)

    def items(self) -> list[tuple[str, T]]:
        return [(k, v) for k, v in self.store.records(self.kind) if isinstance(v, self.cls)]

    def values(self) -> list[T]:
        return [v for _, v in self.items()]

    def __contains__(self, key: str) -> bool:
        return self.store.get_record(self.kind, key) is not None
