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


@st.composite
def tencent_realtime_sessions(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The frames of one realtime (asr/v2) session as the service may send them, for fuzzing a user's frame
    handler: the acknowledgement; per segment slice 0, any 1s, then 2 (or a lone 2), times growing; word lists
    (or none); then ``final: 1`` — or, at any point after the ack, a failure frame with a documented code."""
    voice_id = draw(st.uuids()).hex
    frames: list[dict[str, Any]] = [{"code": 0, "message": "success", "voice_id": voice_id}]
    seq, at = 0, 0
    fail_at = draw(st.none() | st.integers(0, 6))
    words_on = draw(st.booleans())
    for index in range(draw(st.integers(0, 5))):
        text = draw(texts())
        begin = at + draw(st.integers(0, 2000))
        kinds = draw(st.sampled_from([[2], [0, 2], [0, 1, 2], [0, 1, 1, 2]]))
        for k, kind in enumerate(kinds):
            if fail_at is not None and seq >= fail_at:
                break
            seq += 1
            shown = text[: max(1, len(text) * (k + 1) // len(kinds))] if kind != 2 else text
            end = begin + 200 * (k + 1) + len(shown) * 100
            word_list = [{"word": c, "start_time": begin + i * 100, "end_time": begin + (i + 1) * 100,
                          "stable_flag": 1 if kind == 2 else 0} for i, c in enumerate(shown)] if words_on else []
            frames.append({"code": 0, "message": "success", "voice_id": voice_id,
                           "message_id": f"{voice_id}_{seq}_0",
                           "result": {"slice_type": kind, "index": index, "start_time": begin, "end_time": end,
                                      "voice_text_str": shown, "word_size": len(word_list),
                                      "word_list": word_list}})
            at = end
    seq += 1
    if fail_at is not None:
        code = draw(st.sampled_from(sorted(c for c in cat.RT_ERRORS if c != 4009)))
        frames.append({"code": code, "message": cat.RT_ERRORS[code], "voice_id": voice_id,
                       "message_id": f"{voice_id}_{seq}"})
    else:
        frames.append({"code": 0, "message": "success", "voice_id": voice_id, "message_id": f"{voice_id}_{seq}",
                       "final": 1})
    return frames


def tencent_asr_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_asr", ("CreateRecTask", "DescribeTaskStatus"),
                     ("RequestLimitExceeded", "InternalError", "FailedOperation.ErrorRecognize"), (),
                     max_polls=max_polls)


def ci_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_ci", ("create_job", "get_job"), ("InternalError", "SlowDown"), (), max_polls=max_polls)


__all__ = ['ci_scenarios', 'tencent_asr_scenarios', 'tencent_flash_results', 'tencent_realtime_sessions',
           'tencent_sentence_results', 'tencent_task_statuses']
