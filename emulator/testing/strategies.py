"""Hypothesis strategies for testing your own client code against these APIs.

Two kinds, per vendor:

* **documents** — schema-valid responses with the edges a client meets in production: empty results, very long
  texts and word lists, non-BMP characters, zero-length and boundary timestamps, missing optional fields, partial
  subtask failures, every documented error code (``dashscope_task_outputs()``, ``dashscope_result_files()``,
  ``dashscope_errors()``, ``dashscope_realtime_events()``, ``nls_results()``, ``tencent_task_statuses()``,
  ``eas_asr_outputs()``);
* **scenarios** — what the live emulator should do for one test: a lifecycle path, the media to submit (speech,
  a missing file, a vendor failure) and injected errors, latency and throttling
  (``dashscope_scenarios()``, ``dashscope_realtime_scenarios()``, ``nls_scenarios()``, ``tencent_asr_scenarios()``,
  ``ci_scenarios()``, ``eas_scenarios()``). ``scenario.apply(asr_emulator)`` configures the emulator (a fixture
  handle or an in-process emulator); ``scenario.media_urls`` are what to submit. Scenarios shrink towards
  ``instant``, one spoken file and no faults, and print as one readable line.

    @given(scenario=dashscope_scenarios())
    def test_my_poller(asr_emulator, scenario):
        scenario.apply(asr_emulator)
        ...

Each vendor's strategies live beside its dialect (the module its ``strategies`` declaration names); this module
gathers them from the registry, so a new vendor's strategies appear here without an edit.
"""

from __future__ import annotations

import importlib
from typing import Any

from emulator.testing.scenario import MAGIC as MAGIC
from emulator.testing.scenario import MAX_TS as MAX_TS
from emulator.testing.scenario import Fault as Fault
from emulator.testing.scenario import Media as Media
from emulator.testing.scenario import Scenario as Scenario
from emulator.testing.scenario import scenarios as scenarios
from emulator.testing.scenario import spans as spans
from emulator.testing.scenario import texts as texts
from emulator.vendors.registry import DIALECTS

_GENERIC = ["Fault", "MAGIC", "MAX_TS", "Media", "Scenario", "scenarios", "spans", "texts"]


def _vendor_strategies() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in dict.fromkeys(d.strategies for d in DIALECTS if d.strategies):
        module = importlib.import_module(name)
        found.update({n: getattr(module, n) for n in module.__all__})
    return found


_VENDOR = _vendor_strategies()
globals().update(_VENDOR)


def __getattr__(name: str) -> Any:
    try:
        return _VENDOR[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


__all__ = sorted([*_GENERIC, *_VENDOR])   # the vendors' strategies, gathered from the registry
