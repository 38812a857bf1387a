"""The property: when the service's trouble is passing (each fault hits a few calls at most), the recognizer returns
the spoken text; a file that cannot be read is a ``RecognitionFailed``. Run against the live emulator through the
vendor's own SDK (the ``asr_emulator`` fixture). The naive recognizer gives up on the first throttled poll;
hypothesis finds that and shrinks it to one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, assume, find, given, settings

from emulator.testing.handle import EmulatorHandle
from emulator.testing.strategies import Scenario, tencent_asr_scenarios
from examples.tencent_poller.client import RecognitionFailed, recognize, recognize_naive

Recognizer = Callable[[Any, str], str]


def passing_trouble(scenario: Scenario) -> bool:
    """Each fault hits a few calls at most, and errors are throttling (a recognizer cannot outlast the rest)."""
    return all(f.times is not None and (f.kind != "error" or f.code == "RequestLimitExceeded")
               for f in scenario.faults)


def keeps_the_contract(recognizer: Recognizer, handle: EmulatorHandle, scenario: Scenario) -> bool:
    scenario.apply(handle)
    expected = "".join(m.text for m in scenario.media)
    try:
        return recognizer(handle.asr_client(), scenario.media_urls[0]) == expected
    except RecognitionFailed:
        return not scenario.ok


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=tencent_asr_scenarios())
def test_the_fixed_recognizer_rides_out_passing_trouble(asr_emulator: EmulatorHandle, scenario: Scenario) -> None:
    assume(passing_trouble(scenario))
    assert keeps_the_contract(recognize, asr_emulator, scenario), scenario


def test_the_naive_recognizer_is_caught_and_the_case_shrunk(asr_emulator: EmulatorHandle) -> None:
    minimal = find(tencent_asr_scenarios(),
                   lambda s: passing_trouble(s) and not keeps_the_contract(recognize_naive, asr_emulator, s),
                   settings=settings(max_examples=300, database=None, deadline=None, derandomize=True,
                                     suppress_health_check=list(HealthCheck)))
    assert repr(minimal) == "Scenario(tencent_asr, instant, media=['你好。'], faults=[throttle on CreateRecTask x1])"
