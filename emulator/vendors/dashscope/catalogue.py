"""DashScope facts in one place: error codes with HTTP statuses and messages, models, limits, status words.

Sources: ``../shared/seeds/001_0489775fe8757894.txt`` and ``002_7a28bcb0c0218d61.txt`` (models, limits, result
shape) and the DashScope wire brief (§2.3 error table, §3 task shapes). Entries marked "unverified" are the best
reading of the documents where the service's exact answer is not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.engine.jobs import Phase

# ---- errors: code → (HTTP status, message) -------------------------------------------------------------------

MAX_FILES_PER_UPLOAD, MAX_FILES_PAGE = 10, 100          # the Files API (dashscope.Files)
ERRORS: dict[str, tuple[int, str]] = {
    "InvalidParameter": (400, "Required parameter(s) missing or invalid, please check the request parameters."),
    "DataInspectionFailed": (400, "Input or output data may contain inappropriate content."),
    "BadRequest.EmptyInput": (400, "Required input parameter missing from request."),
    "BadRequest.EmptyParameters": (400, 'Required parameter "parameters" missing from request.'),
    "BadRequest.EmptyModel": (400, 'Required parameter "model" missing from request.'),
    "InvalidURL": (400, "Invalid URL provided in your request."),
    "Arrearage": (400, "Access denied, please make sure your account is in good standing."),
    "UnsupportedOperation": (400, "Failed to cancel the task, please confirm if the task is in PENDING status."),
    "InvalidApiKey": (401, "Invalid API-key provided."),
    "AccessDenied": (403, "Access denied."),
    "Workspace.AccessDenied": (403, "Workspace access denied."),
    "Model.AccessDenied": (403, "Model access denied."),
    "AccessDenied.Unpurchased": (403, "Access to model denied. Please make sure you are eligible for using the model."),
    "AllocationQuota.FreeTierOnly": (403, "The free tier of the model has been exhausted."),
    "ModelNotFound": (404, "Model can not be found."),
    "WorkSpaceNotFound": (404, "WorkSpace can not be found."),
    "RequestTimeOut": (408, "Request timed out, please try again later."),
    "BadRequest.TooLarge": (413, "Payload Too Large."),
    "BadRequest.InputDownloadFailed": (415, "Failed to download the input file."),
    "BadRequest.UnsupportedFileFormat": (415, "Input file format is not supported."),
    "Throttling": (429, "Requests throttling triggered."),
    "Throttling.RateQuota": (429, "Requests rate limit exceeded, please try again later."),
    "Throttling.AllocationQuota": (429, "Allocated quota exceeded, please increase your quota limit."),
    "LimitRequests": (429, "You exceeded your current requests list."),
    "PrepaidBillOverdue": (429, "The prepaid bill is overdue."),
    "PostpaidBillOverdue": (429, "The postpaid bill is overdue."),
    "CommodityNotPurchased": (429, "Commodity has not purchased yet."),
    "InternalError": (500, "An internal error has occured, please try again later or contact service support."),
    "InternalError.Algo": (500, "An internal error has occured, please try again later or contact service support."),
    "InternalError.Timeout": (500, "An internal error has occured, please try again later or contact service support."),
    "SystemError": (500, "An internal error has occured, please try again later or contact service support."),
    "ModelUnavailable": (503, "Model is unavailable, please try again later."),
    "ServiceUnavailable": (503, "Model is unavailable, please try again later."),
    "GatewayTimeout": (504, "Gateway timeout, please try again later."),
}

# Request headers the service reads (lower-case, as Starlette exposes them) and the value that switches them on.
ASYNC_HEADER = "x-dashscope-async"                       # required on submit
OSS_RESOLVE_HEADER = "x-dashscope-ossresourceresolve"     # lets submit read ``oss://`` uploads
HEADER_ON = "enable"

# Submitting without ``X-DashScope-Async: enable`` (message from the docs; code and status unverified).
SYNC_CALL = ("AccessDenied", "current user api does not support synchronous calls")
# X-DashScope-Async: "enable" in any case (its declaration; anything else is SYNC_CALL)
ASYNC_HEADER_SCHEMA: dict[str, Any] = {
    "type": "string", "examples": [HEADER_ON],
    "pattern": "^" + "".join(f"[{c.upper()}{c}]" for c in HEADER_ON) + "$"}
UNKNOWN_PARAMETERS = "Unknown parameter(s): {names}."
UNKNOWN_FIELDS = "Unknown field(s) in request: {names}."
# A URL the service cannot use at all (seen in a real 400 answer).
BAD_URL_MESSAGE = "url error, please check url！"
THROTTLE_CODE = "Throttling.RateQuota"

# ---- the object store behind result links and temporary uploads (OSS-style XML errors) ----------------------
# name → (HTTP status, Code, Message)

OSS_ERRORS: dict[str, tuple[int, str, str]] = {
    "bad_signature": (403, "SignatureDoesNotMatch", "The request signature we calculated does not match."),
    "link_expired": (403, "AccessDenied", "Request has expired."),
    "no_such_key": (404, "NoSuchKey", "The specified key does not exist."),
    "malformed_post": (400, "MalformedPOSTRequest", "The body of your POST request is not well-formed."),
    "missing_fields": (400, "InvalidArgument", "The form needs key, policy, Signature and file."),
    "bad_policy": (400, "InvalidPolicyDocument", "The policy document is not valid."),
    "policy_expired": (403, "AccessDenied", "Invalid according to Policy: Policy expired."),
    "policy_condition": (403, "AccessDenied", "Invalid according to Policy: Policy Condition failed."),
}

# ---- subtask failures: what a file's problem looks like in ``results[]`` -----------------------------------

DOWNLOAD_FAILED = ("InvalidFile.DownloadFailed", "The audio file cannot be downloaded.")
SUBTASK_ERRORS: dict[str, tuple[str, str]] = {
    "bad_url": DOWNLOAD_FAILED,
    "download_status": DOWNLOAD_FAILED,
    "download_failed": DOWNLOAD_FAILED,
    "download_timeout": DOWNLOAD_FAILED,
    "length_mismatch": DOWNLOAD_FAILED,
    "too_large": ("InvalidFile.TooLarge", "The audio file exceeds the size limit of 2 GB."),   # unverified code
    "unsupported_format": ("DECODE_ERROR", "DECODE_ERROR"),
    "decode_error": ("DECODE_ERROR", "DECODE_ERROR"),
    "no_speech": ("SUCCESS_WITH_NO_VALID_FRAGMENT", "SUCCESS_WITH_NO_VALID_FRAGMENT"),
}
# Vendor codes a test may name for a subtask (magic URL ``fail=``, fault ``fail_job``, control-plane ``fail``).
SUBTASK_MESSAGES: dict[str, str] = {
    "InvalidFile.DownloadFailed": DOWNLOAD_FAILED[1],
    "FILE_DOWNLOAD_FAILED": "FILE_DOWNLOAD_FAILED",
    "DECODE_ERROR": "DECODE_ERROR",
    "SUCCESS_WITH_NO_VALID_FRAGMENT": "SUCCESS_WITH_NO_VALID_FRAGMENT",
    "DataInspectionFailed": ERRORS["DataInspectionFailed"][1],
    "SERVER_ERROR": "SERVER_ERROR",
    "InternalError": ERRORS["InternalError"][1],
}

# ---- status words -------------------------------------------------------------------------------------------

STATUS: dict[Phase, str] = {
    Phase.QUEUED: "PENDING", Phase.RUNNING: "RUNNING", Phase.PAUSED: "SUSPENDED",
    Phase.SUCCEEDED: "SUCCEEDED", Phase.FAILED: "FAILED", Phase.CANCELED: "CANCELED",
}
UNKNOWN_STATUS = "UNKNOWN"

# ---- models -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    name: str
    languages: tuple[str, ...]
    default_language: str = "zh"
    language_hints: bool = False       # the model honours ``language_hints``
    sentence_ids: bool = True          # sentences carry ``sentence_id``
    emotion_tags: bool = False         # SenseVoice rich text: event and emotion tags, no words
    min_rate: int = 0                  # documented lowest sample rate (informational)


_MTL = ("zh", "yue", "en", "ja", "ko", "es", "id", "fr", "de", "it", "ms")
_V2 = ("zh", "en", "ja", "yue", "ko", "de", "fr", "ru")
_SENSEVOICE = ("zh", "en", "ja", "ko", "yue", "de", "fr", "ru", "es", "it", "id", "ms", "auto")
_FUN = ("zh", "en", "ja")
MODELS: dict[str, Model] = {m.name: m for m in (
    Model("paraformer-v2", _V2, language_hints=True),
    Model("paraformer-8k-v2", ("zh",), min_rate=8000),
    Model("paraformer-v1", ("zh", "en"), sentence_ids=False),
    Model("paraformer-8k-v1", ("zh",), sentence_ids=False, min_rate=8000),
    Model("paraformer-mtl-v1", _MTL, sentence_ids=False, language_hints=True, min_rate=16000),
    Model("sensevoice-v1", _SENSEVOICE, language_hints=True, sentence_ids=False, emotion_tags=True),
    Model("fun-asr", _FUN, language_hints=True),
    Model("fun-asr-2025-11-07", _FUN, language_hints=True),
    Model("fun-asr-2025-08-25", _FUN, language_hints=True),
    Model("fun-asr-mtl", _MTL, language_hints=True),
    Model("fun-asr-mtl-2025-08-25", _MTL, language_hints=True),
)}
MODEL_ALIASES = {"paraformer-MTL-v1": "paraformer-mtl-v1"}   # the v1 document spells it this way

EMOTIONS = ("HAPPY", "SAD", "ANGRY", "NEUTRAL")
# SenseVoice's four audio events (002: background music <BGM>, speech <Speech>, applause <Applause>, laughter
# <Laughter>). 002 shows only how speech is marked — "<|Speech|> text <|/Speech|>", the start and end of the event.
# The emulator marks the other three the same way, as their own start/end pair just before the sentence's speech
# ("<|Laughter|><|/Laughter|><|Speech|> text <|/Speech|>"); the document does not show where they go.
AUDIO_EVENTS = ("BGM", "Applause", "Laughter")
SPEECH_EVENT = "Speech"

# ---- request parameters (``parameters`` of a submit) ---------------------------------------------------------

# File transcription writes numbers as digits unless one of these is false. 001 and 002 do not mention inverse text
# normalisation; the emulator follows what the service returns (digits), as its NLS and Tencent dialects do.
ITN_PARAMS = ("inverse_text_normalization_enabled", "enable_itn")
BOOL_PARAMS = frozenset({
    "diarization_enabled", "disfluency_removal_enabled", "timestamp_alignment_enabled",
    "audio_event_detection_enabled", "enable_itn", "punctuation_prediction_enabled",
    "inverse_text_normalization_enabled",
})
STR_PARAMS = frozenset({"vocabulary_id", "special_word_filter", "phrase_id"})
KNOWN_PARAMS = BOOL_PARAMS | STR_PARAMS | {"channel_id", "language_hints", "speaker_count"}

# ---- limits -------------------------------------------------------------------------------------------------

MAX_FILES = 100
MAX_FILE_BYTES = 2 * 1024 ** 3
MAX_BODY_BYTES = 1024 * 1024
SPEAKER_COUNT = (2, 100)
SUBMIT_RPS = 10            # per model
QUERY_RPS = 20
RESULT_TTL_S = 24 * 3600   # result files and task records
UPLOAD_TTL_S = 48 * 3600
UPLOAD_POLICY_TTL_S = 300
LIST_MAX_PAGE_SIZE = 100
# the task list's and a task's parameters (emulator.declare)
LIST_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "page_no": {"type": "integer", "minimum": 1, "maximum": 10**9, "description": "from 1 (default 1)"},
    "page_size": {"type": "integer", "minimum": 1, "maximum": LIST_MAX_PAGE_SIZE, "description": "default 10"},
    "start_time": {"type": "string", "pattern": "^[0-9]{14}$", "description": "YYYYMMDDhhmmss, local time",
                   "examples": ["20260101000000"]},
    "end_time": {"type": "string", "pattern": "^[0-9]{14}$", "description": "YYYYMMDDhhmmss, local time",
                 "examples": ["20991231235959"]},
    "status": {"type": "string", "maxLength": 32, "description": "PENDING, RUNNING, SUCCEEDED, FAILED, …",
               "examples": ["SUCCEEDED", "pending"]},
    "model_name": {"type": "string", "maxLength": 128},
    "api_key_id": {"type": "string", "maxLength": 128},
}}
UPLOAD_POLICY_QUERY: dict[str, Any] = {"type": "object", "required": ["action", "model"], "properties": {
    "action": {"type": "string", "enum": ["getPolicy"], "x-message": "Unsupported action, expected action=getPolicy."},
    "model": {"type": "string", "minLength": 1, "maxLength": 128, "description": "the model the file is for",
              "examples": ["paraformer-v2", "qwen3-asr-flash"]},
}}
# the temporary upload: a form POST (key, policy, OSSAccessKeyId, Signature, file, …) read by the handler; the policy
# it carries (base64 JSON, the emulator's own) is checked against UPLOAD_POLICY (OSS's InvalidPolicyDocument if not)
UPLOAD_FORM: dict[str, Any] = {"type": "object", "required": ["key", "policy", "Signature", "file"], "properties": {
    "key": {"type": "string"}, "policy": {"type": "string", "contentEncoding": "base64"},
    "OSSAccessKeyId": {"type": "string"}, "Signature": {"type": "string"},
    "file": {"type": "string", "format": "binary"}}}
UPLOAD_POLICY: dict[str, Any] = {"type": "object", "required": ["expiration", "conditions"], "properties": {
    "expiration": {"type": ["integer", "string"], "pattern": "^[0-9]{1,12}$", "minimum": 0, "maximum": 10**12},
    "conditions": {"type": "array", "minItems": 1, "maxItems": 16, "prefixItems": [
        {"type": "array", "minItems": 3, "prefixItems": [{}, {}, {"type": "string", "maxLength": 1024}]}]}}}
RESULT_LINK: dict[str, Any] = {"type": "object", "properties": {       # documented; the link's signature checks them
    "Expires": {"type": "integer", "description": "Unix seconds"},
    "Signature": {"type": "string", "description": "the link's signature"},
}}
FILES_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "page_no": {"type": "integer", "minimum": 1, "maximum": 10**6, "description": "from 1 (default 1)"},
    "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_FILES_PAGE, "description": "default 10"},
}}
FILES_FORM: dict[str, Any] = {"type": "object", "required": ["files"], "properties": {   # read by the handler
    "files": {"type": "array", "maxItems": MAX_FILES_PER_UPLOAD, "items": {"type": "string", "format": "binary"}},
    "descriptions": {"type": "array", "items": {"type": "string"}},
    "purpose": {"type": "string"}}}
FILE_ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 128, "description": "the file's id",
                           "examples": ["8f2b1d0e-4c3a-4b5e-9f6d-7a8b9c0d1e2f"]}
TASK_ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 128, "description": "the task's id",
                           "examples": ["8f2b1d0e-4c3a-4b5e-9f6d-7a8b9c0d1e2f"]}
REGION = "cn-beijing"

# ---- hot-word vocabularies (VocabularyService) ---------------------------------------------------------------

VOCABULARY_MODEL = "speech-biasing"
VOCABULARY_PREFIX = r"[0-9a-z]{1,9}"       # digits and lowercase letters, fewer than 10 characters
VOCABULARY_WEIGHT = (1, 5)
VOCABULARY_TEXT_CJK_CHARS = 15             # non-ASCII texts
VOCABULARY_TEXT_TOKENS = 7                 # space-separated tokens of ASCII texts
VOCABULARY_MAX_WORDS = 500
VOCABULARY_NOT_FOUND = "The vocabulary does not exist: {id}."   # message unverified
VOCABULARY_ACTIONS = ("create_vocabulary", "list_vocabulary", "query_vocabulary", "update_vocabulary",
                      "delete_vocabulary")


def _needs(action: str, *names: str) -> dict[str, Any]:
    return {"if": {"properties": {"action": {"const": action}}, "required": ["action"]},
            "then": {"required": list(names)}}


# The customization body, declared once (emulator.declare): what each action needs, the words' shape and bounds.
# How long a hot word may be (15 CJK characters, 7 ASCII words) is checked by the handler.
CUSTOMIZATION_BODY: dict[str, Any] = {"type": "object", "required": ["input"], "properties": {
    "model": {"type": "string", "maxLength": 64, "examples": [VOCABULARY_MODEL]},
    "input": {"type": "object", "required": ["action"], "x-error": "BadRequest.EmptyInput", "properties": {
        "action": {"type": "string", "enum": list(VOCABULARY_ACTIONS)},
        "target_model": {"type": "string", "minLength": 1, "maxLength": 64, "examples": ["paraformer-v2"]},
        "prefix": {"type": "string", "pattern": f"^{VOCABULARY_PREFIX}$", "examples": ["demo", "abc123"]},
        "vocabulary": {"type": "array", "minItems": 1, "maxItems": VOCABULARY_MAX_WORDS, "items": {
            "type": "object", "required": ["text", "weight"], "properties": {
                "text": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": "\\S",
                         "examples": ["阿里巴巴", "speech"]},
                "weight": {"type": "integer", "minimum": VOCABULARY_WEIGHT[0], "maximum": VOCABULARY_WEIGHT[1]},
                "lang": {"type": "string", "maxLength": 16, "examples": ["zh", "en"]}}}},
        "vocabulary_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "page_index": {"type": "integer", "minimum": 0, "maximum": 10**6},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 100}},
        "allOf": [_needs("create_vocabulary", "target_model", "prefix", "vocabulary"),
                  _needs("update_vocabulary", "vocabulary_id", "vocabulary"),
                  _needs("query_vocabulary", "vocabulary_id"), _needs("delete_vocabulary", "vocabulary_id")]},
    "parameters": {"type": "object"},
}}

# ---- realtime recognition over WebSocket --------------------------------------------------------------------


@dataclass(frozen=True)
class RealtimeModel:
    name: str
    languages: tuple[str, ...]
    sample_rates: tuple[int, ...] | None = None    # None: any rate
    sentence_ids: bool = False
    emotions: bool = False                         # emo_tag / emo_confidence on final sentences
    translation: bool = False                      # gummy: transcription + translations payload
    end_silence_ms: int = 800
    # v2 and later (and fun-asr): semantic_punctuation_enabled, max_sentence_silence, heartbeat,
    # punctuation_prediction_enabled and inverse_text_normalization_enabled take effect; v1 ignores them
    v2_options: bool = True


REALTIME_MODELS: dict[str, RealtimeModel] = {m.name: m for m in (
    RealtimeModel("paraformer-realtime-v2", ("zh", "en", "ja", "ko", "yue")),
    RealtimeModel("paraformer-realtime-v1", ("zh",), sample_rates=(16000,), v2_options=False),
    RealtimeModel("paraformer-realtime-8k-v2", ("zh",), sample_rates=(8000,), emotions=True),
    RealtimeModel("paraformer-realtime-8k-v1", ("zh",), sample_rates=(8000,), v2_options=False),
    RealtimeModel("fun-asr-realtime", ("zh", "en", "ja"), sample_rates=(16000,), sentence_ids=True,
                  end_silence_ms=1300),
    RealtimeModel("fun-asr-realtime-2025-11-07", ("zh", "en", "ja"), sample_rates=(16000,), sentence_ids=True,
                  end_silence_ms=1300),
    RealtimeModel("fun-asr-realtime-2025-09-15", ("zh", "en"), sample_rates=(16000,), sentence_ids=True,
                  end_silence_ms=1300),
    # gummy: its own max_end_silence; no semantic sentences, no heartbeat
    RealtimeModel("gummy-realtime-v1", ("zh", "en", "ja", "ko", "yue", "de", "fr", "ru", "es", "it"),
                  sentence_ids=True, translation=True, v2_options=False),
    RealtimeModel("gummy-chat-v1", ("zh", "en", "ja", "ko", "yue", "de", "fr", "ru", "es", "it"),
                  sentence_ids=True, translation=True, v2_options=False),
)}
REALTIME_FORMATS = ("pcm", "wav", "mp3", "opus", "speex", "aac", "amr")
MAX_SENTENCE_SILENCE = (200, 6000)
REALTIME_BOOL_PARAMS = ("semantic_punctuation_enabled", "heartbeat", "punctuation_prediction_enabled",
                        "inverse_text_normalization_enabled", "disfluency_removal_enabled",
                        "multi_threshold_mode_enabled")
# Without heartbeat, a connection is dropped after 60 s even while silent audio keeps arriving (the realtime
# documents); counted here in audio time, so a test streams 60 s of silence in a moment.
SILENCE_TIMEOUT_MS = 60_000
# multi_threshold_mode_enabled keeps VAD sentences from running long: past 10 s of speech a 400 ms pause ends one
# (the documents name the effect, not the thresholds: these are the emulator's)
MULTI_THRESHOLD = (10_000, 400)
HEARTBEAT_INTERVAL_MS = 10_000             # keep-alive results through a silence: the interval is the emulator's
EMO_TAGS = ("positive", "negative", "neutral")
WS_IDLE_TIMEOUT_S = 23.0                   # no data while a task runs
# The service answers run-task after a network round trip. The 1.x SDK marks itself running only after its
# worker thread has started; a server that answers within microseconds lets the worker see "not running" and
# send finish-task with no audio (seen against the emulator: NO_VALID_AUDIO_ERROR, then InvalidTask).
TASK_STARTED_DELAY_S = 0.02
WS_CONNECTION_IDLE_S = 60.0                # no task on an open connection
SERVER_HEADER = "istio-envoy"              # the gateway's Server header (vendors brief, recorded responses)
WS_BAD_REQUEST = "InvalidParameter"        # task-failed code for any malformed realtime request
# The documents recommend frames of about 100 ms and name no maximum: the emulator's bound, so that one message
# cannot hold the server (a 1 MiB frame is 32 s of 16 kHz PCM, or 11 minutes of AMR).
WS_MAX_FRAME_BYTES = 1024 * 1024
WS_FRAME_TOO_LARGE = "An audio frame of {size} bytes is over the emulator's limit of 1 MiB; send about 100 ms a frame."
WS_FRAME_THREAD_BYTES = 64 * 1024          # frames larger than this are segmented in a worker thread
WS_SERVER_ERROR = "SERVER_ERROR"           # task-failed code of a service-side failure (a stream_fail fault's default)
# "tasks on a reused connection need different task_ids" (the realtime documents); the message is the emulator's
TASK_ID_REUSED = "The task_id has already been used on this connection; a new task needs a new task_id."
WS_ERRORS = {
    "timeout": ("CLIENT_ERROR", "request timeout after 23 seconds."),
    "no_audio": ("NO_VALID_AUDIO_ERROR", "No valid audio data was received."),
    "invalid_audio": ("NO_VALID_AUDIO_ERROR", "The audio data is invalid."),
    # users report NO_VALID_AUDIO_ERROR when an idle (silent) session times out; the message is unverified
    "silence": ("NO_VALID_AUDIO_ERROR", "No valid audio in the last 60 seconds; set heartbeat to keep a silent "
                                        "session alive."),
    "model": ("InvalidParameter", "Model not found ({model})!"),
}


# What the emulator accepts that the service refuses (local convenience; refused with --strict), and the code the
# service answers instead.
LENIENCY: dict[str, tuple[str, str]] = {
    "unregistered_key": ("InvalidApiKey", "an sk-… API key the emulator was not given"),
    # The documents (001, 002) list the parameters but do not say the service refuses others; clients built on the
    # dashscope SDK send some (enable_words, parameters.parameters.{…}). Ignored, with this warning; refused (as the
    # emulator always did) in strict mode.
    "unknown_parameter": ("InvalidParameter", "a request field or parameter the documents do not list (ignored)"),
}

# ---- request and answer shapes, for the API document ------------------------------------------------------------

_S = {"type": "string"}
TASK_ANSWER = {
    "type": "object", "required": ["request_id", "output"],
    "properties": {"request_id": _S, "output": {
        "type": "object", "required": ["task_id", "task_status"], "properties": {
        "task_id": _S, "task_status": {"enum": ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"]},
        "submit_time": _S, "scheduled_time": _S, "end_time": _S, "code": _S, "message": _S,
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "file_url": _S, "transcription_url": _S, "subtask_status": _S, "code": _S, "message": _S}}},
        "task_metrics": {"type": "object", "additionalProperties": {"type": "integer"}}}},
        "usage": {"anyOf": [{"type": "object", "properties": {"duration": {"type": "integer"}}}, {"type": "null"}]}}}
REALTIME_MESSAGES = {
    "description": "Client → server: run-task (header {action, task_id, streaming: duplex}, payload {model, task_group "
                   "audio, task asr, function recognition, parameters {format, sample_rate, …}, input {}}), binary "
                   "audio frames, finish-task. Server → client: task-started, result-generated (output.sentence "
                   "with begin_time, end_time, text, words, sentence_end), task-finished, task-failed "
                   "(error_code, error_message); the socket closes after task-failed.",
    "oneOf": [{"type": "object", "properties": {"header": {"type": "object", "properties": {
        "action": {"enum": ["run-task", "finish-task"]}, "task_id": _S}}, "payload": {"type": "object"}}}]}


# ---- Qwen3-ASR and Qwen-Audio ASR (the qwen3-asr brief) ------------------------------------------------------------

@dataclass(frozen=True)
class QwenModel:
    asr_options: bool = True        # asr_options accepted (qwen-audio-asr: "only Qwen3-ASR-Flash supports it")
    context: bool = True            # a system message biases recognition
    compatible: bool = True         # served by the OpenAI-compatible API (not in the US region)


QWEN_ASR_MODELS: dict[str, QwenModel] = {
    **{name: QwenModel() for name in ("qwen3-asr-flash", "qwen3-asr-flash-2025-09-08", "qwen3-asr-flash-2026-02-10")},
    **{name: QwenModel(compatible=False) for name in ("qwen3-asr-flash-us", "qwen3-asr-flash-2025-09-08-us")},
    **{name: QwenModel(asr_options=False, context=False) for name in ("qwen-audio-asr", "qwen-audio-asr-latest")},
}
QWEN_LANGUAGES = frozenset({"zh", "yue", "en", "ja", "de", "ko", "ru", "fr", "pt", "ar", "it", "es", "hi", "id", "th",
                            "tr", "uk", "vi", "cs", "da", "fil", "fi", "is", "ms", "no", "pl", "sv"})
QWEN_EMOTIONS = frozenset({"surprised", "neutral", "happy", "sad", "disgusted", "angry", "fearful"})
QWEN_MAX_BYTES = 10 * 1024 * 1024          # a file, or a data URI after base64
QWEN_MAX_SECONDS = 300
QWEN_MAX_CONTEXT_CHARS = 10_000            # "10000 tokens": counted here in characters
QWEN_AUDIO_TOKENS_PER_SECOND = 25          # the compatible API's prompt tokens: 25 per (started) second
# the messages the Qwen3-ASR APIs answer in their own words (the short-audio brief's error table)
QWEN_NATIVE_NO_MODEL = "Model not exist."
QWEN_BAD_MESSAGES = "Role must be user or assistant and Content length must be greater than 0"
QWEN_DOWNLOAD_FAILED = "Failed to download multimodal content"
QWEN_RPS = 2                               # 100 RPM documented; the limiter counts whole requests a second
COMPATIBLE_PREFIX = "/compatible-mode/v1"
QWEN_FILETRANS_MODELS = frozenset({"qwen3-asr-flash-filetrans", "qwen3-asr-flash-filetrans-2025-11-17"})
QWEN_FILETRANS_PARAMS = frozenset({"language", "enable_itn", "enable_words", "channel_id", "corpus"})
QWEN_FILETRANS_MAX_SECONDS = 12 * 3600     # ≤ 12 h and ≤ 2 GB
QWEN_FILETRANS_TOO_LONG = "The audio is longer than 12 hours."
QWEN_STREAM_FLAG = "stream is true or false."
QWEN_STREAM_OPTIONS = "stream_options is only allowed when stream is true."
QWEN_MODELS_LISTED_AT = 1757289600         # the models list's "created" (2025-09-08, qwen3-asr-flash's date)
SSE_HEADER = "X-DashScope-SSE"

# The Qwen3-ASR short-audio bodies, declared once (emulator.declare). A message's role or content of the wrong
# shape is answered with QWEN_BAD_MESSAGES (``x-message``), as the service words it; what the schema cannot say
# (one user message with one audio, the model's own options, the context's length) is checked by the handler.
_QWEN_ROLE = {"type": "string", "enum": ["system", "user", "assistant"], "x-message": QWEN_BAD_MESSAGES}
_QWEN_AUDIO = {"type": "string", "minLength": 1, "maxLength": 2 * QWEN_MAX_BYTES,
               "description": "an http(s) URL, a data URI (base64) or an oss:// key",
               "examples": ["http://media.asr-emulator.test/a.wav?text=你好", "https://example.com/a.mp3"]}
_QWEN_TEXT = {"type": "string", "maxLength": 4 * QWEN_MAX_CONTEXT_CHARS}
QWEN_ASR_OPTIONS: dict[str, Any] = {"type": "object", "properties": {
    "language": {"type": "string", "enum": sorted(QWEN_LANGUAGES)},
    "enable_itn": {"type": "boolean"}, "enable_lid": {"type": "boolean"}}}


def _qwen_messages(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "maxItems": 16, "x-message": QWEN_BAD_MESSAGES, "items": {
        "type": "object", "required": ["role", "content"], "x-message": QWEN_BAD_MESSAGES, "properties": {
            "role": _QWEN_ROLE,
            "content": {"type": ["string", "array"], "maxLength": 4 * QWEN_MAX_CONTEXT_CHARS, "maxItems": 16,
                        "x-message": QWEN_BAD_MESSAGES, "items": item}}}}


QWEN_NATIVE_BODY: dict[str, Any] = {"type": "object", "required": ["model", "input"], "properties": {
    "model": {"type": "string", "minLength": 1, "maxLength": 128, "x-error": "BadRequest.EmptyModel",
              "examples": ["qwen3-asr-flash", "qwen-audio-asr"]},
    "input": {"type": "object", "required": ["messages"], "x-error": "BadRequest.EmptyInput", "properties": {
        "messages": _qwen_messages({"type": "object", "properties": {"text": _QWEN_TEXT, "audio": _QWEN_AUDIO}})}},
    "parameters": {"type": "object", "properties": {"asr_options": QWEN_ASR_OPTIONS,
                                                    "incremental_output": {"type": "boolean"}}},
}}
QWEN_COMPATIBLE_BODY: dict[str, Any] = {"type": "object", "required": ["model", "messages"], "properties": {
    "model": {"type": "string", "minLength": 1, "maxLength": 128, "examples": ["qwen3-asr-flash"]},
    "messages": _qwen_messages({"type": "object", "properties": {
        "type": {"type": "string", "enum": ["text", "input_audio"]}, "text": _QWEN_TEXT,
        "input_audio": {"type": "object", "required": ["data"], "properties": {
            "data": _QWEN_AUDIO, "format": {"type": "string", "maxLength": 16}}}}}),
    "stream": {"type": "boolean", "x-message": QWEN_STREAM_FLAG},
    "stream_options": {"type": ["object", "null"], "properties": {"include_usage": {"type": "boolean"}}},
    "asr_options": QWEN_ASR_OPTIONS,
}}
QWEN_REALTIME_MODELS = frozenset({"qwen3-asr-flash-realtime", "qwen3-asr-flash-realtime-2025-10-27",
                                  "qwen3-asr-flash-realtime-2026-02-10"})
QWEN_RT_PATH = "/api-ws/v1/realtime"
# the docs disagree on the VAD defaults (session.created shows 0.5 / 200 ms, the client page 0.2 / 800 ms): the
# client page's are taken
QWEN_RT_THRESHOLD, QWEN_RT_SILENCE_MS = 0.2, 800
QWEN_RT_SILENCE_RANGE = (200, 6000)
QWEN_RT_MAX_APPEND = 15 * 1024 * 1024 * 4 // 3 + 4      # 15 MiB of audio, as base64
QWEN_RT_CLOSE_WAIT_S = 5.0
# the client events whose fields are declared (emulator.declare): a mismatch is an ``error`` event (invalid_value,
# with the field as ``param``), the session goes on. A format's or rate's message is the service's own (``x-message``).
_QWEN_EVENT_ID = {"type": "string", "maxLength": 256}
QWEN_RT_EVENTS: dict[str, dict[str, Any]] = {
    "session.update": {"type": "object", "required": ["session"], "properties": {
        "event_id": _QWEN_EVENT_ID,
        "session": {"type": "object", "properties": {
            "input_audio_format": {"type": "string", "enum": ["pcm", "pcm16", "opus"],
                                   "x-message": "Supported values are: 'pcm', 'opus'."},
            "sample_rate": {"type": "integer", "enum": [8000, 16000], "x-message": "sample_rate is 16000 or 8000."},
            "modalities": {"type": "array", "maxItems": 4, "items": {"type": "string", "maxLength": 32}},
            "input_audio_transcription": {"type": ["object", "null"], "properties": {
                "language": {"type": ["string", "null"], "enum": [*sorted(QWEN_LANGUAGES), None]},
                "corpus": {"type": ["object", "null"], "properties": {
                    "text": {"type": ["string", "null"], "maxLength": QWEN_MAX_CONTEXT_CHARS}}}}},
            "turn_detection": {"type": ["object", "null"], "properties": {
                "type": {"type": "string", "enum": ["server_vad"]},
                "threshold": {"type": "number", "minimum": -1, "maximum": 1},
                "silence_duration_ms": {"type": "integer", "minimum": QWEN_RT_SILENCE_RANGE[0],
                                        "maximum": QWEN_RT_SILENCE_RANGE[1]}}}}}}},
    "input_audio_buffer.append": {"type": "object", "required": ["audio"], "properties": {
        "event_id": _QWEN_EVENT_ID,
        "audio": {"type": "string", "maxLength": QWEN_RT_MAX_APPEND, "contentEncoding": "base64",
                  "examples": ["AAAAAAAAAAAAAAAA"]}}},
}


# The file-transcription submit, declared once: checked before the handler runs (the pipeline), documented and fuzzed.
# Qwen3-ASR file transcription shares the endpoint; its ``input`` and ``parameters`` are read by ``qwen``.
SUBMIT_BODY: dict[str, Any] = {
    "type": "object", "required": ["model", "input"], "additionalProperties": False,
    "properties": {
        "model": {"type": "string", "minLength": 1, "maxLength": 256, "x-error": "BadRequest.EmptyModel",
                  "examples": sorted(m for m in MODELS if m not in QWEN_FILETRANS_MODELS)},
        "input": {"type": "object", "x-error": "BadRequest.EmptyInput"},
        "parameters": {"type": ["object", "null"]},
        "resources": {"type": ["array", "object", "null"]}},
    "if": {"required": ["model"], "properties": {"model": {"enum": sorted(QWEN_FILETRANS_MODELS)}}},
    "then": {"properties": {
        "input": {"required": ["file_url"], "properties": {"file_url": {"type": "string", "minLength": 1,
                                                                        "maxLength": 8192}}},
        "parameters": {"additionalProperties": False, "properties": {
            "language": {"type": "string", "enum": sorted(QWEN_LANGUAGES)}, "enable_itn": {"type": "boolean"},
            "enable_words": {"type": "boolean"}, "corpus": {"type": ["object", "string", "null"]},
            "channel_id": {"type": "array", "minItems": 1, "maxItems": 64,
                           "items": {"type": "integer", "minimum": 0, "maximum": 63}}}}}},
    "else": {"properties": {
        "input": {"properties": {       # file_urls, or one file_url (which the SDK's older versions send)
            "file_urls": {"type": "array", "items": {"type": "string", "maxLength": 8192}, "minItems": 1,
                          "maxItems": MAX_FILES},
            "file_url": {"type": "string", "maxLength": 8192}}},
        "parameters": {"additionalProperties": False, "properties": {
            **{name: {"type": "boolean"} for name in sorted(BOOL_PARAMS)},
            **{name: {"type": "string", "maxLength": 1024} for name in sorted(STR_PARAMS)},
            "channel_id": {"type": "array", "minItems": 1, "maxItems": 64,
                           "items": {"type": "integer", "minimum": 0, "maximum": 63}},
            "language_hints": {"type": "array", "maxItems": 100, "items": {"type": "string", "maxLength": 64}},
            "speaker_count": {"type": "integer", "minimum": SPEAKER_COUNT[0], "maximum": SPEAKER_COUNT[1]}}}}}}

# The realtime run-task message, declared once: checked when it arrives (a mismatch is task-failed with
# InvalidParameter), documented in the API document's x-websocket-messages and fuzzed. Parameters the documents do not
# list pass unchecked: the service's own handling of them is not documented (see the note on unknown_parameter).
_SILENCE = {"type": "integer", "minimum": -(2**31), "maximum": 2**31,   # the model's own key: MAX_SENTENCE_SILENCE
            "description": "ms; a model that does not read it ignores it"}
RUN_TASK: dict[str, Any] = {
    "type": "object", "required": ["header", "payload"], "properties": {
        "header": {"type": "object", "required": ["action"], "properties": {
            "action": {"const": "run-task"}, "task_id": {"type": "string", "maxLength": 128},
            "streaming": {"type": "string", "maxLength": 32, "examples": ["duplex"]}}},
        "payload": {"type": "object", "required": ["model"], "properties": {
            "model": {"type": "string", "maxLength": 256, "examples": sorted(REALTIME_MODELS)},
            "task_group": {"type": "string", "maxLength": 64},
            "task": {"type": "string", "maxLength": 64}, "function": {"type": "string", "maxLength": 64},
            "input": {"type": ["object", "null"]},
            "parameters": {"type": ["object", "null"], "properties": {
                "format": {"type": "string", "enum": list(REALTIME_FORMATS)},
                "sample_rate": {"type": "integer", "minimum": 8000, "maximum": 192000},
                **{name: {"type": "boolean"} for name in REALTIME_BOOL_PARAMS},
                "max_sentence_silence": _SILENCE, "max_end_silence": _SILENCE,
                "language_hints": {"type": "array", "maxItems": 100, "items": {"type": "string", "maxLength": 64}},
                "source_language": {"type": ["string", "null"], "maxLength": 64},
                "vocabulary_id": {"type": "string", "maxLength": 256}}}}}}}
