"""Fault rules: ``{match} → {action}``, first matching rule wins per action kind, seeded for replay.

match: ``vendor``, ``operation``, ``model``, ``media`` (substring or ``re:`` regex of an input URL), ``test_id``
(the ``X-Test-Id`` header), ``nth`` (only the nth matching request), ``times`` (at most N hits), ``probability``.
actions: ``error`` (a vendor error by catalogue code), ``fail_job`` (the job fails with a vendor code, optionally
straight from ``queued``), ``latency`` (seconds added before answering), ``throttle`` (the vendor's own throttling
error); on streams: ``stream_close`` (drop the connection after ``frames`` audio frames), ``stream_fail`` (the task
fails with ``code`` after ``frames`` frames), ``stream_delay`` (each result ``seconds`` late), ``stream_duplicate``
(every final result sent twice); on the wire, for every vendor: ``drop`` (the connection closes after the status
line and headers), ``empty_body`` (the status and headers, no body), ``malformed_body`` (the body cut short and
followed by seeded garbage), ``slow_body`` (the body dribbled out over ``seconds``).
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from emulator.engine import accounts
from emulator.engine.accounts import CURRENT_ACCOUNT

ACTIONS = ("error", "fail_job", "latency", "throttle", "stream_close", "stream_fail", "stream_delay",
           "stream_duplicate", "drop", "empty_body", "malformed_body", "slow_body")
MAX_FAULT_SECONDS = 3600.0       # latency and slow bodies: an hour at most
REQUEST_ACTIONS = ("error", "latency", "throttle")     # act on the answer to a request
JOB_ACTIONS = ("fail_job",)                            # act on a job created by the request
STREAM_ACTIONS = ("stream_close", "stream_fail", "stream_delay", "stream_duplicate")   # act on a stream
TRANSPORT_ACTIONS = ("drop", "empty_body", "malformed_body", "slow_body")              # act on the bytes sent


@dataclass(frozen=True)
class Request:
    """What a dialect tells the fault engine about a request."""

    vendor: str
    operation: str
    model: str | None = None
    media: Sequence[str] = ()
    test_id: str | None = None
    account: str | None = field(default_factory=CURRENT_ACCOUNT.get)    # the credential id the request carries


@dataclass
class Rule:
    action: str
    vendor: str | None = None
    operation: str | None = None
    model: str | None = None
    media: str | None = None
    test_id: str | None = None
    nth: int | None = None
    times: int | None = None
    probability: float = 1.0
    code: str | None = None
    message: str | None = None
    status: int | None = None
    seconds: float = 0.0
    at: str = "running"
    frames: int = 0
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    seen: int = 0
    hits: int = 0
    account: str | None = None       # the account (its key) whose requests it applies to; None: everyone's

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Rule:
        """Validate a rule given over HTTP; raises ``ValueError`` with a message naming the field."""
        if not isinstance(value, dict):
            raise ValueError("a fault rule is a JSON object")
        stray = set(value) - {"match", "action"}
        if stray:      # e.g. "times" beside "match": it belongs inside it, and would otherwise be silently ignored
            raise ValueError(f"a fault rule has only 'match' and 'action' (not {', '.join(sorted(stray))}); "
                             "times, nth and probability go in 'match'")
        match = value.get("match", {})
        action = value.get("action")
        if isinstance(action, str):
            action = {"type": action}
        if not isinstance(match, dict) or not isinstance(action, dict):
            raise ValueError("a fault rule has a 'match' object and an 'action' object")
        kind = action.get("type")
        if kind not in ACTIONS:
            raise ValueError(f"action.type must be one of {', '.join(ACTIONS)}")
        if kind in ("error", "fail_job", "stream_fail") and not isinstance(action.get("code"), str):
            raise ValueError(f"a {kind} action needs a vendor 'code'")
        unknown = set(match) - {"vendor", "operation", "model", "media", "test_id", "nth", "times", "probability"}
        if unknown:
            raise ValueError(f"unknown match fields: {', '.join(sorted(unknown))}")
        unknown = set(action) - {"type", "code", "message", "status", "seconds", "at", "frames"}
        if unknown:
            raise ValueError(f"unknown action fields: {', '.join(sorted(unknown))}")
        for where, fields, names in (("match", match, ("vendor", "operation", "model", "media", "test_id")),
                                     ("action", action, ("code", "message", "at"))):
            for name in names:
                if fields.get(name) is not None and not isinstance(fields[name], str):
                    raise ValueError(f"{where}.{name} is a string")
        for where, fields, names in (("match", match, ("nth", "times", "probability")),
                                     ("action", action, ("status", "seconds", "frames"))):
            for name in names:
                number = fields.get(name)
                if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float, str))):
                    raise ValueError(f"{where}.{name} is a number")
        try:
            rule = cls(
                action=kind, vendor=match.get("vendor"), operation=match.get("operation"),
                model=match.get("model"), media=match.get("media"), test_id=match.get("test_id"),
                nth=_opt_int(match.get("nth")), times=_opt_int(match.get("times")),
                probability=float(match.get("probability", 1.0)),
                code=action.get("code"), message=action.get("message"), status=_opt_int(action.get("status")),
                seconds=float(action.get("seconds", 0.0)), at=str(action.get("at", "running")),
                frames=int(action.get("frames", 0)),
            )
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"bad fault rule: {exc}") from None
        if not 0.0 <= rule.probability <= 1.0:
            raise ValueError("probability must lie between 0 and 1")
        if not 0.0 <= rule.seconds <= MAX_FAULT_SECONDS:
            raise ValueError(f"action.seconds lies between 0 and {MAX_FAULT_SECONDS:g}")
        if rule.status is not None and not 100 <= rule.status <= 599:
            raise ValueError("action.status is an HTTP status, 100 to 599")
        if any(n is not None and n < 0 for n in (rule.nth, rule.times)) or rule.frames < 0:
            raise ValueError("nth, times and frames are not negative")
        if rule.at not in ("queued", "running"):
            raise ValueError("action.at must be 'queued' or 'running'")
        if rule.media and rule.media.startswith("re:"):
            try:
                re.compile(rule.media[3:])
            except re.error as exc:
                raise ValueError(f"match.media is not a regular expression: {exc}") from None
        return rule

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, req: Request) -> bool:
        for key in ("vendor", "operation", "model", "test_id"):
            want = getattr(self, key)
            if want is not None and want != getattr(req, key):
                return False
        if not accounts.holds(self.account, req.account):
            return False
        if self.media is not None:
            if self.media.startswith("re:"):
                pattern = re.compile(self.media[3:])
                return any(pattern.search(m) for m in req.media)
            return any(self.media in m for m in req.media)
        return True


async def delay_result(faults: Mapping[str, Rule]) -> None:
    """The ``stream_delay`` fault a stream's faults hold, applied: the next result goes ``seconds`` late."""
    delay = faults.get("stream_delay")
    if delay is not None:
        await asyncio.sleep(delay.seconds)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self.seed = seed
        self._rng = random.Random(seed)
        # several workers: a rule's seen and hit counts are shared ("fault:<id>:seen", amount → the new count)
        self.counter: Callable[[str, int], int] | None = None

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule_id: str, account: str | None = None) -> bool:
        """Remove a rule (``account``: only one of that account's)."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id or (account is not None and r.account != account)]
            return len(self._rules) != before

    def clear(self, seed: int | None = None, account: str | None = None) -> None:
        """Remove every rule and restart the seeded draws; ``account``: only that account's rules go."""
        with self._lock:
            if account is not None:
                self._rules = [r for r in self._rules if r.account != account]
                return
            self._rules.clear()
            if seed is not None:
                self.seed = seed
            self._rng = random.Random(self.seed)

    def replace(self, rules: Sequence[Rule]) -> None:
        """The rules another run or worker kept, in place of these (the seeded draws go on)."""
        with self._lock:
            self._rules = list(rules)

    @property
    def active(self) -> bool:
        """Whether any rule is set (requests skip matching when none is)."""
        return bool(self._rules)

    def rules(self, account: str | None = None) -> list[Rule]:
        """Every rule (``account``: that account's), with its counts."""
        found = [r for r in self._rules if account is None or r.account == account]
        if self.counter is not None:
            for rule in found:
                rule.seen = self.counter(f"fault:{rule.id}:seen", 0)
                rule.hits = self.counter(f"fault:{rule.id}:hits", 0)
        return found

    def _count(self, rule: Rule, name: str, amount: int) -> int:
        if self.counter is not None:
            return self.counter(f"fault:{rule.id}:{name}", amount)
        value: int = getattr(rule, name) + amount
        return value

    def check(self, req: Request, kinds: Sequence[str] = ACTIONS) -> dict[str, Rule]:
        """The rules of the given action kinds that fire for this request, at most one per kind (first added
        wins). Only rules of those kinds count this request toward ``nth`` and ``times``."""
        fired: dict[str, Rule] = {}
        if not self._rules:
            return fired
        with self._lock:
            for rule in self._rules:
                if rule.action not in kinds or rule.action in fired or not rule.matches(req):
                    continue
                rule.seen = self._count(rule, "seen", 1)
                if rule.nth is not None and rule.seen != rule.nth:
                    continue
                if rule.times is not None and self._count(rule, "hits", 0) >= rule.times:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.hits = self._count(rule, "hits", 1)
                fired[rule.action] = rule
        return fired
