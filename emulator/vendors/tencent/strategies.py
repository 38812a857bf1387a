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



@st.composite
def tencent_sentence_results(draw: st.DrawFn) -> dict[str, Any]:
    """A SentenceRecognition ``Response``: the text, AudioDuration in ms, and a word list — or null with
    WordSize 0 (both forms parse in the SDK)."""
    words: list[dict[str, Any]] | None = None
    if draw(st.booleans()):
        words = []
        for _ in range(draw(st.integers(0, 40))):
            begin, end = draw(spans())
            words.append({"Word": draw(texts(8)), "StartTime": begin, "EndTime": end})
    return {"RequestId": str(draw(st.uuids())), "Result": "".join(w["Word"] for w in words or []) or draw(texts()),
            "AudioDuration": draw(st.integers(0, 60_000)), "WordSize": len(words or []), "WordList": words}


@st.composite
def tencent_flash_results(draw: st.DrawFn) -> dict[str, Any]:
    """A flash recognition answer: ``code`` 0 with ``flash_result`` per channel (sentences, maybe words), or an
    error code from 4001 to 5003 with no result."""
    request_id = draw(st.uuids()).hex[:24]
    if draw(st.integers(0, 3)) == 0:
        code = draw(st.sampled_from(sorted(cat.FLASH_ERRORS)))
        return {"request_id": request_id, "code": code, "message": cat.FLASH_ERRORS[code]}
    channels = []
    for channel_id in range(draw(st.integers(0, 2))):
        sentences = []
        for _ in range(draw(st.integers(0, 5))):
            begin, end = draw(spans())
            sentence: dict[str, Any] = {"text": draw(texts()), "start_time": begin, "end_time": end,
                                        "speaker_id": draw(st.integers(0, 3))}
            if draw(st.booleans()):
                sentence["word_list"] = [{"word": draw(texts(6)), "start_time": begin, "end_time": end,
                                          "stable_flag": 1} for _ in range(draw(st.integers(0, 5)))]
            sentences.append(sentence)
        channels.append({"text": "".join(s["text"] for s in sentences), "channel_id": channel_id,
                         "sentence_list": sentences})
    return {"request_id": request_id, "code": 0, "message": "", "audio_duration": draw(st.integers(0, 7_200_000)),
            "flash_result": channels}


def tencent_asr_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_asr", ("CreateRecTask", "DescribeTaskStatus"),
                     ("RequestLimitExceeded", "InternalError", "FailedOperation.ErrorRecognize"), (),
                     max_polls=max_polls)


def ci_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_ci", ("create_job", "get_job"), ("InternalError", "SlowDown"), (), max_polls=max_polls)


__all__ = ['ci_scenarios', 'tencent_asr_scenarios', 'tencent_flash_results', 'tencent_sentence_results',
           'tencent_task_statuses']
