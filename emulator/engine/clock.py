"""The one clock every time read goes through: real time, or a manual clock that moves only when told."""

from __future__ import annotations

import threading
import time
from typing import Literal

ClockMode = Literal["real", "manual"]


class Clock:
    """Seconds since the epoch, as a float.

    In ``real`` mode the clock follows wall time plus an offset (``advance`` jumps ahead); in ``manual`` mode it
    stands still until ``advance`` or ``set`` moves it. Readings never go backwards, except when ``set_mode``
    is given an explicit start.
    """

    def __init__(self, mode: ClockMode = "real", start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._mode: ClockMode = "real"
        self._offset = 0.0
        self._frozen = 0.0
        self._last = 0.0
        self.set_mode(mode, start)

    @property
    def mode(self) -> ClockMode:
        return self._mode

    def now(self) -> float:
        with self._lock:
            return self._read()

    def _read(self) -> float:
        value = self._frozen if self._mode == "manual" else time.time() + self._offset
        if value < self._last:  # wall time stepped back (NTP); hold still instead
            value = self._last
        self._last = value
        return value

    def set_mode(self, mode: ClockMode, start: float | None = None) -> None:
        """Switch mode, carrying on from the current reading, or pin the clock to ``start`` (any time: a test
        may pin a fixed date; jobs never move back a phase whatever the clock says)."""
        with self._lock:
            at = (self._read() if self._last else time.time()) if start is None else start
            if mode == "manual":
                self._frozen = at
            else:
                self._offset = at - time.time()
            self._mode = mode
            self._last = 0.0 if start is not None else at

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock cannot move backwards")
        with self._lock:
            if self._mode == "manual":
                self._frozen = self._read() + seconds
            else:
                self._offset += seconds
            return self._read()

    def set(self, at: float) -> float:
        """Move the clock to ``at`` (not before the current reading)."""
        with self._lock:
            current = self._read()
            if at < current:
                raise ValueError("the clock cannot move backwards")
            if self._mode == "manual":
                self._frozen = at
            else:
                self._offset += at - current
            return self._read()

    def state(self) -> tuple[str, float]:
        """What a restart needs: the mode, and the pinned time (manual) or the offset from wall time (real)."""
        with self._lock:
            return self._mode, self._frozen if self._mode == "manual" else self._offset

    def restore(self, state: tuple[str, float]) -> None:
        mode, value = state
        with self._lock:
            if mode == "manual":
                self._mode, self._frozen = "manual", value
            else:
                self._mode, self._offset = "real", value
            self._last = 0.0

    def snapshot(self) -> dict[str, object]:
        return {"mode": self._mode, "now": self.now()}
