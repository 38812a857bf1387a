"""Accounts: every credential a request carries (a DashScope API key, an AccessKey ID, a SecretId, an EAS token)
belongs to an account, and an account is a world of its own — its jobs, scripts, fault rules and lifecycles — as
on the real clouds.

The control plane is told which account it acts for in the header ``X-ASR-Emulator-Account``: one credential id, or
several separated by commas (a test that calls two vendors names the credential of each). Without the header it acts
on everything. The account's *key* is its ids sorted and joined by commas; scoped configuration is stored under it.
The clock, the settings and the leniency counters stay the server's (one process, one clock).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar

ACCOUNT_HEADER = "X-ASR-Emulator-Account"
MAX_IDS = 16               # credential ids in one account header
MAX_ID_LENGTH = 256

# The credential id of the request being answered: the pipeline sets it once the dialect has authenticated the
# request, and what is made while answering it (a job, a stream) belongs to that account.
CURRENT_ACCOUNT: ContextVar[str | None] = ContextVar("asr_emulator_account", default=None)


class AccountError(ValueError):
    """A malformed account header."""


def parse(header: str | None) -> str | None:
    """The account key a header names (None without one); ``AccountError`` for a malformed header."""
    if header is None:
        return None
    ids = {part.strip() for part in header.split(",")}
    if not header.strip() or "" in ids:
        raise AccountError(f"{ACCOUNT_HEADER} names credential ids separated by commas, none of them empty")
    if len(ids) > MAX_IDS:
        raise AccountError(f"{ACCOUNT_HEADER} names at most {MAX_IDS} credential ids")
    for one in ids:
        if len(one) > MAX_ID_LENGTH or not one.isprintable() or "\n" in one:
            raise AccountError(f"{ACCOUNT_HEADER}: a credential id is printable and at most {MAX_ID_LENGTH} "
                               "characters")
    return ",".join(sorted(ids))


def members(key: str) -> frozenset[str]:
    return frozenset(key.split(","))


def holds(key: str | None, credential: str | None) -> bool:
    """Whether the account ``key`` (None: every account) holds the credential."""
    return key is None or (credential is not None and credential in members(key))


def scoped(key: str, name: str) -> str:
    """The name under which an account keeps its own ``name`` (a script's hash, a lifecycle's vendor/model)."""
    return f"@{key}\n{name}"


def split(stored: str) -> tuple[str | None, str]:
    """``scoped``'s inverse: (account key or None, name)."""
    if stored.startswith("@") and "\n" in stored:
        key, _, name = stored[1:].partition("\n")
        return key, name
    return None, stored


def keys_holding(keys: Iterable[str], credential: str | None) -> list[str]:
    """The account keys among ``keys`` that hold ``credential``, in a stable order."""
    if credential is None:
        return []
    return sorted(k for k in set(keys) if credential in members(k))


__all__ = ["ACCOUNT_HEADER", "CURRENT_ACCOUNT", "AccountError", "holds", "keys_holding", "members", "parse",
           "scoped", "split"]
