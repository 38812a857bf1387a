"""Hypothesis strategies for PAI-EAS: ASR model outputs and scenarios."""

from __future__ import annotations

from hypothesis import strategies as st

from emulator.testing.scenario import CJK, Scenario, scenarios


@st.composite
def eas_asr_outputs(draw: st.DrawFn) -> dict[str, str]:
    """A PAI-EAS ASR model's output: clip start (µs, as text) → short sentences joined by ``;``, with ``*``."""
    out = {}
    for i in range(draw(st.integers(0, 6))):
        phrases = draw(st.lists(st.text(st.one_of(CJK, st.just("*")), max_size=30), max_size=8))
        out[str((i * 40_063_991 + 1) // 2)] = ";".join(phrases)
    return out



def eas_scenarios() -> st.SearchStrategy[Scenario]:
    return scenarios("eas", ("predict",), ("408", "429", "450", "500", "503", "504"), (), max_polls=1)


__all__ = ['eas_asr_outputs', 'eas_scenarios']
