"""Storage behind one interface: jobs and blobs (uploaded media, result files). In memory by default."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

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
    def clear(self) -> None: ...


class MemoryStore:
    """Dicts under a lock; job order is insertion (submit) order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._blobs: dict[tuple[str, str], Blob] = {}

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

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._blobs.clear()
