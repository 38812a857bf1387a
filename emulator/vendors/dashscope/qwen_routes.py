"""Qwen3-ASR over HTTP: file transcription on the task endpoints (qwen3-asr-flash-filetrans), the native
multimodal-generation call (JSON or SSE) and the OpenAI-compatible chat completions and models list. The work of
recognising and answering is in ``emulator.vendors.dashscope.qwen``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from emulator.engine import Engine, Failure, FetchLimits, Item, Options
from emulator.engine import Request as FaultRequest
from emulator.vendors.base import Call
from emulator.vendors.dashscope import catalogue as cat
from emulator.vendors.dashscope.errors import DashScopeError
from emulator.vendors.dashscope.qwen import (
    compatible_answer,
    compatible_chunks,
    filetrans_spec,
    native_answer,
    native_events,
    read_ask,
    recognise,
)
from emulator.vendors.dashscope.records import QwenTaskRecord
from emulator.web import note

VENDOR = "dashscope"


class QwenHttp:
    """The Qwen3-ASR HTTP operations of the DashScope dialect (``request_id``: the dialect's request ids)."""

    def __init__(self, engine: Engine, request_id: Callable[[], str]) -> None:
        self.engine = engine
        self.request_id = request_id

    async def submit(self, call: Call, payload: dict[str, Any]) -> Response:
        """qwen3-asr-flash-filetrans on the task endpoints: ``input.file_url``, then the usual lifecycle."""
        request, key = call.request, call.request.state.api_key
        model_name = str(payload["model"])
        oss = request.headers.get(cat.OSS_RESOLVE_HEADER, "").lower() == cat.HEADER_ON
        url, params = filetrans_spec(payload, oss)
        await call.faults(model=model_name, media=[url])
        call.limit(("submit", key, model_name), cat.SUBMIT_RPS)
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, "submit", model=model_name, media=[url], test_id=call.test_id), "InternalError")
        request_id = self.request_id()
        record = QwenTaskRecord(request_id, payload=payload, params={k: v for k, v in params.items()
                                                                      if k in cat.QWEN_FILETRANS_PARAMS})
        channels = tuple(params.get("channel_id", [0]))
        job = await self.engine.submit(
            vendor=VENDOR, model=model_name, owner=key, job_id=self.engine.new_id(), sources=[url],
            options=Options(language=params.get("language") or "zh", channels=channels, aligned_words=True),
            record=record, test_id=call.test_id, failure=failure, fail_from=fail_from, no_speech_fails=False,
            limits=FetchLimits(max_bytes=cat.MAX_FILE_BYTES, timeout=self.engine.config.fetch_timeout),
            vet=_vet)
        note(request, job_id=job.id)
        return JSONResponse({"request_id": request_id, "output": {"task_id": job.id, "task_status": "PENDING"}})

    async def native(self, call: Call) -> Response:
        request = call.request
        payload = call.input["body"]
        ask = read_ask(payload, compatible=False)
        call.note(model=ask.model)
        await call.faults(model=ask.model)
        call.limit(("qwen", request.state.api_key, ask.model), cat.QWEN_RPS)
        oss = request.headers.get(cat.OSS_RESOLVE_HEADER, "").lower() == cat.HEADER_ON
        job, heard = await recognise(self.engine, ask, request.state.api_key, call.test_id, "multimodal",
                                     request.headers.get("host", "127.0.0.1"), oss)
        note(request, job_id=job.id)
        request_id = self.request_id()
        if request.headers.get(cat.SSE_HEADER, "").lower() == cat.HEADER_ON:
            incremental = (payload.get("parameters") or {}).get("incremental_output") is True
            return StreamingResponse(native_events(heard, request_id, incremental),
                                     media_type="text/event-stream;charset=UTF-8")
        return JSONResponse(native_answer(heard, request_id))

    async def compatible(self, call: Call) -> Response:
        request = call.request
        payload = call.input["body"]
        ask = read_ask(payload, compatible=True)
        stream = payload.get("stream", False)
        options = payload.get("stream_options")
        if options is not None and not stream:
            raise DashScopeError("InvalidParameter", cat.QWEN_STREAM_OPTIONS)
        call.note(model=ask.model)
        await call.faults(model=ask.model)
        call.limit(("qwen", request.state.api_key, ask.model), cat.QWEN_RPS)
        job, heard = await recognise(self.engine, ask, request.state.api_key, call.test_id, "chat_completions",
                                     request.headers.get("host", "127.0.0.1"), oss_enabled=True)
        note(request, job_id=job.id)
        completion_id = f"chatcmpl-{self.engine.new_id()}"
        if stream:
            include = options is not None and options.get("include_usage") is True
            return StreamingResponse(compatible_chunks(heard, ask.model, completion_id, include),
                                     media_type="text/event-stream")
        return JSONResponse(compatible_answer(heard, ask.model, completion_id))

    async def models(self, call: Call) -> Response:
        models = [{"id": name, "object": "model", "created": cat.QWEN_MODELS_LISTED_AT, "owned_by": "system"}
                  for name, spec in cat.QWEN_ASR_MODELS.items() if spec.compatible]
        return JSONResponse({"object": "list", "data": models})


def _vet(item: Item) -> Failure | None:
    """qwen3-asr-flash-filetrans: files up to 12 hours."""
    if item.audio is not None and item.audio.duration_ms > cat.QWEN_FILETRANS_MAX_SECONDS * 1000:
        return Failure("InvalidParameter", cat.QWEN_FILETRANS_TOO_LONG)
    return None


__all__ = ["QwenHttp"]
