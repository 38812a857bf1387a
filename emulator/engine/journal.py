"""The journal: every request with vendor, operation, job id, status, latency and test id."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from emulator.engine import accounts


@dataclass(slots=True)
class Entry:
    seq: int
    time: float
    method: str
    path: str
    status: int
    latency_ms: float
    vendor: str | None = None
    operation: str | None = None
    model: str | None = None
    job_id: str | None = None
    code: str | None = None
    reason: str | None = None          # why a request was refused or failed
    warnings: list[str] | None = None  # what was accepted that the vendor would refuse (leniency)
    test_id: str | None = None
    error: str | None = None
    attempt: int | None = None
    account: str | None = None         # the credential id the request carried

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class JournalSink(Protocol):
    """Where a kept journal goes (a state directory): every entry, and the clearing."""

    def append(self, entry: Entry) -> None: ...
    def clear(self) -> None: ...


class Journal:
    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._seq = 0
        self._lock = threading.Lock()
        self.sink: JournalSink | None = None

    def restore(self, entries: list[Entry]) -> None:
        """The entries a previous run kept (a state directory), oldest first; numbering goes on after them."""
        with self._lock:
            self._entries.extend(entries[-self.limit:])
            self._seq = max([self._seq, *(e.seq for e in entries)])

    @property
    def shared(self) -> bool:
        """Kept in a table several workers write (the entries are read from there)."""
        return bool(getattr(self.sink, "shared", False))

    def record(self, **fields: Any) -> Entry:
        with self._lock:
            self._seq += 1
            entry = Entry(seq=self._seq, **fields)
            if not self.shared:
                self._entries.append(entry)
        if self.sink is not None:
            self.sink.append(entry)        # a shared table numbers the entry itself
        return entry

    def _all(self) -> list[Entry]:
        if self.shared:
            kept: list[Entry] = self.sink.entries()  # type: ignore[union-attr]
            return kept
        return list(self._entries)

    def entries(self, account: str | None = None, **filters: Any) -> list[Entry]:
        """The entries matching every filter given (``account``: made with one of that account's credentials)."""
        wanted = {k: v for k, v in filters.items() if v is not None}
        return [e for e in self._all() if all(str(getattr(e, k)) == str(v) for k, v in wanted.items())
                and (account is None or accounts.holds(account, e.account))]

    def clear(self, account: str | None = None) -> None:
        """Forget every entry (``account``: that account's entries; a kept journal keeps them on disk until they
        age out)."""
        with self._lock:
            if account is not None:
                if self.shared:
                    self.sink.forget([e.seq for e in self._all()  # type: ignore[union-attr]
                                      if accounts.holds(account, e.account)])
                    return
                kept = [e for e in self._entries if not accounts.holds(account, e.account)]
                self._entries.clear()
                self._entries.extend(kept)
                return
            self._entries.clear()
        if self.sink is not None:
            self.sink.clear()
