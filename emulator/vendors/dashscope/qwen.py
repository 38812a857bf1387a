"""Qwen3-ASR (and Qwen-Audio ASR) through DashScope's native multimodal-generation API (sync and SSE) and the
OpenAI-compatible chat completions API (the qwen3-asr brief, §2, §3 and §6).

One clip per request, recognised before the answer as a job of its own (so it shows in the journal and the
dashboard): the audio by URL, ``data:`` URI or ``oss://`` (the SDK's upload flow for local files); a system message's
text biases recognition as hot words do; ``asr_options.language`` names the language (else it is detected),
``enable_itn`` writes numbers as digits (off by default: spoken); every answer carries the ``audio_info``
annotation (language, emotion) and the audio's whole seconds. The documented limits (10 MB, 5 minutes) are checked.
What the brief marks unknown is a choice here, stated where it is made."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from emulator.engine import Blob, Engine, FetchLimits, Job, Options, Phase
from emulator.engine import Request as FaultRequest
from emulator.engine.text import inverse_normalize, join_sentences, spoken_numbers
from emulator.vendors.base import VendorError
from emulator.vendors.dashscope import catalogue as cat
from emulator.vendors.dashscope.errors import DashScopeError


@dataclass
class QwenRecord:
    """What a Qwen3-ASR call asked for, and the answer's essentials once given (the dashboard shows them)."""

    api: str                      # "native" or "compatible"
    context: str
    asr_options: dict[str, Any]
    text: str = ""
    language: str = ""
    seconds: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"api": self.api, "context": self.context, "asr_options": self.asr_options, "text": self.text,
                "language": self.language, "seconds": self.seconds}


@dataclass
class Heard:
    text: str
    language: str
    emotion: str
    seconds: int


@dataclass
class Ask:
    """One request, read: the model, the audio's reference, the context, the options."""

    model: str
    audio: str
    context: str
    options: dict[str, Any]


def _content_items(content: Any, compatible: bool) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if compatible else [{"text": content}]
    return list(content)


def read_ask(payload: dict[str, Any], compatible: bool) -> Ask:
    """The request's messages and options (native: ``input.messages`` and ``parameters.asr_options``; compatible:
    ``messages`` and a top-level ``asr_options``), from a body checked against its declaration
    (``cat.QWEN_NATIVE_BODY`` / ``cat.QWEN_COMPATIBLE_BODY``): what the schema cannot say is checked here."""
    model = payload["model"]
    if model not in cat.QWEN_ASR_MODELS:
        raise DashScopeError("ModelNotFound" if compatible else "InvalidParameter",
                        cat.QWEN_NATIVE_NO_MODEL if not compatible else f"The model `{model}` does not exist.",
                        404 if compatible else 400)
    spec = cat.QWEN_ASR_MODELS[model]
    if compatible and not spec.compatible:
        raise DashScopeError("ModelNotFound", f"The model `{model}` is not served by the compatible API.", 404)
    if compatible:
        messages, options = payload["messages"], payload.get("asr_options") or {}
    else:
        messages = payload["input"]["messages"]
        options = (payload.get("parameters") or {}).get("asr_options") or {}
    audio, context = None, ""
    for message in messages:
        role = message["role"]
        items = _content_items(message["content"], compatible)
        if role == "system":
            context = " ".join(i.get("text", "") for i in items)
            continue
        if role != "user":
            raise DashScopeError("InvalidParameter", cat.QWEN_BAD_MESSAGES)
        for item in items:
            value = (item.get("input_audio") or {}).get("data") if compatible else item.get("audio")
            if value is not None:
                if audio is not None:
                    raise DashScopeError("InvalidParameter", "One user message with one audio is accepted.")
                audio = value
    if audio is None:
        raise DashScopeError("InvalidParameter", "The user message has no audio.")
    if len(context) > cat.QWEN_MAX_CONTEXT_CHARS:
        raise DashScopeError("InvalidParameter", "The context is longer than the model takes.")
    if options and not spec.asr_options:
        raise DashScopeError("InvalidParameter", f"asr_options is not supported by {model}.")
    if context and not spec.context:
        context = ""          # qwen-audio-asr: no system context (the brief, §6); the text is not used
    return Ask(model, audio, context, dict(options))


_WORDS = re.compile(r"[^\s,，、;；:：.。!！?？\"'“”‘’()（）\[\]]+")


def context_words(context: str) -> tuple[str, ...]:
    """The names and terms of a context text that bias recognition (a leading "context:" label dropped)."""
    text = re.sub(r"^\s*context\s*[:：]", "", context, flags=re.I)
    return tuple(dict.fromkeys(w for w in _WORDS.findall(text) if 1 < len(w) <= 30))[:100]


async def recognise(engine: Engine, ask: Ask, owner: str, test_id: str | None, api: str, host: str,
                    oss_enabled: bool) -> tuple[Job, Heard]:
    """The clip fetched (or decoded) and recognised as an instant job; the vendor's error for what is wrong."""
    source = ask.audio
    if source.startswith("data:"):
        head, _, data = source.partition(",")
        if ";base64" not in head or len(source) > cat.QWEN_MAX_BYTES:
            raise DashScopeError("InvalidParameter", "The audio data URI is not base64, or is over 10 MB.")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise DashScopeError("InvalidParameter", "The audio data URI is not valid base64.") from None
        media_id = hashlib.sha256(raw).hexdigest()[:32]
        engine.store.put_blob("media", media_id, Blob(raw, head[5:].split(";")[0], "audio"))
        source = f"http://{host}/_emulator/media/{media_id}/audio"
    elif source.startswith("oss://"):
        if not oss_enabled:
            raise DashScopeError("InvalidParameter", "oss:// needs the header X-DashScope-OssResourceResolve: enable.")
    elif not source.lower().startswith(("http://", "https://")):
        raise DashScopeError("InvalidParameter", "The audio is an http(s) URL, a data URI or an oss:// key.")
    language = ask.options.get("language")
    failure, fail_from = engine.job_fault(FaultRequest("dashscope", api, model=ask.model, media=[source],
                                                       test_id=test_id), "InternalError")
    record = QwenRecord(api, ask.context, ask.options)
    job = await engine.submit(
        vendor="dashscope", model=ask.model, owner=owner, job_id=engine.new_id(), sources=[source],
        options=Options(language=language or "zh", hotwords=context_words(ask.context)),
        record=record, policy="instant", test_id=test_id, failure=failure, fail_from=fail_from, wait=True,
        limits=FetchLimits(max_bytes=cat.QWEN_MAX_BYTES, timeout=engine.config.fetch_timeout))
    item = job.items[0]
    problem = job.forced_failure or job.item_failure(item)
    if problem is not None:
        if problem.code in cat.ERRORS:
            raise DashScopeError(problem.code, problem.message)
        if problem.code in ("bad_url", "download_status", "download_failed", "download_timeout",
                            "length_mismatch", "missing_object"):
            raise DashScopeError("InvalidParameter", cat.QWEN_DOWNLOAD_FAILED)
        if problem.code == "too_large":
            raise DashScopeError("InvalidParameter", "The audio file is larger than 10 MB.")
        raise DashScopeError("InvalidParameter", f"The audio cannot be read: {problem.message}")
    assert item.audio is not None and item.transcript is not None
    if item.audio.duration_ms > cat.QWEN_MAX_SECONDS * 1000:
        raise DashScopeError("InvalidParameter", "The audio is longer than 5 minutes.")
    sentences = item.transcript.channels[0].sentences if item.transcript.channels else ()
    text = join_sentences([s.text for s in sentences])
    zh_or_en = (language or detect_language(text)) in ("zh", "en")
    if zh_or_en:         # enable_itn (default false) affects zh and en only
        text = inverse_normalize(text) if ask.options.get("enable_itn") else spoken_numbers(text)
    emotion = next((s.emotion for s in sentences if s.emotion in cat.QWEN_EMOTIONS), "neutral")
    heard = Heard(text, language or detect_language(text), emotion or "neutral",
                  max(1, math.ceil(item.audio.duration_ms / 1000)))
    record.text, record.language, record.seconds = heard.text, heard.language, heard.seconds
    engine.store.put_job(job)
    return job, heard


def detect_language(text: str, silence: str = "en") -> str:
    """The language a text is in, as the service's detection answers: CJK → zh (kana → ja, hangul → ko), else
    en — a stand-in for detection, stated. ``silence`` is the answer for no text (the realtime API says zh)."""
    if not text:
        return silence
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\uac00-\ud7af]", text):
        return "ko"
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def pieces(text: str) -> list[str]:
    """The text cut as the service streams it: a few characters (CJK) or a word at a time."""
    out = re.findall(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{1,2}[，。！？、,.!?]?|\S+\s*|\s+", text)
    return [p for p in out if p] or [""]


def annotation(heard: Heard) -> dict[str, Any]:
    return {"language": heard.language, "type": "audio_info", "emotion": heard.emotion}


# ---- the native API ----------------------------------------------------------------------------------------------

def native_answer(heard: Heard, request_id: str) -> dict[str, Any]:
    return {"output": {"choices": [{"finish_reason": "stop", "message": {
        "annotations": [annotation(heard)], "content": [{"text": heard.text}], "role": "assistant"}}]},
        "usage": {"input_tokens_details": {"text_tokens": 0},
                  "output_tokens_details": {"text_tokens": len(heard.text)}, "seconds": heard.seconds},
        "request_id": request_id}


def native_events(heard: Heard, request_id: str, incremental: bool) -> Iterator[bytes]:
    """SSE as the service frames it (``id:``, ``event:result``, ``:HTTP_STATUS/200``, ``data:``); cumulative text
    unless ``incremental_output`` is true (the brief: the server's default is unknown; cumulative is the
    multimodal-generation default)."""
    parts = pieces(heard.text)
    shown = ""
    for n, part in enumerate(parts, 1):
        shown += part
        last = n == len(parts)
        data = {"output": {"choices": [{"message": {"annotations": [annotation(heard)],
                                                    "content": [{"text": part if incremental else shown}],
                                                    "role": "assistant"},
                                        "finish_reason": "stop" if last else "null"}]},
                "usage": {"output_tokens_details": {"text_tokens": len(shown)},
                          "input_tokens_details": {"text_tokens": 0}, "seconds": heard.seconds},
                "request_id": request_id}
        yield (f"id:{n}\nevent:result\n:HTTP_STATUS/200\ndata:"
               f"{json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n").encode()


def native_error_event(code: str, message: str, status: int, request_id: str) -> bytes:
    """``event:error`` with no space: the SDK tells errors by exactly that line."""
    data = json.dumps({"code": code, "message": message, "request_id": request_id}, ensure_ascii=False)
    return f"id:1\nevent:error\n:HTTP_STATUS/{status}\ndata:{data}\n\n".encode()


# ---- the OpenAI-compatible API -----------------------------------------------------------------------------------

def compatible_answer(heard: Heard, model: str, completion_id: str) -> dict[str, Any]:
    return {"choices": [{"finish_reason": "stop", "index": 0, "message": {
        "annotations": [annotation(heard)], "content": heard.text, "role": "assistant"}}],
        "created": int(time.time()), "id": completion_id, "model": model, "object": "chat.completion",
        "usage": compatible_usage(heard)}


def compatible_usage(heard: Heard) -> dict[str, Any]:
    audio = heard.seconds * cat.QWEN_AUDIO_TOKENS_PER_SECOND
    text = len(heard.text)
    return {"completion_tokens": text, "completion_tokens_details": {"text_tokens": text},
            "prompt_tokens": audio, "prompt_tokens_details": {"audio_tokens": audio, "text_tokens": 0},
            "seconds": heard.seconds, "total_tokens": audio + text}


def compatible_chunks(heard: Heard, model: str, completion_id: str, include_usage: bool) -> Iterator[bytes]:
    created = int(time.time())

    def chunk(choices: list[dict[str, Any]], usage: dict[str, Any] | None = None) -> bytes:
        body = {"model": model, "id": completion_id, "created": created, "object": "chat.completion.chunk",
                "usage": usage, "choices": choices}
        return f"data: {json.dumps(body, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()

    yield chunk([{"logprobs": None, "index": 0, "delta": {"content": "", "role": "assistant"}}])
    for n, part in enumerate(pieces(heard.text)):
        delta: dict[str, Any] = {"content": part, "role": None}
        if n == 0:
            delta["annotations"] = [annotation(heard)]
        yield chunk([{"delta": delta, "index": 0}])
    yield chunk([{"delta": {"role": None}, "index": 0, "finish_reason": "stop"}])
    if include_usage:
        yield chunk([], compatible_usage(heard))
    yield b"data: [DONE]\n\n"


_COMPATIBLE_CODES = {"InvalidApiKey": ("invalid_api_key", "Incorrect API key provided. "),
                     "ModelNotFound": ("model_not_found", None), "InvalidParameter": ("invalid_parameter_error", None),
                     "Arrearage": ("Arrearage", None)}


def compatible_error(exc: VendorError, completion_id: str, request_id: str) -> dict[str, Any]:
    """OpenAI's envelope: ``{"error": {"message", "type", "param", "code"}}`` (the codes the brief's captures show;
    others lower-cased)."""
    code, message = _COMPATIBLE_CODES.get(exc.code, (exc.code.lower().replace(".", "_"), None))
    kind = "Arrearage" if exc.code == "Arrearage" else "invalid_request_error" if exc.status < 500 else "server_error"
    return {"error": {"message": message or exc.message, "type": kind, "param": None, "code": code},
            "id": completion_id, "request_id": request_id}




# ---- long files: qwen3-asr-flash-filetrans on the task endpoints (the brief, §4) ---------------------------------

def filetrans_spec(payload: dict[str, Any], oss_enabled: bool) -> tuple[str, dict[str, Any]]:
    """The task's file and its parameters — typed and bounded by ``cat.SUBMIT_BODY`` (undeclared ones dropped or
    refused there) — checked for what the schema cannot say: the URL's scheme."""
    url, params = payload["input"]["file_url"], payload.get("parameters") or {}
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("http", "https") and not (scheme == "oss" and oss_enabled):
        raise DashScopeError("InvalidParameter", "input.file_url is an http(s) URL (or oss:// after an upload).")
    return url, params


def filetrans_output(job: Job, link: str | None, utc_offset_hours: float) -> tuple[dict[str, Any],
                                                                                  dict[str, Any] | None]:
    """A query's ``output`` (``result.transcription_url`` once it succeeded, ``code``/``message`` if it failed) and
    ``usage`` (``seconds``)."""
    from emulator.vendors.dashscope.render import local_time, subtask_error

    submit = job.phase_times.get(Phase.QUEUED.value, job.created_at)
    out: dict[str, Any] = {"task_id": job.id, "task_status": cat.STATUS[job.phase],
                           "submit_time": local_time(submit, utc_offset_hours),
                           "scheduled_time": local_time(submit, utc_offset_hours)}
    if job.phase.terminal:
        out["end_time"] = local_time(job.phase_times.get(job.phase.value, submit), utc_offset_hours)
    item = job.items[0] if job.items else None
    failure = job.forced_failure or (job.item_failure(item) if item is not None else None)
    if job.phase is Phase.FAILED and failure is not None:
        out["code"], out["message"] = subtask_error(failure)
    if job.phase is Phase.SUCCEEDED and link is not None and item is not None and item.audio is not None:
        out["result"] = {"transcription_url": link}
        return out, {"seconds": max(1, math.ceil(item.audio.duration_ms / 1000))}
    return out, None


def filetrans_result(job: Job, params: dict[str, Any]) -> dict[str, Any]:
    """The result file: ``audio_info``; per channel ``sentences`` (0-based ids, language, emotion) with ``words``
    only when ``enable_words``; numbers spoken unless ``enable_itn``."""
    item = job.items[0]
    assert item.audio is not None and item.transcript is not None
    itn, words_on = params.get("enable_itn") is True, params.get("enable_words") is True
    language = params.get("language")

    def written(text: str, lang: str) -> str:
        if lang not in ("zh", "en"):
            return text
        return inverse_normalize(text) if itn else spoken_numbers(text)

    transcripts = []
    for channel in item.transcript.channels:
        sentences = []
        for i, s in enumerate(channel.sentences):
            lang = language or detect_language(s.text)
            entry: dict[str, Any] = {"sentence_id": i, "begin_time": s.begin_ms, "end_time": s.end_ms,
                                     "language": lang, "emotion": s.emotion if s.emotion in cat.QWEN_EMOTIONS
                                     else "neutral", "text": written(s.text, lang)}
            if words_on:
                entry["words"] = [{"begin_time": w.begin_ms, "end_time": w.end_ms, "text": w.text.strip(),
                                   "punctuation": w.punctuation.strip()} for w in s.words]
            sentences.append(entry)
        transcripts.append({"channel_id": channel.channel_id, "text": join_sentences([s["text"] for s in sentences]),
                            "sentences": sentences})
    return {"file_url": item.source, "audio_info": {"format": item.audio.codec, "sample_rate": item.audio.sample_rate},
            "transcripts": transcripts}


__all__ = ["Ask", "Heard", "QwenRecord", "compatible_answer", "compatible_chunks", "compatible_error",
           "context_words", "detect_language", "filetrans_output", "filetrans_result", "filetrans_spec",
           "native_answer", "native_error_event", "native_events", "pieces", "read_ask", "recognise"]
