"""An account of its own for a test run: credentials for each vendor, and the ``X-ASR-Emulator-Account`` header
that names them, so that runs sharing one emulator do not see each other's jobs, scripts, faults or lifecycles."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """Credentials well formed for every vendor, all carrying ``tag``. ``header`` is the value of
    ``X-ASR-Emulator-Account`` naming them; ``credentials(vendor)`` replaces the local defaults the SDK helpers
    use. PAI-EAS is not included: a service's token is the service's, so EAS calls keep the service's token."""

    tag: str

    @classmethod
    def named(cls, name: str) -> Account:
        """An account derived from any name (a worker id and a process id, say): the same name, the same
        account."""
        return cls(hashlib.sha256(name.encode()).hexdigest()[:16])

    @property
    def dashscope_key(self) -> str:
        return f"sk-emu{self.tag}"

    @property
    def access_key_id(self) -> str:
        return f"LTAI5emu{self.tag}"

    @property
    def secret_id(self) -> str:
        return f"AKIDemu{self.tag}".ljust(36, "0")

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.dashscope_key, self.access_key_id, self.secret_id)

    @property
    def header(self) -> str:
        return ",".join(sorted(self.ids))

    def credentials(self, vendor: str, defaults: dict[str, str]) -> dict[str, str]:
        """``defaults`` (a dialect's local credentials) with this account's in their place."""
        mine = {"api_key": self.dashscope_key, "access_key_id": self.access_key_id,
                "access_key_secret": f"emu-secret-{self.tag}", "secret_id": self.secret_id,
                "secret_key": f"emu-secret-key-{self.tag}"}
        if vendor == "eas":
            return dict(defaults)
        return {k: mine.get(k, v) for k, v in defaults.items()}


__all__ = ["Account"]
