"""The property a batch client must keep, whatever the service does: one outcome per file, a text for every file
that was speech, an error for every file that was not — or a clean ``TranscriptionFailed``, never a crash.

Run in-process (``asr_emulator_respx``): httpx requests to dashscope.aliyuncs.com reach the emulator without
sockets. The naive client breaks the property; hypothesis finds and shrinks the case to one readable scenario.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from hypothesis import HealthCheck, find, given, settings

from emulator.testing.inprocess import InProcessEmulator
from emulator.testing.strategies import Scenario, dashscope_scenarios
from examples.dashscope_batch.client import FileResult, TranscriptionFailed, transcribe, transcribe_naive

KEY = "sk-asr-emulator-local"
Client = Callable[[httpx.Client, str, list[str]], list[FileResult]]


def keeps_the_contract(client: Client, emulator: InProcessEmulator, scenario: Scenario) -> bool:
    scenario.apply(emulator)
    try:
        with httpx.Client() as http:
            results = client(http, KEY, scenario.media_urls)
    except TranscriptionFailed:
        return True            # a clean, reported failure is allowed (the faults may never let up)
    except Exception:
        return False
    if [r.url for r in results] != scenario.media_urls:
        return False
    return all((r.text is not None) == (m.problem is None) for r, m in zip(results, scenario.media, strict=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=dashscope_scenarios())
def test_the_fixed_client_keeps_the_contract(asr_emulator_respx: InProcessEmulator, scenario: Scenario) -> None:
    assert keeps_the_contract(transcribe, asr_emulator_respx, scenario), scenario


def test_the_naive_client_is_caught_and_the_case_shrunk(asr_emulator_respx: InProcessEmulator) -> None:
    minimal = find(dashscope_scenarios(),
                   lambda s: not keeps_the_contract(transcribe_naive, asr_emulator_respx, s),
                   settings=settings(max_examples=300, database=None, deadline=None, derandomize=True,
                                     suppress_health_check=list(HealthCheck)))
    # the smallest batch that breaks it: a spoken file and a dead one, nothing else going on, e.g.
    # Scenario(dashscope, instant, media=[missing, '你好。'])
    assert (minimal.lifecycle, minimal.faults) == ("instant", ())
    assert sorted(map(repr, minimal.media)) == ["'你好。'", "missing"]
    with pytest.raises(KeyError):
        minimal.apply(asr_emulator_respx)
        with httpx.Client() as http:
            transcribe_naive(http, KEY, minimal.media_urls)
