"""Engine records → DashScope bytes: task outputs, subtask results and the result file behind transcription_url."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, replace
from typing import Any

from emulator.engine.jobs import Failure, Item, Job, Phase
from emulator.engine.recognizer import CJK_LANGS, ChannelTranscript, Sentence
from emulator.engine.text import inverse_normalize_words, join_sentences
from emulator.inputs import same_secret, whole_number
from emulator.vendors.dashscope import catalogue as cat


def local_time(t: float, utc_offset_hours: float) -> str:
    """``YYYY-MM-DD HH:MM:SS.mmm`` in the service's local time."""
    shifted = t + utc_offset_hours * 3600
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(shifted)) + f".{int(shifted * 1000) % 1000:03d}"


def subtask_error(failure: Failure) -> tuple[str, str]:
    if failure.code in cat.SUBTASK_ERRORS:
        return cat.SUBTASK_ERRORS[failure.code]
    message = failure.message or cat.SUBTASK_MESSAGES.get(failure.code) or cat.ERRORS.get(failure.code, ("", ""))[1]
    return failure.code, message or failure.code


def billed_seconds(job: Job) -> int:
    """Seconds of speech in the files that succeeded, per transcribed channel: 001 bills the speech content, not the
    silence or music around it, so this is the sum of the result files' ``content_duration_in_milliseconds``."""
    total_ms = 0
    for item in job.items:
        if job.item_failure(item) is None and item.audio is not None and item.transcript is not None:
            total_ms += sum(c.content_ms for c in item.transcript.channels)
    return max(1, total_ms // 1000) if total_ms else 0


class Signer:
    """Signs result-file links so that they expire like the service's (24 h on the emulator clock)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def sign(self, path: str, expires: int) -> str:
        return hmac.new(self._secret, f"{path}\n{expires}".encode(), hashlib.sha1).hexdigest()

    def valid(self, path: str, expires: str, signature: str) -> bool:
        when = whole_number(expires)
        return when is not None and same_secret(self.sign(path, when), signature)


def task_output(job: Job, *, result_url: Any, utc_offset_hours: float) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ``output`` and ``usage`` of a task query. ``result_url(job, item)`` gives an item's absolute link."""
    submit = job.phase_times.get(Phase.QUEUED.value, job.created_at)
    out: dict[str, Any] = {
        "task_id": job.id,
        "task_status": cat.STATUS[job.phase],
        "submit_time": local_time(submit, utc_offset_hours),
        "scheduled_time": local_time(submit, utc_offset_hours),
    }
    usage = None
    if job.phase.terminal:
        out["end_time"] = local_time(job.phase_times.get(job.phase.value, submit), utc_offset_hours)
    ok = failed = 0
    if job.phase in (Phase.SUCCEEDED, Phase.FAILED):
        results = []
        for item in job.items:
            failure = job.item_failure(item)
            if failure is None:
                ok += 1
                results.append({"file_url": item.source, "transcription_url": result_url(job, item),
                                "subtask_status": "SUCCEEDED"})
            else:
                failed += 1
                code, message = subtask_error(failure)
                results.append({"file_url": item.source, "code": code, "message": message,
                                "subtask_status": "FAILED"})
        out["results"] = results
        if job.phase is Phase.FAILED:
            first = next(r for r in results if r["subtask_status"] == "FAILED")
            out["code"], out["message"] = first["code"], first["message"]
        billed = billed_seconds(job)
        usage = {"duration": billed} if billed else None
    out["task_metrics"] = {"TOTAL": len(job.items), "SUCCEEDED": ok, "FAILED": failed}
    return out, usage


@dataclass(frozen=True, slots=True)
class Style:
    """How a task asked its text to be written."""

    itn: bool = True              # numbers as digits (CJK languages)
    punctuation: bool = True
    events: bool = True           # SenseVoice audio event tags


DEFAULT_STYLE = Style()      # one instance for every task that asked for the defaults (a stored task keeps it)


def result_file(job: Job, item: Item, style: Style = DEFAULT_STYLE) -> dict[str, Any]:
    assert item.audio is not None and item.transcript is not None
    model = cat.MODELS[job.model]
    itn = style.itn and item.transcript.language in CJK_LANGS
    audio = item.audio
    return {
        "file_url": item.source,
        "properties": {
            "audio_format": audio.codec,
            "channels": list(range(audio.channels)),
            "original_sampling_rate": audio.sample_rate,
            "original_duration_in_milliseconds": audio.duration_ms,
        },
        "transcripts": [_channel(c, model, replace(style, itn=itn)) for c in item.transcript.channels],
    }


def _channel(channel: ChannelTranscript, model: cat.Model, style: Style) -> dict[str, Any]:
    sentences = [_sentence(s, i, model, style) for i, s in enumerate(channel.sentences, start=1)]
    return {
        "channel_id": channel.channel_id,
        "content_duration_in_milliseconds": channel.content_ms,
        "text": join_sentences([s["text"] for s in sentences]),
        "sentences": sentences,
    }


def _sentence(sentence: Sentence, number: int, model: cat.Model, style: Style) -> dict[str, Any]:
    words = sentence.words
    if not style.punctuation:
        words = tuple(replace(w, text=w.text.rstrip() + (" " if w.text.endswith(" ") or w.punctuation.endswith(" ")
                                                         else ""), punctuation="") for w in words)
    if style.itn:
        words = inverse_normalize_words(words)
    text = "".join(w.text + w.punctuation for w in words).strip() if words else sentence.text
    if model.emotion_tags:
        if style.events:
            text = f"<|{cat.SPEECH_EVENT}|> {text} <|/{cat.SPEECH_EVENT}|>"
            if sentence.event:
                text = f"<|{sentence.event}|><|/{sentence.event}|>" + text
        if sentence.emotion and sentence.emotion != "NEUTRAL":
            text += f" <|{sentence.emotion}|>"
        return {"begin_time": sentence.begin_ms, "end_time": sentence.end_ms, "text": text}
    out: dict[str, Any] = {"begin_time": sentence.begin_ms, "end_time": sentence.end_ms, "text": text}
    if model.sentence_ids:
        out["sentence_id"] = number
    if sentence.speaker_id is not None:
        out["speaker_id"] = sentence.speaker_id
    out["words"] = [{"begin_time": w.begin_ms, "end_time": w.end_ms, "text": w.text, "punctuation": w.punctuation}
                    for w in words]
    return out
