"""Leniency that says so. Where the emulator accepts what the vendor would refuse (files on 127.0.0.1, keys nobody
registered), it records each acceptance — the rule, the vendor's code it stands in for — so a client can see it in
the journal entry, the ``X-ASR-Emulator-Warning`` response header and ``/_emulator/warnings``. ``strict`` refuses
them all, as the vendor would."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Accepted:
    vendor: str
    rule: str
    code: str            # what the vendor answers instead
    what: str            # what was accepted
    count: int = 0
    last: float = 0.0
    said: str = field(init=False, repr=False, compare=False)      # the header's text, made once

    def __post_init__(self) -> None:
        self.said = f"{self.vendor}/{self.rule}: accepted what the vendor refuses with {self.code} ({self.what})"

    def to_json(self) -> dict[str, object]:
        return {"vendor": self.vendor, "rule": self.rule, "vendor_code": self.code, "accepted": self.what,
                "count": self.count, "last": self.last}

    def header(self) -> str:
        return self.said


class Leniency:
    def __init__(self, strict: bool = False) -> None:
        self.default_strict = strict
        self.strict = strict
        self._seen: dict[tuple[str, str], Accepted] = {}
        self._lock = threading.Lock()

    def record(self, vendor: str, rule: str, code: str, what: str, now: float) -> Accepted:
        with self._lock:
            entry = self._seen.get((vendor, rule))
            if entry is None:
                entry = self._seen[(vendor, rule)] = Accepted(vendor, rule, code, what)
            entry.count += 1
            entry.last = now
            return entry

    def total(self) -> int:
        return sum(e.count for e in self._seen.values())

    def summary(self) -> list[Accepted]:
        return sorted(self._seen.values(), key=lambda e: (e.vendor, e.rule))

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
        self.strict = self.default_strict


__all__ = ["Accepted", "Leniency"]
