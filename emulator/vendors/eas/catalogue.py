"""PAI-EAS facts in one place: the nine PAI Model Hub speech models, their default services, the gateway's HTTP
statuses and bodies, the queue service's names and limits.

Sources: ``../shared/seeds/000_45ab7701101b51d2.txt`` (the nine models, their inputs, outputs and examples) and the
Alibaba NLS/EAS wire brief, Part B (the ``EAS`` signature, statuses, the queue service). The gateway's plain-text
bodies are not published; the texts below are the brief's suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

API_PREFIX = "/api/predict/"
DISCOVERY_PREFIX = "/api/v1/servicediscovery/upstreams/"     # the client's DIRECT endpoint type
SINK = "sink"

# ---- the models -------------------------------------------------------------------------------------------------

ASR, VECTOR, CLASSIFY = "asr", "vector", "classify"
GENERAL, ECOMMERCE = "general", "ecommerce"      # ASR character sets (see ``render.charset``)
EXPRESS, TRANSFORMER = "express", "transformer"


@dataclass(frozen=True)
class Model:
    id: str
    title: str                          # the document's name for it
    kind: str                           # asr, vector or classify
    language: str = "zh"                # what the recognizer listens for
    charset: str = GENERAL              # ASR: which characters the model can write
    architecture: str = EXPRESS         # ASR: Express (Wav2Letter) or Transformer
    relative_speed: float = 1.0         # share of the lifecycle's speed factor (Transformer is slower)
    dimension: int = 0                  # vectorization: features per vector
    labels: tuple[str, ...] = ()        # classification: the labels it predicts
    play_duration: bool = True          # whether the input's play_duration is read (vectorization: url only)
    default_service: str = ""


# Mockingjay's hidden size is 768; the document's examples elide the vector, so the dimension is the emulator's.
VECTOR_DIMENSION = 768
YES, NO = "是", "否"
SPEAKER_LABELS = ("男", "女")           # the document calls them "speaker labels" without listing them

MODELS: dict[str, Model] = {m.id: m for m in (
    Model("zh-asr-general-express", "General Chinese speech recognition model (Express)", ASR,
          default_service="asr_general_express"),
    Model("zh-asr-general-transformer", "General Chinese speech recognition model (Transformer)", ASR,
          architecture=TRANSFORMER, relative_speed=0.5, default_service="asr_general_transformer"),
    Model("zh-asr-ecommerce-express", "Chinese speech recognition model for E-commerce live streaming (Express)",
          ASR, charset=ECOMMERCE, default_service="asr_ecommerce_express"),
    Model("zh-asr-ecommerce-transformer",
          "Chinese speech recognition model for E-commerce live streaming (Transformer)", ASR, charset=ECOMMERCE,
          architecture=TRANSFORMER, relative_speed=0.5, default_service="asr_ecommerce_transformer"),
    Model("zh-speech-vectorization", "Chinese speech vectorization model", VECTOR, dimension=VECTOR_DIMENSION,
          play_duration=False, default_service="speech_vectorization_zh"),
    Model("en-speech-vectorization", "English speech vectorization model", VECTOR, language="en",
          dimension=VECTOR_DIMENSION, play_duration=False, default_service="speech_vectorization_en"),
    Model("zh-speaker-attributes", "Classification model for Chinese speakers based on speech attributes", CLASSIFY,
          labels=SPEAKER_LABELS, default_service="speaker_attributes_zh"),
    Model("zh-speech-detection", "Chinese speech detection model", CLASSIFY, labels=(YES, NO),
          default_service="speech_detection_zh"),
    Model("bgm-detection", "Background music detection model", CLASSIFY, labels=(YES, NO),
          default_service="bgm_detection"),
)}

# Script labels that override a classification model's answer (``{"labels": {"background_music": "是"}}``).
LABEL_KEYS = {"zh-speaker-attributes": "speaker_attribute", "zh-speech-detection": "chinese_speech",
              "bgm-detection": "background_music"}

# Clips: the examples' keys are 0, 20031996 and 40063991 µs, i.e. clips of 40063991/2 µs (about 20 s).
CLIP_US_TIMES_2 = 40_063_991
PHRASE_BREAKS = frozenset("，,。.！!？?；;：:、…")
SEPARATOR = ";"
UNSUPPORTED = "*"

# ---- services and tokens ------------------------------------------------------------------------------------------

DEFAULT_TOKEN = "asr-emulator-eas-token"
ASYNC_SUFFIX = "_async"          # every default service has a queue-service twin: asr_general_express_async, …
SERVICE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")

# ---- the gateway: HTTP status → plain-text body ------------------------------------------------------------------

STATUS_BODIES: dict[int, str] = {
    400: "Bad Request",
    401: "Authorization Failed",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    450: "Queue Full",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "no healthy upstream",
    504: "Gateway Timeout",
}
THROTTLE_STATUS = 429
MAX_BODY_BYTES = 1024 * 1024            # the request is a small JSON document naming the media
MAX_MEDIA_BYTES = 2 * 1024 ** 3
KEEPALIVE_S = 5.0                       # metadata.rpc.keepalive default: a longer synchronous call answers 408

# ---- processor errors: (status, message) by neutral problem kind -------------------------------------------------

BAD_REQUEST = 400
# the 400 texts for a body the processor cannot read (the emulator's wording, in the form of MEDIA_ERRORS')
INPUT_ERRORS = {"json": "invalid request: the body is not JSON ({detail})",
                "shape": 'invalid request: the body must be {{"input": {{"url": ...}}}}',
                "field": "invalid request: {detail}"}
MEDIA_ERRORS: dict[str, tuple[int, str]] = {
    "bad_url": (400, "invalid input url: {detail}"),
    "download_status": (400, "failed to download the input: {detail}"),
    "download_failed": (400, "failed to download the input: {detail}"),
    "download_timeout": (400, "failed to download the input: {detail}"),
    "too_large": (400, "the input file is too large: {detail}"),
    "length_mismatch": (400, "failed to download the input: {detail}"),
    "unsupported_format": (400, "failed to decode the input audio: {detail}"),
    "decode_error": (400, "failed to decode the input audio: {detail}"),
}

# ---- the queue service -----------------------------------------------------------------------------------------

REQUEST_ID_HEADER = "X-Eas-Queueservice-Request-Id"
PROTOBUF = "application/vnd.google.protobuf"
MAX_SINK_WAIT_S = 60.0
QUEUE_MAX_PAYLOAD = 8 * 1024 * 1024
QUEUE_APPROX_MAX_LENGTH = 1000

WATCH_TICK_S = 0.05          # a watcher looks for new results this often
WATCH_POLL_S = 0.5           # and polls a job it waits for this often (a polls:N lifecycle moves on reads)


# ---- what the requests carry, declared once (emulator.declare) -----------------------------------------------------
# A value outside its declaration is 400 with a plain-text reason, as the gateway's and the queue's other refusals.
# The processor reads {"input": {"url", "play_duration"}} (µs; a number, or a number written as text; blank for
# none); other fields are ignored, as the model's processor ignores them.
PREDICT_BODY: dict[str, Any] = {"type": "object", "required": ["input"], "properties": {
    "input": {"type": "object", "required": ["url"], "properties": {
        "url": {"type": "string", "minLength": 1, "maxLength": 8192, "pattern": "\\S",
                "examples": ["http://media.asr-emulator.test/a.wav?text=hello", "https://example.com/a.wav"]},
        "play_duration": {"type": ["number", "null"], "x-text": True, "exclusiveMinimum": 0,
                          "description": "µs of audio the model is to take (a number, or one written as text)"}}}}}
_FLAG = {"type": "string", "enum": ["true", "false"]}
_INDEX = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
_WHOLE_LIST = "^\\s*[0-9]{1,19}\\s*(,\\s*[0-9]{1,19}\\s*)*,?\\s*$"
# the queue service's reserved parameters (_name_); any other name is a tag the entry keeps
SINK_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "_timeout_": {"type": "string", "pattern": "^\\s*[0-9]{1,9}(\\.[0-9]{1,6})?\\s*(ms|s|m|h)?\\s*$",
                  "description": "how long to wait: 5s, 500ms, 1m or seconds", "examples": ["0s", "0", "100ms"]},
    "_index_": _INDEX, "_length_": {"type": "integer", "minimum": 0, "maximum": 2**31},
    "requestId": {"type": "string", "maxLength": 128}, "_auto_delete_": _FLAG, "_raw_": _FLAG, "_watch_": _FLAG,
}}
INDEXES_QUERY: dict[str, Any] = {"type": "object", "required": ["_indexes_"], "properties": {
    "_indexes_": {"type": "string", "maxLength": 65536, "pattern": _WHOLE_LIST, "examples": ["1", "1,2,3"],
                  "description": "indexes separated by commas"}}}
TRUNCATE_QUERY: dict[str, Any] = {"type": "object", "required": ["_trunc_", "_index_"], "properties": {
    "_trunc_": {"type": "string", "enum": ["true"]}, "_index_": _INDEX}}
WATCH_QUERY: dict[str, Any] = {"type": "object", "required": ["_watch_"], "properties": {
    "_watch_": {"type": "string", "enum": ["true"]}, "_index_": _INDEX,
    "_window_": {"type": "integer", "minimum": 1, "maximum": 2**31}, "_index_only_": _FLAG, "_auto_commit_": _FLAG,
}}
