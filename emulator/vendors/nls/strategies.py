"""Hypothesis strategies for NLS filetrans: GetTaskResult bodies and scenarios."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from emulator.testing.scenario import MAX_TS, Scenario, scenarios, spans, texts
from emulator.vendors.nls import catalogue as cat


@st.composite
def nls_results(draw: st.DrawFn) -> dict[str, Any]:
    """A GetTaskResult body with any documented status code; sentences on success."""
    code = draw(st.sampled_from(sorted(cat.STATUS)))
    body: dict[str, Any] = {"TaskId": draw(st.uuids()).hex, "RequestId": str(draw(st.uuids())).upper(),
                            "StatusCode": code, "StatusText": cat.STATUS[code]}
    if code == 21050000:
        sentences = []
        for _ in range(draw(st.integers(0, 30))):
            begin, end = draw(spans())
            sentences.append({"BeginTime": begin, "EndTime": end, "Text": draw(texts()),
                              "ChannelId": draw(st.integers(0, 1)), "SpeechRate": draw(st.integers(0, 1000)),
                              "EmotionValue": draw(st.floats(1, 10)), "SilenceDuration": draw(st.integers(0, 100))})
        body.update(BizDuration=draw(st.integers(0, MAX_TS)), Result={"Sentences": sentences})
    return body



def nls_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("nls", ("SubmitTask", "GetTaskResult"), ("Throttling.User", "InternalError", "51050000"),
                     ("41050024", "41050006"), max_polls=max_polls)


__all__ = ['nls_results', 'nls_scenarios']
