"""Hypothesis strategies for DashScope: task outputs, result files, errors, realtime event sequences, and
scenarios for file and realtime recognition."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from emulator.testing.scenario import (
    CJK,
    MAGIC,
    MAX_TS,
    NON_BMP,
    Fault,
    Media,
    Scenario,
    maybe,
    scenarios,
    spans,
    texts,
)
from emulator.vendors.dashscope import catalogue as cat


@st.composite
def _dashscope_word(draw: st.DrawFn) -> dict[str, Any]:
    begin, end = draw(spans())
    return {"begin_time": begin, "end_time": end, "text": draw(texts(20)), "punctuation": draw(st.sampled_from(
        ["", "，", "。", "? ", "! "]))}


@st.composite
def _dashscope_sentence(draw: st.DrawFn) -> dict[str, Any]:
    begin, end = draw(spans())
    sentence = {"begin_time": begin, "end_time": end, "text": draw(texts()), "sentence_id": draw(st.integers(1, 10**6)),
                "speaker_id": draw(st.integers(0, 99)),
                "words": draw(st.lists(_dashscope_word(), max_size=draw(st.sampled_from([0, 5, 300]))))}
    return maybe(sentence, ("sentence_id", "speaker_id", "words"),
                  draw(st.sets(st.sampled_from(["sentence_id", "speaker_id", "words"]))))


@st.composite
def _sensevoice_sentence(draw: st.DrawFn) -> dict[str, Any]:
    """A SenseVoice sentence: its text wrapped in speech tags, maybe after another audio event's pair and before an
    emotion tag; no words."""
    begin, end = draw(spans())
    text = f"<|{cat.SPEECH_EVENT}|> {draw(texts())} <|/{cat.SPEECH_EVENT}|>"
    event = draw(st.sampled_from([None, *cat.AUDIO_EVENTS]))
    if event:
        text = f"<|{event}|><|/{event}|>" + text
    emotion = draw(st.sampled_from([None, *cat.EMOTIONS]))
    if emotion and emotion != "NEUTRAL":
        text += f" <|{emotion}|>"
    return {"begin_time": begin, "end_time": end, "text": text}


@st.composite
def dashscope_result_files(draw: st.DrawFn) -> dict[str, Any]:
    """A transcription result file (the JSON at ``transcription_url``): Paraformer's, or SenseVoice's with event and
    emotion tags."""
    channels = []
    sentence = draw(st.sampled_from([_dashscope_sentence, _sensevoice_sentence]))
    for channel_id in range(draw(st.integers(0, 2))):
        sentences = draw(st.lists(sentence(), max_size=draw(st.sampled_from([0, 3, 50]))))
        channels.append({"channel_id": channel_id, "content_duration_in_milliseconds": draw(st.integers(0, MAX_TS)),
                         "text": "".join(s["text"] for s in sentences), "sentences": sentences})
    return {"file_url": draw(st.sampled_from([f"{MAGIC}/a.wav", "oss://bucket/a.wav", ""])),
            "properties": {"audio_format": draw(st.sampled_from(["pcm_s16le", "mp3", "aac", ""])),
                           "channels": list(range(len(channels))),
                           "original_sampling_rate": draw(st.sampled_from([8000, 16000, 48000])),
                           "original_duration_in_milliseconds": draw(st.integers(0, MAX_TS))},
            "transcripts": channels}


@st.composite
def dashscope_task_outputs(draw: st.DrawFn) -> dict[str, Any]:
    """A task query's ``output``: any status; finished tasks with all, some or no subtasks failed (every
    documented subtask code)."""
    status = draw(st.sampled_from(["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"]))
    out: dict[str, Any] = {"task_id": draw(st.uuids()).hex, "task_status": status}
    if status in ("SUCCEEDED", "FAILED"):
        codes = sorted({c for c, _ in cat.SUBTASK_ERRORS.values()} | set(cat.SUBTASK_MESSAGES))
        results = []
        for i in range(draw(st.integers(1, 5))):
            failed = status == "FAILED" or draw(st.booleans())
            url = f"{MAGIC}/{i}.wav"
            if failed:
                code = draw(st.sampled_from(codes))
                results.append({"file_url": url, "code": code, "message": code, "subtask_status": "FAILED"})
            else:
                results.append({"file_url": url, "transcription_url": f"https://dashscope-result/{i}.json",
                                "subtask_status": "SUCCEEDED"})
        if status == "FAILED":
            out["code"], out["message"] = results[0]["code"], results[0]["message"]
        out["results"] = results
        ok = sum(r["subtask_status"] == "SUCCEEDED" for r in results)
        out["task_metrics"] = {"TOTAL": len(results), "SUCCEEDED": ok, "FAILED": len(results) - ok}
    return out


def dashscope_errors() -> st.SearchStrategy[tuple[int, dict[str, Any]]]:
    """(HTTP status, body) for every documented DashScope error code."""
    return st.sampled_from(sorted(cat.ERRORS.items())).flatmap(lambda item: st.builds(
        lambda rid: (item[1][0], {"request_id": str(rid), "code": item[0], "message": item[1][1]}), st.uuids()))


@st.composite
def _realtime_word(draw: st.DrawFn, at: int) -> dict[str, Any]:
    begin = at + draw(st.integers(0, 2_000))
    text = draw(st.one_of(st.text(CJK, min_size=1, max_size=3), st.text(NON_BMP, min_size=1, max_size=2),
                          st.text(max_size=8)))
    return {"begin_time": begin, "end_time": begin + draw(st.integers(0, 2_000)), "text": text,
            "punctuation": draw(st.sampled_from(["", "，", "。", "? ", "! "]))}


@st.composite
def dashscope_realtime_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The server events of one realtime recognition task, in an order the service may send them: task-started;
    per sentence some partials (``end_time`` null, growing text) then its final (with ``usage``), keep-alives
    (``heartbeat`` true) between sentences; then task-finished, or task-failed at any point after task-started
    (every documented code). fun-asr ``sentence_id`` and 8k-v2 emotion fields come and go."""
    task_id = draw(st.uuids()).hex

    def event(name: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"header": {"task_id": task_id, "event": name, **extra, "attributes": {}}, "payload": payload}

    events = [event("task-started", {})]
    with_ids, with_emotion = draw(st.booleans()), draw(st.booleans())
    at = 0
    for n in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            at += draw(st.integers(10_000, 30_000))
            events.append(event("result-generated", {"output": {"sentence": {
                "begin_time": at, "end_time": None, "text": "", "heartbeat": True, "sentence_end": False,
                "words": []}}, "usage": None}))
        at += draw(st.integers(0, 5_000))
        words = draw(st.lists(_realtime_word(at), min_size=1, max_size=8))
        begin, end = at, max(w["end_time"] for w in words) + 1
        for shown in range(1, len(words) + 1, max(1, draw(st.integers(1, 3)))):
            partial = {"begin_time": begin, "end_time": None, "heartbeat": False, "sentence_end": False,
                       "text": "".join(w["text"] for w in words[:shown]), "words": words[:shown]}
            if with_ids:
                partial["sentence_id"] = n + 1
            events.append(event("result-generated", {"output": {"sentence": partial}, "usage": None}))
        final = {"begin_time": begin, "end_time": end, "heartbeat": False, "sentence_end": True,
                 "text": "".join(w["text"] + w["punctuation"] for w in words), "words": words}
        if with_ids:
            final["sentence_id"] = n + 1
        if with_emotion:
            final["emo_tag"] = draw(st.sampled_from(cat.EMO_TAGS))
            final["emo_confidence"] = draw(st.floats(0, 1))
        events.append(event("result-generated", {"output": {"sentence": final},
                                                 "usage": {"duration": max(1, -(-end // 1000))}}))
        at = end
    cut = draw(st.integers(1, len(events)))
    if draw(st.booleans()):
        return [*events, event("task-finished", {"output": {}, "usage": None})]
    codes = sorted({c for c, _ in cat.WS_ERRORS.values()} | {cat.WS_SERVER_ERROR})
    code = draw(st.sampled_from(codes))
    message = dict(cat.WS_ERRORS.values()).get(code, code)
    return [*events[:cut], event("task-failed", {}, error_code=code, error_message=message)]



def dashscope_scenarios(max_files: int = 3, max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    errors = ("Throttling.RateQuota", "InternalError", "ServiceUnavailable", "RequestTimeOut")
    return scenarios("dashscope", ("submit", "query"), errors,
                     ("InvalidFile.DownloadFailed", "DECODE_ERROR", "SUCCESS_WITH_NO_VALID_FRAGMENT"),
                     max_files=max_files, max_polls=max_polls)


def dashscope_realtime_scenarios() -> st.SearchStrategy[Scenario]:
    """Streaming faults for realtime recognition (``operation: "stream"``): the task failing or the connection
    dropping after some frames, results held back or sent twice. Apply it, then stream with the SDK or your own
    WebSocket client."""
    codes = sorted({cat.WS_SERVER_ERROR} | {c for c, _ in cat.WS_ERRORS.values()
                                                      if c != cat.WS_BAD_REQUEST})
    fault = st.one_of(
        st.builds(Fault, st.just("stream"), st.just("stream_fail"), code=st.sampled_from(codes),
                  frames=st.integers(0, 20), times=st.just(1)),
        st.builds(Fault, st.just("stream"), st.just("stream_close"), frames=st.integers(0, 20), times=st.just(1)),
        st.builds(Fault, st.just("stream"), st.just("stream_delay"), seconds=st.sampled_from([0.01, 0.05]),
                  times=st.just(1)),
        st.builds(Fault, st.just("stream"), st.just("stream_duplicate"), times=st.just(1)),
    )
    return st.builds(Scenario, st.just("dashscope"), st.just("instant"), st.just((Media(),)),
                     st.lists(fault, max_size=1).map(tuple))


@st.composite
def qwen_asr_answers(draw: st.DrawFn) -> dict[str, Any]:
    """A Qwen3-ASR answer on the native API (``output.choices[0].message`` with ``content[0].text`` and the
    ``audio_info`` annotation, ``usage.seconds``) — empty text, any language and emotion the service names."""
    text = draw(st.one_of(st.just(""), texts()))
    return {"output": {"choices": [{"finish_reason": "stop", "message": {
        "annotations": [{"language": draw(st.sampled_from(sorted(cat.QWEN_LANGUAGES))), "type": "audio_info",
                         "emotion": draw(st.sampled_from(sorted(cat.QWEN_EMOTIONS)))}],
        "content": [{"text": text}] if text or draw(st.booleans()) else [], "role": "assistant"}}]},
        "usage": {"input_tokens_details": {"text_tokens": 0}, "output_tokens_details": {"text_tokens": len(text)},
                  "seconds": draw(st.integers(1, cat.QWEN_MAX_SECONDS))},
        "request_id": str(draw(st.uuids()))}


__all__ = ["dashscope_errors", "dashscope_realtime_events", "dashscope_realtime_scenarios", "dashscope_result_files",
           "dashscope_scenarios", "dashscope_task_outputs", "qwen_asr_answers"]
