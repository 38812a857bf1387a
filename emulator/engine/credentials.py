"""Credentials: configured keys per vendor, and how strictly they are checked.

``permissive`` (default): a credential must be present and well formed for its vendor; keys that are configured
are accepted, and so is any other well-formed one. ``strict``: only configured keys. ``off``: nothing is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["permissive", "strict", "off"]
MODES: tuple[Mode, ...] = ("permissive", "strict", "off")


@dataclass
class Credentials:
    mode: Mode = "permissive"
    keys: dict[str, set[str]] = field(default_factory=dict)

    def add(self, vendor: str, key: str) -> None:
        self.keys.setdefault(vendor, set()).add(key)

    def accepts(self, vendor: str, key: str | None, well_formed: Callable[[str], bool]) -> bool:
        if self.mode == "off":
            return True
        if not key:
            return False
        if key in self.keys.get(vendor, set()):
            return True
        return self.mode == "permissive" and well_formed(key)
