"""Hypothesis strategies for Tencent Cloud: DescribeTaskStatus data, and scenarios for ASR API 3.0 and CI jobs."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from emulator.testing.scenario import Scenario, scenarios, spans, texts
from emulator.vendors.tencent import catalogue as cat


@st.composite
def tencent_task_statuses(draw: st.DrawFn) -> dict[str, Any]:
    """A DescribeTaskStatus ``Data``: waiting, doing, success (with or without details) or failed."""
    status = draw(st.integers(0, 3))
    data: dict[str, Any] = {"TaskId": draw(st.integers(1, 2**63 - 1)), "Status": status,
                            "StatusStr": ["waiting", "doing", "success", "failed"][status], "AudioDuration": 0,
                            "Result": "", "ErrorMsg": "", "ResultDetail": []}
    if status == 3:
        data["ErrorMsg"] = draw(st.sampled_from(sorted({m for m, _ in cat.TASK_FAILURES.values()})))
    if status == 2:
        details = []
        for _ in range(draw(st.integers(0, 20))):
            begin, end = draw(spans())
            text = draw(texts())
            details.append({"FinalSentence": text, "SliceSentence": " ".join(text), "StartMs": begin, "EndMs": end,
                            "WordsNum": len(text), "Words": [], "SpeechSpeed": 0.0, "SpeakerId": 0})
        data["Result"] = "".join(f"[{d['StartMs']},{d['EndMs']}]  {d['FinalSentence']}\n" for d in details)
        data["AudioDuration"] = draw(st.floats(0, 18000))
        data["ResultDetail"] = draw(st.sampled_from([details, None]))
    return data



def tencent_asr_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_asr", ("CreateRecTask", "DescribeTaskStatus"),
                     ("RequestLimitExceeded", "InternalError", "FailedOperation.ErrorRecognize"), (),
                     max_polls=max_polls)


def ci_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_ci", ("create_job", "get_job"), ("InternalError", "SlowDown"), (), max_polls=max_polls)


__all__ = ['ci_scenarios', 'tencent_asr_scenarios', 'tencent_task_statuses']
