"""Tencent Cloud CI speech resources: queues (state, notification), buckets opened for speech, templates."""

from __future__ import annotations

import contextlib
from typing import Any

from emulator.engine import JobStateError, Phase
from emulator.inputs import http_url, whole_number
from emulator.vendors.base import Call
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.ci_common import (
    VENDOR,
    CiError,
    CiJob,
    Context,
    HotVocabTable,
    OpenedBucket,
    Queue,
    Target,
    Template,
    one_or_many,
    speech_params,
)


class Resources:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.engine = ctx.engine

    def _queue_json(self, queue: Queue) -> dict[str, Any]:
        return {"QueueId": queue.id, "Name": queue.name, "State": queue.state, "NotifyConfig": dict(queue.notify),
                "MaxSize": str(cat.QUEUE_MAX_SIZE), "MaxConcurrent": str(cat.QUEUE_MAX_CONCURRENT),
                "CreateTime": self.ctx.time(queue.created), "UpdateTime": self.ctx.time(queue.updated),
                "BucketId": queue.bucket, "Category": cat.QUEUE_CATEGORY}

    def queues(self, q: dict[str, Any], target: Target, request_id: str) -> dict[str, Any]:
        """A page of the bucket's queues; ``q`` checked against ``cat.CI_QUEUE_LIST_QUERY``."""
        self.ctx.queue(target.bucket)
        wanted = [i for i in q.get("queueIds", "").split(",") if i]
        state = q.get("state", "All")
        number, size = q.get("pageNumber", 1), q.get("pageSize", 10)
        queues = [x for x in self.ctx.queues.values() if x.bucket == target.bucket
                  and (not wanted or x.id in wanted) and state in ("All", x.state)]
        shown = queues[(number - 1) * size:number * size]
        out: dict[str, Any] = {"TotalCount": str(len(queues)), "RequestId": request_id, "PageNumber": str(number),
                               "PageSize": str(size), "QueueList": one_or_many([self._queue_json(x) for x in shown])}
        if wanted:
            missing = [i for i in wanted if i not in self.ctx.queues]
            if missing:
                out["NonExistPIDs"] = one_or_many(missing)
        return out

    def update_queue(self, target: Target, queue_id: str, doc: dict[str, Any], request_id: str) -> dict[str, Any]:
        """A queue changed by a request checked against ``cat.CI_QUEUE_UPDATE``."""
        queue = self.ctx.queues.get(queue_id)
        if queue is None or queue.bucket != target.bucket:
            raise CiError("InvalidArgument", f"queue {queue_id} does not exist")
        name = doc.get("Name") or ""
        state = doc.get("State") or queue.state
        notify = doc.get("NotifyConfig")
        if notify is not None:
            values = {k: notify.get(k) or "" for k in ("Url", "Event", "Type", "State", "ResultFormat")}
            if not values["ResultFormat"]:
                del values["ResultFormat"]
            if values["State"] == cat.NOTIFY_STATES[0] and not http_url(values["Url"]):
                raise CiError("InvalidArgument", "NotifyConfig.Url must be an http(s) URL")
            queue.notify = {k: v for k, v in values.items()}
        queue.name = name or queue.name
        if state != queue.state:
            self._hold(queue, paused=state == cat.QUEUE_STATES[1])
        queue.state = state
        queue.updated = self.engine.clock.now()
        self.ctx.queues.put(queue.id, queue)
        return {"RequestId": request_id, "Queue": self._queue_json(queue)}

    def _hold(self, queue: Queue, paused: bool) -> None:
        """Pausing a queue pauses its jobs that have not started; activating it lets its paused jobs go on."""
        for job in self.engine.jobs(lambda j: j.vendor == VENDOR and j.record_as(CiJob).queue_id == queue.id):
            with contextlib.suppress(JobStateError):
                if paused and job.phase is Phase.QUEUED:
                    self.engine.pause(job)
                elif not paused and job.phase is Phase.PAUSED:
                    self.engine.resume(job)

    def _bucket_json(self, bucket: str, opened: OpenedBucket) -> dict[str, Any]:
        return {"Name": bucket, "CreateTime": self.ctx.time(opened.at), "Region": opened.region,
                "AliasBucketId": None, "BucketId": bucket}

    def buckets(self, q: dict[str, Any], request_id: str) -> dict[str, Any]:
        """A page of the opened buckets; ``q`` checked against ``cat.CI_BUCKET_LIST_QUERY``."""
        regions = [r for r in q.get("regions", "").split(",") if r]
        names = [n for n in q.get("bucketNames", "").split(",") if n]
        name = q.get("bucketName", "")
        number, size = q.get("pageNumber", 1), q.get("pageSize", 10)
        found = [(b, o) for b, o in self.ctx.buckets.items() if (not regions or o.region in regions)
                 and (not names or b in names) and name in b]
        found_page = found[(number - 1) * size:number * size]
        return {"TotalCount": str(len(found)), "RequestId": request_id, "PageNumber": str(number),
                "PageSize": str(size), "AsrBucketList": one_or_many([self._bucket_json(*b) for b in found_page])}

    def open_bucket(self, target: Target, request_id: str) -> dict[str, Any]:
        opened = self.ctx.buckets.get(target.bucket) or self.ctx.buckets.put(
            target.bucket, OpenedBucket(target.region, self.engine.clock.now()))
        self.ctx.queue(target.bucket)
        return {"RequestId": request_id, "AsrBucket": self._bucket_json(target.bucket, opened)}

    def close_bucket(self, target: Target, request_id: str) -> dict[str, Any]:
        self.ctx.buckets.delete(target.bucket)
        return {"RequestId": request_id, "BucketName": target.bucket}

    # ---- hot-word tables -------------------------------------------------------------------------------------
    # The calls are cos-python-sdk-v5's ci_*_asr_hot_vocabulary_table (IntelligentSpeechClient): their request
    # nodes are the SDK's (TableName, TableDescription, VocabularyWeights{Vocabulary, Weight}, VocabularyWeightStr,
    # TableId); the answer's nodes are not in the seed documents and are inferred from them (stated in the README).

    def hot_vocabulary(self, call: Call, target: Target, table_id: str, request_id: str) -> dict[str, Any]:
        """The hot-word table calls; a list's query and a create's or update's document are checked against
        ``cat.CI_HOT_LIST_QUERY``, ``cat.CI_HOT_CREATE`` and ``cat.CI_HOT_UPDATE``."""
        method = call.request.method
        if method == "GET" and not table_id:
            q = call.input["query"]
            offset, limit = q.get("offset", 0), q.get("limit", 10)
            tables = sorted((t for t in self.ctx.hot_tables.values() if t.bucket == target.bucket),
                            key=lambda t: t.created)
            return {"RequestId": request_id, "TotalCount": str(len(tables)),
                    "HotVocabularyTableList": one_or_many([self._hot_json(t) for t in tables[offset:offset + limit]])}
        if method == "POST" and not table_id:
            doc = call.input["body"]
            now = self.engine.clock.now()
            table = HotVocabTable(self.engine.new_id().replace("-", ""), target.bucket, doc["TableName"],
                                  doc.get("TableDescription") or "", _vocabulary(doc) or [], now, now)
            self.ctx.hot_tables.put(table.id, table)
            return {"RequestId": request_id, **self._hot_json(table)}
        if method == "PUT" and not table_id:
            doc = call.input["body"]
            table = self._hot_table(target, doc["TableId"])
            if doc.get("TableName") is not None:
                table.name = doc["TableName"]
            if doc.get("TableDescription") is not None:
                table.description = doc["TableDescription"]
            words = _vocabulary(doc)
            if words is not None:
                table.words = words
            table.updated = self.engine.clock.now()
            self.ctx.hot_tables.put(table.id, table)
            return {"RequestId": request_id, **self._hot_json(table)}
        if method == "GET":
            return {"RequestId": request_id, **self._hot_json(self._hot_table(target, table_id))}
        if method == "DELETE" and table_id:
            self._hot_table(target, table_id)
            self.ctx.hot_tables.delete(table_id)
            return {"RequestId": request_id, "TableId": table_id}
        raise CiError("MethodNotAllowed")

    def _hot_table(self, target: Target, table_id: str) -> HotVocabTable:
        table = self.ctx.hot_tables.get(table_id) if table_id else None
        if table is None or table.bucket != target.bucket:
            raise CiError("InvalidArgument", f"the hot vocabulary table {table_id!r} does not exist")
        return table

    def _hot_json(self, table: HotVocabTable) -> dict[str, Any]:
        return {"TableId": table.id, "TableName": table.name, "TableDescription": table.description,
                "VocabularyWeights": one_or_many([{"Vocabulary": w, "Weight": n} for w, n in table.words]),
                "CreateTime": self.ctx.time(table.created), "UpdateTime": self.ctx.time(table.updated)}

    def _template_json(self, t: Template) -> dict[str, Any]:
        return {"TemplateId": t.id, "Name": t.name, "Tag": cat.SPEECH_TAG, "SpeechRecognition": dict(t.speech),
                "BucketId": t.bucket, "Category": cat.TEMPLATE_CATEGORY, "CreateTime": self.ctx.time(t.created),
                "UpdateTime": self.ctx.time(t.updated)}

    def template(self, call: Call, target: Target, template_id: str, request_id: str) -> dict[str, Any]:
        """The template calls; a list's query and a create's or update's document are checked against
        ``cat.CI_TEMPLATE_LIST_QUERY`` and ``cat.CI_TEMPLATE_REQUEST``."""
        method = call.request.method
        if method == "GET" and not template_id:
            q = call.input["query"]
            ids = [i for i in q.get("ids", "").split(",") if i]
            name = q.get("name", "")
            number, size = q.get("pageNumber", 1), q.get("pageSize", 10)
            found = [t for t in self.ctx.templates.values() if t.bucket == target.bucket
                     and (not ids or t.id in ids) and name in t.name]
            shown = found[(number - 1) * size:number * size]
            return {"RequestId": request_id, "TotalCount": str(len(found)), "PageNumber": str(number),
                    "PageSize": str(size), "TemplateList": one_or_many([self._template_json(t) for t in shown])}
        if (method == "POST" and not template_id) or (method == "PUT" and template_id):
            doc = call.input["body"]
            name, speech = doc["Name"], speech_params(doc["SpeechRecognition"])
            now = self.engine.clock.now()
            if method == "PUT":
                template = self._own_template(target, template_id)
                template.name, template.speech, template.updated = name, speech, now
            else:
                template = Template("t1" + self.engine.new_id().replace("-", ""), target.bucket, name, speech,
                                    now, now)
            self.ctx.templates.put(template.id, template)
            return {"RequestId": request_id, "Template": self._template_json(template)}
        if method == "DELETE" and template_id:
            self._own_template(target, template_id)
            self.ctx.templates.delete(template_id)
            return {"RequestId": request_id, "TemplateId": template_id}
        raise CiError("MethodNotAllowed")

    def _own_template(self, target: Target, template_id: str) -> Template:
        template = self.ctx.templates.get(template_id)
        if template is None or template.bucket != target.bucket:
            raise CiError("InvalidArgument", f"template {template_id} does not exist")
        return template


def _vocabulary(doc: dict[str, Any]) -> list[tuple[str, str]] | None:
    """VocabularyWeightStr (base64 of ``word|weight`` lines) wins over VocabularyWeights (declared in
    ``cat.CI_HOT_CREATE``); None: neither given."""
    import base64
    import binascii

    raw = doc.get("VocabularyWeightStr") or ""
    if not raw:
        given = doc.get("VocabularyWeights")
        if given is None:
            return None
        return [(item["Vocabulary"], item["Weight"]) for item in (given if isinstance(given, list) else [given])]
    try:
        lines = base64.b64decode(raw, validate=True).decode("utf-8").splitlines()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CiError("InvalidArgument", "VocabularyWeightStr is base64 of word|weight lines") from None
    pairs = []
    for line in (ln for ln in lines if ln.strip()):
        word, sep, weight = line.rpartition("|")
        pairs.append((word.strip(), weight.strip()) if sep else ("", ""))
    for word, weight in pairs:
        number = whole_number(weight, 3)
        if not word or len(word) > cat.MAX_HOT_WORD or number is None or number not in cat.HOT_TABLE_WEIGHTS:
            raise CiError("InvalidArgument", f"each word is 1 to {cat.MAX_HOT_WORD} characters with a weight of "
                                             f"1 to 11 or 100")
    if len(pairs) > cat.MAX_HOT_TABLE_WORDS:
        raise CiError("InvalidArgument", f"a table holds at most {cat.MAX_HOT_TABLE_WORDS} words")
    return pairs
