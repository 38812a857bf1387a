"""Engine records → filetrans bytes: ``GetTaskResult`` bodies, sentences and words, and the callback bodies of
versions 4.0 (PascalCase, as polling) and 2.0 (snake_case, a flat ``result`` list)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from emulator.engine import Failure, Item, Job, Phase
from emulator.engine.recognizer import Sentence, Word
from emulator.engine.text import inverse_normalize
from emulator.inputs import whole_number
from emulator.vendors.nls import catalogue as cat
from emulator.vendors.nls.task import TaskRecord, TaskSpec


def spec_of(job: Job) -> TaskSpec:
    return job.record_as(TaskRecord).spec


def failure_code(failure: Failure) -> int:
    """A neutral media problem or a code named by a test, fault or magic URL → the service's status code."""
    code = failure.code
    number = whole_number(code, digits=8)
    if number is not None and number in cat.STATUS:
        return number
    if code in cat.BY_TEXT:
        return cat.BY_TEXT[code]
    if code == "download_status":
        status = failure.http_status or 0
        if status in cat.DOWNLOAD_STATUS_CODES:
            return cat.DOWNLOAD_STATUS_CODES[status]
        return cat.SERVER_ERROR_CODE if status >= 500 else cat.DOWNLOAD_FAILED_CODE
    return cat.MEDIA_CODES.get(code, cat.INTERNAL_ERROR_CODE)


def outcome(job: Job) -> tuple[int, dict[str, Any] | None]:
    """A finished job's status code and ``Result`` (None for failures); computed once."""
    record = job.record_as(TaskRecord)
    if record.outcome is not None:
        return record.outcome
    item = job.items[0]
    failure = job.item_failure(item)
    result: dict[str, Any] | None = None
    if job.phase is Phase.CANCELED:
        code = cat.TASK_EXPIRED
    elif failure is not None or item.transcript is None or item.audio is None:
        code = failure_code(failure or Failure("internal"))
    else:
        sentences, words = transcript_result(item, spec_of(job))
        code = cat.SUCCESS if sentences else cat.NO_VALID_FRAGMENT
        result = {"Sentences": sentences}
        if words is not None:
            result["Words"] = words
    record.outcome = (code, result)
    return code, result


def query_body(job: Job, request_id: str) -> dict[str, Any]:
    """The ``GetTaskResult`` answer for the job's current phase, keys in the document's order. ``RequestTime`` is only
    in callback bodies: the document's query answers (success, running, download failure) never carry it."""
    if not job.phase.terminal:
        code = cat.PHASE_STATUS[job.phase]
        body: dict[str, Any] = {"TaskId": job.id, "RequestId": request_id, "StatusText": cat.STATUS[code]}
        if code == cat.RUNNING:
            body["BizDuration"] = 0
        body["StatusCode"] = code
        return body
    code, result = outcome(job)
    body = {"TaskId": job.id, "RequestId": request_id, "StatusText": cat.STATUS[code],
            "BizDuration": job.audio_ms if result is not None else 0,
            "SolveTime": _ms(job.phase_times[job.phase.value]), "StatusCode": code}
    if result is not None:
        body["Result"] = result
    return body


def callback_body(job: Job) -> tuple[bytes, str]:
    """What the service POSTs to ``callback_url`` when the task ends, in the task's version's style."""
    code, result = outcome(job)
    solve, request = _ms(job.phase_times[job.phase.value]), _ms(job.created_at)
    biz = job.audio_ms if result is not None else 0
    body: dict[str, Any]
    if spec_of(job).v4:
        body = {}
        if result is not None:
            body["Result"] = result
        body.update({"TaskId": job.id, "StatusCode": code, "StatusText": cat.STATUS[code], "RequestTime": request,
                     "SolveTime": solve, "BizDuration": biz})
    else:
        body = {}
        if result is not None:
            body["result"] = [{"begin_time": s["BeginTime"], "channel_id": s["ChannelId"],
                               "emotion_value": s["EmotionValue"], "end_time": s["EndTime"],
                               "silence_duration": s["SilenceDuration"], "speech_rate": s["SpeechRate"],
                               "text": s["Text"]} for s in result["Sentences"]]
        body.update({"task_id": job.id, "status_code": code, "status_text": cat.STATUS[code],
                     "request_time": request, "solve_time": solve, "biz_duration": biz})
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), "application/json"


def _ms(t: float) -> int:
    return int(t * 1000)


# ---- sentences and words ------------------------------------------------------------------------------------

def transcript_result(item: Item, spec: TaskSpec) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    assert item.transcript is not None and item.audio is not None
    audio = item.audio
    wanted = spec.channels_for(audio.sample_rate, audio.channels)
    by_speaker = spec.splits_speakers(audio.sample_rate, audio.channels)
    cjk = item.transcript.language in ("zh", "yue", "ja")
    sentences: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    for channel in item.transcript.channels:
        if channel.channel_id not in wanted:
            continue
        level = audio.levels[channel.channel_id] if channel.channel_id < len(audio.levels) else -30.0
        emotion = emotion_value(level)
        previous_end = 0      # 004: "the silence duration between the current and the previous sentences"
        for speaker, segment in segments(channel.sentences, spec):
            cid = cat.speaker_channel(speaker or 0, spec.speakers) if by_speaker else channel.channel_id
            begin, end = segment[0].begin_ms, segment[-1].end_ms
            text = segment_text(segment, spec.punctuation)
            if spec.itn and cjk:
                text = inverse_normalize(text)
            sentences.append({
                "EndTime": end, "SilenceDuration": max(0, begin - previous_end) // 1000,
                "BeginTime": begin, "Text": text, "ChannelId": cid,
                "SpeechRate": round(len(segment) * 60_000 / max(1, end - begin)), "EmotionValue": emotion,
            })
            previous_end = end
            if spec.words:
                words.extend({"ChannelId": cid, "Word": w.text.strip(), "BeginTime": w.begin_ms,
                              "EndTime": w.end_ms} for w in segment)
    sentences.sort(key=lambda s: (s["BeginTime"], s["ChannelId"]))
    words.sort(key=lambda w: (w["BeginTime"], w["ChannelId"]))
    return sentences, (words if spec.words else None)


def segments(sentences: Sequence[Sentence], spec: TaskSpec) -> list[tuple[int | None, list[Word]]]:
    """Regroup a channel's words into the service's sentences: a new one after ``max_end_silence`` of silence (450 ms
    unless the task says otherwise), when the speaker changes, before a sentence would run past
    ``max_single_segment_time``, or past ``sentence_max_length`` characters."""
    silence, longest, max_chars = spec.max_end_silence, spec.max_segment_ms, spec.sentence_max_length
    out: list[tuple[int | None, list[Word]]] = []
    current: list[Word] = []
    speaker: int | None = None
    for sentence in sentences:
        for word in sentence.words:
            if current:
                gap = word.begin_ms - current[-1].end_ms
                cut = gap >= silence
                cut = cut or sentence.speaker_id != speaker or word.end_ms - current[0].begin_ms > longest
                if max_chars is not None:
                    cut = cut or _chars(current) + _chars([word]) > max_chars
                if cut:
                    out.append((speaker, current))
                    current = []
            if not current:
                speaker = sentence.speaker_id
            current.append(word)
    if current:
        out.append((speaker, current))
    return out


def _chars(words: Sequence[Word]) -> int:
    return sum(len(w.text.strip()) for w in words)


def segment_text(words: Sequence[Word], punctuation: bool) -> str:
    """A sentence's text. Sentences joined across a short pause keep a space between them in spaced languages
    (``Hello world. This is …``)."""
    parts = []
    for i, w in enumerate(words):
        tail = w.punctuation if punctuation else (" " if w.punctuation.endswith(" ") else "")
        following = words[i + 1].text[:1] if i + 1 < len(words) else ""
        if not tail.endswith(" ") and w.punctuation.strip() and w.text[-1:].isascii() and following.isascii() \
                and following.isalnum():
            tail += " "
        parts.append(w.text + tail)
    return "".join(parts).strip()


def emotion_value(level_dbfs: float) -> float:
    """The document's "volume in decibels divided by 10", on a 1–10 scale: speech peaking at -30 dBFS gives 5.0."""
    return float(min(10.0, max(1.0, round((level_dbfs + 80.0) / 10.0, 1))))
