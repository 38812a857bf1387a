"""Stream recognition (语音流异步识别, API 3.0): ``CreateAsyncRecognitionTask`` pulls a live stream and calls back once
per utterance; ``DescribeAsyncRecognitionTasks`` lists the running tasks; ``CloseAsyncRecognitionTask`` stops one.

The emulator reads the stream's URL as it reads any media (magic URLs, fixtures, named media, uploads), recognises
it as a job of the ``tencent_asr`` dialect, and POSTs each sentence to ``CallbackUrl`` as the document shows:
``{"TaskId", "Result": [{"VoiceId", "Text", "StartTime", "EndTime", "WordList"}], "AudioData"}`` with the header
``CheckSum: sha256_hex(AppID + SignToken + body)`` (empty without ``SignToken``). A task is listed until it is closed
or its stream has ended and every utterance was told. Callbacks are retried as the engine's are; they are not kept
across a restart (a running stream is not either)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from emulator.engine import Engine, FetchLimits, Job, Options
from emulator.inputs import http_url
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.restricted import filter_words
from emulator.vendors.tencent.sentence import SentenceError, Vocabularies


@dataclass
class StreamTask:
    """The record of a stream task's job."""

    url: str
    callback_url: str
    sign_token: str
    params: dict[str, Any]
    closed: bool = False
    done: bool = False             # every utterance told (or the stream failed)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "callback_url": self.callback_url, "params": self.params, "closed": self.closed,
                "done": self.done}


def checksum(appid: str, sign_token: str, body: bytes) -> str:
    """The callback's ``CheckSum`` header: sha256 of AppID + SignToken + the raw body; empty without a SignToken."""
    if not sign_token:
        return ""
    return hashlib.sha256(appid.encode() + sign_token.encode() + body).hexdigest()


def stream_spec(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters — typed and bounded by their declaration (``cat.ACTION_SCHEMAS``) — checked for what the
    schema cannot say: the stream's and the callback's URLs."""
    if not http_url(params["Url"]) and not params["Url"].lower().startswith(("rtmp://", "rtsp://")):
        raise SentenceError("InvalidParameterValue.ErrorInvalidUrl")
    if not http_url(params["CallbackUrl"]):
        raise SentenceError("InvalidParameterValue", detail="CallbackUrl is not an http(s) URL.")
    return params


class StreamTasks:
    def __init__(self, engine: Engine, vocabularies: Vocabularies, appid: str,
                 restricted: Callable[[], tuple[str, ...]]) -> None:
        self.engine = engine
        self.vocabularies = vocabularies
        self.appid = appid
        self.restricted = restricted
        self.tasks: set[asyncio.Task[None]] = set()

    async def create(self, owner: str, params: dict[str, Any], task_id: int, test_id: str | None,
                     vendor: str) -> dict[str, Any]:
        spec = stream_spec(params)
        hotwords = self.vocabularies.hotwords(owner, spec.get("HotwordId") or None) if spec.get("HotwordId") else ()
        language = cat.ASR_ENGINES[spec["EngineType"]].language
        options = Options(language=language, remove_disfluencies=spec.get("FilterModal", 0) > 0, aligned_words=True,
                          hotwords=tuple(hotwords))
        record = StreamTask(spec["Url"], spec["CallbackUrl"], spec.get("SignToken", ""),
                            {k: v for k, v in spec.items() if k != "SignToken"})
        job = await self.engine.submit(
            vendor=vendor, model=spec["EngineType"], owner=owner, job_id=f"stream-{task_id}", sources=[spec["Url"]],
            options=options, record=record, test_id=test_id,
            limits=FetchLimits(max_bytes=cat.MAX_URL_FILE_BYTES, timeout=self.engine.config.fetch_timeout))
        runner = asyncio.get_running_loop().create_task(self._tell(job.id, task_id, test_id, vendor))
        self.tasks.add(runner)
        runner.add_done_callback(self.tasks.discard)
        return {"Data": {"TaskId": task_id}}

    def describe(self, owner: str, vendor: str) -> dict[str, Any]:
        jobs = self.engine.jobs(lambda j: j.vendor == vendor and j.owner == owner and j.id.startswith("stream-"))
        running = [j for j in jobs if not (j.record_as(StreamTask).closed or j.record_as(StreamTask).done)]
        running.sort(key=lambda j: j.created_at)
        return {"Data": {"Tasks": [{"TaskId": int(j.id.removeprefix("stream-")), "Url": j.record_as(StreamTask).url}
                                   for j in running]}}

    def close(self, owner: str, task_id: int, vendor: str) -> dict[str, Any]:
        job = self.engine.peek(f"stream-{task_id}")
        if job is None or job.vendor != vendor or job.owner != owner:
            raise SentenceError("FailedOperation.NoSuchTask")
        record = job.record_as(StreamTask)
        record.closed = True
        self.engine.store.put_job(job)
        return {}

    async def _tell(self, job_id: str, task_id: int, test_id: str | None, vendor: str) -> None:
        """Wait for the stream to be recognised, then POST each utterance in turn (a closed task stops)."""
        polled = 0.0
        while True:
            job = self.engine.peek(job_id)
            if job is None:
                return
            record = job.record_as(StreamTask)
            if record.closed:
                return
            if job.phase.terminal:
                break
            if time.monotonic() - polled >= 0.5:     # nobody polls a stream task: this reader does, now and then
                polled = time.monotonic()
                self.engine.read(job_id)
            await asyncio.sleep(0.05)
        utterances = self._utterances(job)
        for n, body in enumerate(utterances):
            job = self.engine.peek(job_id)
            if job is None or job.record_as(StreamTask).closed:
                return
            await self._post(job, body, n, test_id, vendor)
        job = self.engine.peek(job_id)
        if job is not None:
            job.record_as(StreamTask).done = True
            self.engine.store.put_job(job)

    def _utterances(self, job: Job) -> list[dict[str, Any]]:
        record = job.record_as(StreamTask)
        params = record.params
        task_id = int(job.id.removeprefix("stream-"))
        item = job.items[0] if job.items else None
        if item is None or item.transcript is None or job.item_failure(item) is not None:
            return []
        out = []
        sentences = [s for ch in item.transcript.channels[:1] for s in ch.sentences]
        for i, sentence in enumerate(sentences):
            words = filter_words(tuple(sentence.words), self.restricted(), params.get("FilterDirty", 0))
            punc = params.get("FilterPunc", 0)
            text = "".join(w.text + (w.punctuation if punc == 0 or (punc == 1 and j < len(words) - 1) else "")
                           for j, w in enumerate(words)).strip()
            word_list = [] if not params.get("WordInfo") else [
                {"Word": w.text.strip() + (w.punctuation.strip() if params.get("WordInfo") == 2 else ""),
                 "StartTime": w.begin_ms, "EndTime": w.end_ms} for w in words]
            body: dict[str, Any] = {"TaskId": task_id, "Result": [{
                "VoiceId": f"{self.appid}{task_id}_{i}", "Text": text, "StartTime": sentence.begin_ms,
                "EndTime": sentence.end_ms, "WordList": word_list}]}
            # AudioData (the utterance as base64 mp3, when asked for) is not emulated: the field is left out (the
            # README says so) rather than filled with audio that is not the utterance's
            out.append(body)
        return out

    async def _post(self, job: Job, body: dict[str, Any], n: int, test_id: str | None, vendor: str) -> None:
        record = job.record_as(StreamTask)
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json; charset=UTF-8",
                   "CheckSum": checksum(self.appid, record.sign_token, raw)}
        delays = self.engine.callbacks.retry_delays
        for attempt in range(1, len(delays) + 2):
            started = time.perf_counter()
            status, error = 0, None
            try:
                async with httpx.AsyncClient(trust_env=False, timeout=self.engine.callbacks.timeout) as client:
                    status = (await client.post(record.callback_url, content=raw, headers=headers)).status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.engine.journal.record(time=self.engine.clock.now(), method="POST", path=record.callback_url,
                                       status=status, latency_ms=round((time.perf_counter() - started) * 1000, 3),
                                       vendor=vendor, operation="callback", job_id=job.id, test_id=test_id,
                                       error=error, attempt=attempt)
            if 200 <= status < 300:
                return
            if attempt <= len(delays):
                await asyncio.sleep(delays[attempt - 1])


__all__ = ["StreamTask", "StreamTasks", "checksum", "stream_spec"]
