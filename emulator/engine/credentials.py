"""Credentials: configured keys per vendor, and how strictly they are checked — decided here, once, for every
dialect (``Credentials.verdict``).

``permissive`` (default): a credential must be present and well formed for its vendor; keys that are configured
are verified (their signatures checked), any other well-formed one is accepted unverified. ``strict``: only
configured keys, every signature verified. ``off``: nothing is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["permissive", "strict", "off"]
MODES: tuple[Mode, ...] = ("permissive", "strict", "off")


@dataclass(frozen=True)
class Verdict:
    """What a dialect does with the credential a request presents.

    ``check``: False in ``off`` mode — accept without looking. ``refused``: answer with the vendor's auth error
    (missing, malformed, or unknown in ``strict`` mode). ``known``: a configured key; ``secret`` is what to verify
    its signature with (None for keys that are their own proof, such as API keys). ``strict``: the mode is strict
    (timestamps and nonces are checked too)."""

    check: bool = True
    refused: bool = False
    known: bool = False
    secret: str | None = None
    strict: bool = False


@dataclass
class Credentials:
    mode: Mode = "permissive"
    keys: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def add(self, vendor: str, key: str, secret: str | None = None) -> None:
        self.keys.setdefault(vendor, {})[key] = secret

    def add_all(self, vendor: str, keys: Mapping[str, str | None]) -> None:
        for key, secret in keys.items():
            self.add(vendor, key, secret)

    def secrets(self, vendor: str) -> dict[str, str | None]:
        return self.keys.get(vendor, {})

    def verdict(self, vendor: str, key: str | None, well_formed: Callable[[str], bool] = bool,
                known: Mapping[str, str | None] | None = None) -> Verdict:
        """The one credentials policy. ``known`` replaces the vendor's configured keys (a PAI-EAS service's own
        token, say)."""
        if self.mode == "off":
            return Verdict(check=False)
        strict = self.mode == "strict"
        if not key:
            return Verdict(refused=True, strict=strict)
        table = self.keys.get(vendor, {}) if known is None else known
        if key in table:
            return Verdict(known=True, secret=table[key], strict=strict)
        if strict or not well_formed(key):
            return Verdict(refused=True, strict=strict)
        return Verdict(strict=strict)

    @property
    def strict(self) -> bool:
        """Timestamps, nonces and signature windows are checked only in strict mode."""
        return self.mode == "strict"

    def may_read(self, owner: str, caller: str) -> bool:
        """Whether a caller sees a record another credential created: never, unless nothing is checked."""
        return owner == caller or self.mode == "off"

    def accepts(self, vendor: str, key: str | None, well_formed: Callable[[str], bool]) -> bool:
        verdict = self.verdict(vendor, key, well_formed)
        return not verdict.check or not verdict.refused
