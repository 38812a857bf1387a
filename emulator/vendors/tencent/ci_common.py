"""What the CI and COS modules share: the error, the request target, the typed records they keep in the store,
the context (region, APPID, time format) and the XML request helpers."""

from __future__ import annotations

import datetime
import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from emulator.engine import Engine, Records
from emulator.vendors.base import VendorError
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res

VENDOR = "tencent_ci"
# the public domain and the one the SDKs fall back to when it does not answer (cos-nodejs-sdk-v5's AutoSwitchHost),
# with the network variants the SDKs name (cos-internal: cos-python-sdk-v5's EnableInternalDomain; cosv6, cos-cdc)
HOST = re.compile(r"^(?:(?P<bucket>[a-z0-9][a-z0-9-]*)\.)?(?P<kind>ci|cos)(?:v6|-cdc|-internal)?"
                  r"\.(?P<region>[a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{0,48}-\d{5,12}$")
CI_APIS = frozenset({"asr_jobs", "jobs", "asrqueue", "template", "asrbucket", "asrhotvocabtable"})
BLOBS = "cos"


class CiError(VendorError):
    def __init__(self, code: str, detail: str = "", status: int | None = None) -> None:
        default_status, template = cat.CI_ERRORS.get(code, (400, "{detail}"))
        message = template.format(detail=detail) if "{detail}" in template else (detail or template)
        super().__init__(code, message, status or default_status)


@dataclass(frozen=True)
class Target:
    bucket: str
    region: str
    kind: str            # "ci" or "cos"
    path: str            # decoded, from "/": the object key or the CI API path
    host: str

    @property
    def api(self) -> str | None:
        first = self.path.lstrip("/").split("/", 1)[0]
        return first if first in CI_APIS else None

    @property
    def key(self) -> str:
        return self.path.lstrip("/")

    @property
    def rest(self) -> str:
        """What follows the CI API's name in the path (a job, queue or template id)."""
        parts = self.path.strip("/").split("/")
        return parts[1] if len(parts) > 1 else ""


# ---- records kept in the store ------------------------------------------------------------------------------------

@dataclass
class Queue:
    id: str
    bucket: str
    name: str
    created: float
    updated: float
    state: str = cat.QUEUE_STATES[0]
    notify: dict[str, str] = field(
        default_factory=lambda: {"Url": "", "Event": "", "Type": "", "State": cat.NOTIFY_STATES[1]})


@dataclass
class Template:
    id: str
    bucket: str
    name: str
    speech: dict[str, str]
    created: float
    updated: float


@dataclass
class HotVocabTable:
    """A speech hot-word table (``/asrhotvocabtable``): words with weights, biasing the jobs that name it."""

    id: str
    bucket: str
    name: str
    description: str
    words: list[tuple[str, str]]          # (word, weight as given)
    created: float
    updated: float


@dataclass
class OpenedBucket:
    """A bucket the speech service was opened for (``POST /asrbucket``)."""

    region: str
    at: float


@dataclass
class Upload:
    id: str
    bucket: str
    key: str
    created: float
    content_type: str
    parts: dict[int, str] = field(default_factory=dict)      # part number → ETag; the bytes are "cos-part" blobs
    meta: dict[str, str] = field(default_factory=dict)       # x-cos-meta-* and stored headers given at the start


@dataclass
class CosBucket:
    """A bucket: made by PUT Bucket, or taken as a console-made one at its first write (leniently)."""

    name: str
    region: str
    created: float


@dataclass
class PendingOutput:
    """An output object a job will write when it succeeds."""

    job_id: str


@dataclass(frozen=True)
class Output:
    bucket: str
    object: str
    region: str

    def to_json(self) -> dict[str, str]:
        return {"Bucket": self.bucket, "Object": self.object, "Region": self.region}


@dataclass
class CiJob:
    """What CI keeps of a speech job beside the engine's job: the request as the service echoes it, and the result
    once computed."""

    bucket: str
    region: str
    object: str
    url: str
    output: Output
    speech: dict[str, str]              # the SpeechRecognition parameters, defaults filled, as echoed
    shape: res.Shape
    template_id: str
    user_data: str
    job_level: str
    queue_id: str
    callback: str
    callback_format: str
    result: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "object": self.object, "url": self.url, "output": self.output.to_json(),
                "speech": self.speech, "queue_id": self.queue_id, "template_id": self.template_id}


def shape_of(speech: dict[str, str], restricted: tuple[str, ...] = ()) -> res.Shape:
    dirty = int(speech.get("FilterDirty", "0"))
    return res.Shape(res_text_format=int(speech.get("ResTextFormat", "0")),
                     filter_dirty=dirty, restricted=restricted if dirty else (),
                     filter_punc=int(speech.get("FilterPunc", "0")),
                     convert_num=int(speech.get("ConvertNumMode", "1")),
                     sentence_max_length=int(speech.get("SentenceMaxLength", "0") or 0),
                     speakers=diarizes(speech))


def diarizes(speech: dict[str, str]) -> bool:
    """Whether a job tells speakers apart: asked with SpeakerDiarization 1, or by its engine (8k_zh_s)."""
    return speech.get("SpeakerDiarization") == "1" or speech.get("EngineModelType") in cat.DIARIZING_ENGINES


def default_queue_id(bucket: str) -> str:
    """The id of the speech queue a bucket has from the start (the console's default queue)."""
    return "p" + hashlib.sha256(f"queue:{bucket}".encode()).hexdigest()[:32]


class Context:
    """The CI + COS world: configuration and the record tables, shared by jobs, resources and objects."""

    def __init__(self, engine: Engine, appid: str, region: str, utc_offset_hours: float) -> None:
        self.engine = engine
        self.appid = appid
        self.region = region
        self.utc_offset_hours = utc_offset_hours
        self.default_bucket = f"asr-emulator-{appid}"
        self.queues = Records(engine.store, "tencent_ci.queue", Queue)
        self.templates = Records(engine.store, "tencent_ci.template", Template)
        self.buckets = Records(engine.store, "tencent_ci.bucket", OpenedBucket)
        self.uploads = Records(engine.store, "tencent_ci.upload", Upload)
        self.outputs = Records(engine.store, "tencent_ci.output", PendingOutput)
        self.hot_tables = Records(engine.store, "tencent_ci.hot_table", HotVocabTable)

    def full(self, bucket: str) -> str:
        return bucket if BUCKET.match(bucket) else f"{bucket}-{self.appid}"

    def time(self, at: float | None) -> str:
        if at is None:
            return cat.UNSET_TIME
        hours = self.utc_offset_hours
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at + hours * 3600))
        sign = "+" if hours >= 0 else "-"
        minutes = int(abs(hours) * 60)
        return f"{stamp}{sign}{minutes // 60:02d}{minutes % 60:02d}"

    def queue(self, bucket: str, queue_id: str | None = None) -> Queue:
        """The bucket's speech queue: the one named (created on first use, as a console-made queue), or its
        default queue."""
        if queue_id is None:
            queue_id = default_queue_id(bucket)
        queue = self.queues.get(queue_id)
        if queue is None:
            now = self.engine.clock.now()
            queue = self.queues.put(queue_id, Queue(queue_id, bucket, cat.DEFAULT_QUEUE_NAME, now, now))
        return queue


# ---- request helpers ----------------------------------------------------------------------------------------------

def listed(value: Any) -> list[Any]:
    """A repeated XML node as a list (xmltodict gives one node alone, or None for none)."""
    return value if isinstance(value, list) else [value] if value else []


def speech_params(raw: dict[str, Any]) -> dict[str, str]:
    """The effective SpeechRecognition parameters of a node checked against ``cat.CI_SPEECH``: defaults filled,
    sorted as the service echoes them."""
    values = {k: v or "" for k, v in raw.items()}
    return dict(sorted({**cat.SPEECH_DEFAULTS, **{k: v for k, v in values.items() if v}}.items()))


def when(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, cat.TIME_FORMAT).timestamp()
    except ValueError:
        raise CiError("InvalidArgument", f"{value!r} is not a time like 2023-11-14T00:00:00+0800") from None


def one_or_many(values: list[Any]) -> Any:
    """Repeated elements: none → an empty element, one → a single element, more → repeated."""
    if not values:
        return None
    return values if len(values) > 1 else values[0]
