import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.engine.clock import Clock


def test_real_clock_follows_wall_time() -> None:
    clock = Clock()
    assert abs(clock.now() - time.time()) < 1


def test_manual_clock_stands_still_until_advanced() -> None:
    clock = Clock("manual", start=1000.0)
    assert clock.now() == clock.now() == 1000.0
    assert clock.advance(2.5) == 1002.5
    assert clock.set(2000.0) == 2000.0


def test_advance_in_real_mode_jumps_ahead() -> None:
    clock = Clock()
    before = clock.now()
    clock.advance(3600)
    assert clock.now() - before >= 3600


def test_the_clock_never_moves_backwards() -> None:
    clock = Clock("manual", start=100.0)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(50.0)
    clock.set_mode("real")
    assert clock.now() >= 100.0


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=30))
def test_manual_readings_are_monotonic(steps: list[float]) -> None:
    clock = Clock("manual", start=0.0)
    readings = [clock.now()]
    for step in steps:
        clock.advance(step)
        readings.append(clock.now())
    assert readings == sorted(readings)
    assert readings[-1] == pytest.approx(sum(steps))
