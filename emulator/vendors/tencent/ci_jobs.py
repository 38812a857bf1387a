"""Tencent Cloud CI speech jobs (``/asr_jobs``, ``/jobs``): create, get, list, cancel; the job detail and result
as the service renders them; callbacks; and the result object each succeeded job writes to its output bucket."""

from __future__ import annotations

import json
from typing import Any

from emulator.engine import Failure, FetchLimits, Item, Job, JobStateError, Options, Phase
from emulator.engine import Request as FaultRequest
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.callbacks import Delivery
from emulator.engine.text import join_sentences
from emulator.inputs import http_url
from emulator.vendors.base import Call
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res
from emulator.vendors.tencent import xmlio
from emulator.vendors.tencent.ci_common import (
    VENDOR,
    CiError,
    CiJob,
    Context,
    Output,
    PendingOutput,
    Target,
    diarizes,
    one_or_many,
    shape_of,
    speech_params,
    when,
)
from emulator.vendors.tencent.cos import Objects
from emulator.vendors.tencent.restricted import RestrictedWords
from emulator.web import note


class Jobs:
    """Speech jobs of every bucket."""

    def __init__(self, ctx: Context, objects: Objects) -> None:
        self.ctx = ctx
        self.engine = ctx.engine
        self.objects = objects
        self.restricted = RestrictedWords(ctx.engine)
        ctx.engine.on_terminal.append(self.write_output)

    # ---- create ------------------------------------------------------------------------------------------

    async def create(self, call: Call, target: Target, generic: bool) -> Job:
        """A job from a request checked against ``cat.CI_JOB_REQUEST``; what the schema cannot say is checked
        here (Input.Object or Input.Url, the URLs' form, the template's and queue's existence)."""
        request, doc = call.request, call.input["body"]
        source_input, operation = doc["Input"], doc["Operation"]
        obj, url = source_input.get("Object") or "", source_input.get("Url") or ""
        if not obj and not url:
            raise CiError("InvalidArgument", "Input.Object or Input.Url is required")
        if not obj and not http_url(url):
            raise CiError("InvalidArgument", "Input.Url must be an http(s) URL")
        out = dict(operation["Output"])
        template_id = operation.get("TemplateId") or ""
        if template_id:
            template = self.ctx.templates.get(template_id)
            if template is None or template.bucket != target.bucket:
                raise CiError("InvalidArgument", f"TemplateId {template_id} does not exist")
            speech = dict(template.speech)
        elif operation.get("SpeechRecognition") is None:
            raise CiError("InvalidArgument", "Operation.SpeechRecognition (or Operation.TemplateId) is required")
        else:
            speech = speech_params(operation["SpeechRecognition"])
        user_data = operation.get("UserData") or ""
        job_level = operation.get("JobLevel") or "0"
        callback = doc.get("CallBack") or ""
        if callback and callback != "no" and not http_url(callback):
            raise CiError("InvalidArgument", "CallBack must be an http(s) URL or no")
        callback_format = doc.get("CallBackFormat") or ""
        callback_type = doc.get("CallBackType") or "Url"
        queue_id = doc.get("QueueId") or ""
        if not queue_id and generic:
            # the generic /jobs API (the newer documents and the vendor's Node.js sample): QueueId is optional
            # there, and the job goes to the bucket's speech queue; /asr_jobs keeps 003's rule (required)
            queue_id = self.ctx.queue(target.bucket).id
        if not queue_id:
            raise CiError("InvalidArgument", "QueueId is required")
        queue = self.ctx.queues.get(queue_id)
        if queue is None or queue.bucket != target.bucket:
            default = self.ctx.queue(target.bucket)
            if queue_id == default.id:
                queue = default
            elif call.lenient("unknown_queue_id"):
                queue = self.ctx.queue(target.bucket, queue_id)     # taken as a queue made in the console
            else:
                raise CiError("InvalidArgument", f"QueueId {queue_id} does not exist in bucket {target.bucket}")
        if not callback_format:      # the job's own CallBack is XML by default; the queue's, its ResultFormat
            callback_format = "XML" if callback and callback != "no" else queue.notify.get("ResultFormat") or "XML"
        source = f"cos://{target.bucket}/{obj.lstrip('/')}" if obj else url
        engine_name = speech["EngineModelType"]
        tid = call.test_id
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, "create_job", model=engine_name, media=[source], test_id=tid), "InternalError")
        two = speech.get("ChannelNum") == "2"
        diarize = diarizes(speech)
        hotwords: tuple[str, ...] = ()
        table_id = speech.get("HotVocabularyTableId", "")
        if table_id:                 # a hot-word table of this bucket biases recognition, as ASR 3.0's vocabularies
            table = self.ctx.hot_tables.get(table_id)
            if table is None or table.bucket != target.bucket:
                raise CiError("InvalidArgument", f"HotVocabularyTableId {table_id} does not exist")
            hotwords = tuple(w for w, _ in sorted(table.words, key=lambda p: -int(p[1])))
        options = Options(language=cat.CI_ENGINES[engine_name].language, channels=(0, 1) if two else (0,),
                          speakers=(int(speech.get("SpeakerNumber", "0")) or 2) if diarize else None,
                          remove_disfluencies=speech.get("FilterModal", "0") != "0", aligned_words=True,
                          hotwords=hotwords)
        record = CiJob(bucket=target.bucket, region=target.region, object=obj, url=url,
                       output=Output(out["Bucket"], out["Object"], out["Region"]), speech=speech,
                       shape=shape_of(speech, self.restricted.words()), template_id=template_id,
                       user_data=user_data, job_level=job_level,
                       queue_id=queue.id, callback=callback, callback_format=callback_format)
        job = await self.engine.submit(
            vendor=VENDOR, model=engine_name, owner=target.bucket, job_id="s" + self.engine.new_id().replace("-", ""),
            sources=[source], options=options, record=record, test_id=tid, failure=failure, fail_from=fail_from,
            limits=FetchLimits(max_bytes=cat.MAX_COS_OBJECT_BYTES, timeout=self.engine.config.fetch_timeout),
            vet=vetter(speech),
        )
        note(request, job_id=job.id)
        if queue.state == cat.QUEUE_STATES[1] and not job.phase.terminal:      # a paused queue holds its jobs
            self.engine.pause(job)
        if not job.phase.terminal:
            self.ctx.outputs.put(self.objects.blob_key(self.ctx.full(out["Bucket"]), out["Object"].lstrip("/")),
                                 PendingOutput(job.id))
        notifying = queue.notify.get("State") == cat.NOTIFY_STATES[0] and callback != "no"
        notify_url = callback if callback and callback != "no" else (queue.notify.get("Url", "") if notifying else "")
        if notify_url and callback_type == "Url":
            self.engine.callbacks.watch(Delivery(job.id, notify_url, VENDOR, self.callback_body, tid))
        return job

    # ---- read, list, cancel ------------------------------------------------------------------------------

    def _mine(self, job: Job, target: Target) -> bool:
        """A job of this bucket, made by the caller's account (another account's bucket is not the caller's to
        read, whatever its name)."""
        return job.vendor == VENDOR and job.owner == target.bucket and (
            job.account is None or self.engine.credentials.may_read(job.account, CURRENT_ACCOUNT.get() or ""))

    def get(self, target: Target, ids: str) -> dict[str, Any]:
        found, missing = [], []
        for job_id in [i for i in ids.split(",") if i]:
            job = self.engine.read(job_id)
            if job is None or not self._mine(job, target):
                missing.append(job_id)
            else:
                found.append(self.jobs_detail(job))
        out: dict[str, Any] = {}
        if found:
            out["JobsDetail"] = found if len(found) > 1 else found[0]
        if missing:
            out["NonExistJobIds"] = missing if len(missing) > 1 else missing[0]
        return out

    def list(self, q: dict[str, Any], target: Target) -> dict[str, Any]:
        """A page of jobs; ``q`` checked against ``cat.CI_JOB_LIST_QUERY``."""
        order, size, offset = q.get("orderByTime", "Desc"), q.get("size", 10), q.get("nextToken", 0)
        states = [s for s in q.get("states", "All").split(",") if s]
        start, end = when(q.get("startCreationTime")), when(q.get("endCreationTime"))
        queue_id = q.get("queueId") or None
        jobs = [j for j in self.engine.jobs(lambda j: self._mine(j, target))
                if (queue_id is None or j.record_as(CiJob).queue_id == queue_id)
                and ("All" in states or cat.JOB_STATES[j.phase.value] in states)
                and (start is None or j.created_at >= start) and (end is None or j.created_at <= end)]
        jobs.sort(key=lambda j: j.created_at, reverse=order == "Desc")
        page = jobs[offset:offset + size]
        details = [self.jobs_detail(j) for j in page]
        out: dict[str, Any] = {"JobsDetail": details if len(details) != 1 else details[0]}
        if not details:
            out["JobsDetail"] = None
        out["NextToken"] = str(offset + size) if offset + size < len(jobs) else None
        return out

    def cancel(self, target: Target, job_id: str, request_id: str) -> dict[str, Any]:
        job = self.engine.peek(job_id)
        if job is None or not self._mine(job, target):
            raise CiError("InvalidArgument", f"job {job_id} does not exist")
        try:
            self.engine.cancel(job)
        except JobStateError:
            raise CiError("InvalidArgument", f"job {job_id} is {cat.JOB_STATES[job.phase.value]}; only Submitted "
                                             "jobs can be canceled") from None
        return {"RequestId": request_id}

    # ---- rendering ---------------------------------------------------------------------------------------

    def jobs_detail(self, job: Job, submitted: bool = False) -> dict[str, Any]:
        """``submitted``: the answer to the create call, which always shows the job as just submitted."""
        p = job.record_as(CiJob)
        phase = Phase.QUEUED if submitted else job.phase
        running = job.phase_times.get(Phase.RUNNING.value)
        ended = job.phase_times.get(phase.value) if phase.terminal else None
        source: dict[str, Any] = {"BucketId": p.bucket}
        source.update({"Object": p.object} if p.object else {"Url": p.url})
        source["Region"] = p.region
        operation: dict[str, Any] = {"JobLevel": p.job_level, "Output": dict(sorted(p.output.to_json().items())),
                                     "SpeechRecognition": p.speech}
        if p.template_id:
            operation["TemplateId"] = p.template_id
        if p.user_data:
            operation["UserData"] = p.user_data
        code, message = "Success", None
        failure = None if submitted else self._failure(job)
        if failure is not None:
            code, message = failure
        elif phase is Phase.SUCCEEDED:
            operation["SpeechRecognitionResult"] = self._result(job)
        return {"Code": code, "CreationTime": self.ctx.time(job.created_at),
                "EndTime": self.ctx.time(ended), "Input": source, "JobId": job.id, "Message": message,
                "Operation": operation, "QueueId": p.queue_id,
                "StartTime": self.ctx.time(running if running is not None and phase is not Phase.QUEUED else None),
                "State": cat.JOB_STATES[phase.value], "Tag": cat.SPEECH_TAG}

    @staticmethod
    def _failure(job: Job) -> tuple[str, str] | None:
        if job.phase is not Phase.FAILED:
            return None
        failure = job.failure()
        if failure is None:
            return cat.DEFAULT_JOB_FAILURE
        if failure.code in cat.JOB_FAILURES:
            code, template = cat.JOB_FAILURES[failure.code]
            return code, template.format(status=failure.http_status or "")
        return failure.code, failure.message or cat.DEFAULT_JOB_FAILURE[1]

    def _result(self, job: Job) -> dict[str, Any]:
        """``SpeechRecognitionResult`` of a succeeded job (computed once: a finished job does not change)."""
        record = job.record_as(CiJob)
        if record.result is None:
            record.result = self._compute_result(job, record)
        return record.result

    def _compute_result(self, job: Job, record: CiJob) -> dict[str, Any]:
        item = job.items[0]
        assert item.audio is not None and item.transcript is not None
        speech = record.speech
        shape = record.shape
        segs = res.segments(item, shape)
        out: dict[str, Any] = {"AudioTime": f"{item.audio.duration_ms / 1000:g}",
                               "Result": res.result_text(segs).rstrip("\n")}
        if speech.get("FlashAsr") == "true":
            out["FlashResult"] = one_or_many([flash(channel_id, [s for s in segs if s.speaker == channel_id])
                                               for channel_id in sorted({s.speaker for s in segs} or {0})])
        details = [res.ci_result_detail(s, shape) for s in segs] if shape.res_text_format else []
        out["ResultDetail"] = one_or_many([{**d, "Words": one_or_many(d["Words"])} for d in details])
        return out

    def write_output(self, job: Job) -> None:
        """The result object a succeeded job writes to its output bucket (the engine calls this when a job ends)."""
        if job.vendor != VENDOR or job.phase is not Phase.SUCCEEDED:
            return
        p = job.record_as(CiJob)
        segs = res.segments(job.items[0], p.shape)
        if p.speech.get("OutputFileType") == "srt":
            body = "".join(f"{i}\n{srt(s.begin_ms)} --> {srt(s.end_ms)}\n{s.text}\n\n" for i, s in enumerate(segs, 1))
        else:
            body = res.result_text(segs)
        bucket, key = self.ctx.full(p.output.bucket), p.output.object.lstrip("/")
        self.objects.put(bucket, key, body.encode("utf-8"), "text/plain; charset=utf-8", {}, credential=job.account)
        self.ctx.outputs.delete(self.objects.blob_key(bucket, key, job.account))

    def callback_body(self, job: Job) -> tuple[bytes, str]:
        detail = self.jobs_detail(job)
        if job.phase is Phase.SUCCEEDED:
            result = detail["Operation"]["SpeechRecognitionResult"]
            key = job.record_as(CiJob).output.object
            detail["Operation"]["SpeechRecognitionResult"] = {"ObjectName": key, **result}
        body = {"EventName": "TaskFinish", "JobsDetail": detail}
        if job.record_as(CiJob).callback_format == "JSON":
            return json.dumps({"Response": body}, ensure_ascii=False).encode(), "application/json"
        return xmlio.render("Response", body), "application/xml"


def vetter(speech: dict[str, str]) -> Any:
    def vet(item: Item) -> Failure | None:
        audio = item.audio
        if audio is not None and speech.get("ChannelNum") == "2" and audio.channels != 2:
            return Failure("channel_mismatch", f"ChannelNum is 2 and the audio has {audio.channels} channel(s)")
        return None

    return vet


def flash(channel_id: int, segs: list[res.Segment]) -> dict[str, Any]:
    return {"channel_id": str(channel_id), "text": join_sentences([s.text for s in segs]),
            "sentence_list": one_or_many([
        {"text": s.text, "start_time": str(s.begin_ms), "end_time": str(s.end_ms), "speaker_id": str(s.speaker),
         "word_list": one_or_many([{"word": w.text.strip(), "start_time": str(w.begin_ms),
                                     "end_time": str(w.end_ms)} for w in s.words])} for s in segs])}


def srt(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"
