"""Rate limits on the emulator clock: at most N requests per key in any one-second window."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Hashable

from emulator.engine.clock import Clock


class RateLimiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: dict[Hashable, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: Hashable, per_second: int) -> bool:
        now = self._clock.now()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - 1.0:
                hits.popleft()
            if len(hits) >= per_second:
                return False
            hits.append(now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
