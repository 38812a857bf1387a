"""Alibaba Cloud NLS recording-file recognition (filetrans) facts in one place: POP gateway errors with HTTP
statuses and messages, the service's status codes, hosts and API versions, task parameters and limits.

Sources: ``../shared/seeds/004_644dae3aec26d006.txt`` (task parameters, responses, status codes, callbacks) and the
Alibaba NLS/EAS wire brief, Part A (POP request shape, signatures, gateway error table). Where the two disagree on a
default (``version``, ``max_single_segment_time``) the seed document is followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.engine.jobs import Phase

PRODUCT = "nls-filetrans"

# API versions by host; any host may use either version (proxy mode, 127.0.0.1, custom domains).
HOSTS: dict[str, str] = {
    "filetrans.cn-shanghai.aliyuncs.com": "2018-08-17",
    "filetrans.cn-beijing.aliyuncs.com": "2018-08-17",
    "filetrans.cn-shenzhen.aliyuncs.com": "2018-08-17",
    "filetrans.ap-southeast-1.aliyuncs.com": "2019-08-23",
}
VERSIONS = frozenset(HOSTS.values())
DEFAULT_HOST = "filetrans.cn-shanghai.aliyuncs.com"
ACTIONS = ("SubmitTask", "GetTaskResult")

# ---- the POP gateway: code → (HTTP status, message) ----------------------------------------------------------

SIGNATURE_MISMATCH_PREFIX = "Specified signature is not matched with our calculation. server string to sign is:"
POP_ERRORS: dict[str, tuple[int, str]] = {
    "SignatureDoesNotMatch": (400, SIGNATURE_MISMATCH_PREFIX),
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "InvalidAccessKeyId.Inactive": (400, "Specified access key is disabled."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well formatted."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "InvalidSignatureMethod": (400, "Specified signature method is not valid."),
    "InvalidSignatureVersion": (400, "Specified signature version is not valid."),
    "MissingParameter": (400, "{param} is mandatory for this action."),
    "InvalidVersion": (400, "Specified parameter Version is not valid."),
    "InvalidAction.NotFound": (404, "Specified api is not found, please check your url and method."),
    "Forbidden.RAM": (403, "User not authorized to operate on the specified resource, "
                           "or this API doesn't support RAM."),
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "Throttling.Api": (400, "Request was denied due to api flow control."),
    "Throttling": (400, "Request was denied due to request throttling."),
    "InternalError": (500, "The request processing has failed due to some unknown error, exception or failure."),
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the server."),
}
THROTTLE_CODE = "Throttling.User"
RECOMMEND = "https://api.aliyun.com/troubleshoot?q={code}&product=" + PRODUCT
SIGNATURE_METHODS = {"HMAC-SHA1": "sha1"}
ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
TIMESTAMP_SKEW_S = 15 * 60
TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ")

# ---- the service's status codes: StatusCode → StatusText (business outcomes, always HTTP 200) ----------------

SUCCESS = 21050000
RUNNING = 21050001
QUEUEING = 21050002
NO_VALID_FRAGMENT = 21050003
STATUS: dict[int, str] = {
    21050000: "SUCCESS",
    21050001: "RUNNING",
    21050002: "QUEUEING",
    21050003: "SUCCESS_WITH_NO_VALID_FRAGMENT",
    41050001: "USER_BIZDURATION_QUOTA_EXCEED",
    41050002: "FILE_DOWNLOAD_FAILED",
    41050003: "FILE_CHECK_FAILED",
    41050004: "FILE_TOO_LARGE",
    41050005: "FILE_NORMALIZE_FAILED",
    41050006: "FILE_PARSE_FAILED",
    41050007: "MKV_PARSE_FAILED",
    41050008: "UNSUPPORTED_SAMPLE_RATE",
    41050009: "UNSUPPORTED_ASR_GROUP",
    41050010: "FILE_TRANS_TASK_EXPIRED",
    41050011: "REQUEST_INVALID_FILE_URL_VALUE",
    41050012: "REQUEST_INVALID_CALLBACK_VALUE",
    41050013: "REQUEST_PARAMETER_INVALID",
    41050014: "REQUEST_EMPTY_APPKEY_VALUE",
    41050015: "REQUEST_APPKEY_UNREGISTERED",
    41050021: "RAM_CHECK_FAILED",
    41050023: "CONTENT_LENGTH_CHECK_FAILED",
    41050024: "FILE_404_NOT_FOUND",
    41050025: "FILE_403_FORBIDDEN",
    41050026: "FILE_SERVER_ERROR",
    41050103: "AUDIO_DURATION_TOO_LONG",
    51050000: "INTERNAL_ERROR",
    51050001: "VAD_FAILED",
    51050002: "RECOGNIZE_FAILED",
    51050003: "RECOGNIZE_INTERRUPT",
    51050004: "OFFER_INTERRUPT",
    51050005: "FILE_TRANS_TIMEOUT",
    51050006: "FRAGMENT_FAILED",
}
BY_TEXT = {text: code for code, text in STATUS.items()}
TASK_EXPIRED = 41050010
INVALID_FILE_URL = 41050011
INVALID_CALLBACK = 41050012
PARAMETER_INVALID = 41050013
EMPTY_APPKEY = 41050014
APPKEY_UNREGISTERED = 41050015
PHASE_STATUS = {Phase.QUEUED: QUEUEING, Phase.PAUSED: QUEUEING, Phase.RUNNING: RUNNING}

# Neutral media problems (``emulator.engine.media.MediaProblem`` kinds) → status codes.
MEDIA_CODES: dict[str, int] = {
    "bad_url": 41050011,
    "download_failed": 41050002,
    "download_timeout": 41050002,
    "length_mismatch": 41050023,
    "too_large": 41050004,
    "unsupported_format": 41050003,
    "decode_error": 41050006,
    "unsupported_sample_rate": 41050008,
    "too_many_channels": 41050003,
    "too_long": 41050103,
    "quota": 41050001,
}
DOWNLOAD_STATUS_CODES = {404: 41050024, 403: 41050025}
SERVER_ERROR_CODE = 41050026       # the file server answered 5xx
DOWNLOAD_FAILED_CODE = 41050002    # any other answer
INTERNAL_ERROR_CODE = 51050000

# ---- limits ----------------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_AUDIO_MS = 12 * 3600 * 1000
MAX_BODY_BYTES = 1024 * 1024
SUPPORTED_CONTAINERS = frozenset({"wav", "mp3"})
MAX_CHANNELS = 2
RESULT_TTL_S = 72 * 3600
QUERY_QPS = 100
QUERY_QPS_PER_TASK = 1      # the filetrans documents: one query per second for each TaskId
SUBMIT_QPS = 200

# ---- task parameters -------------------------------------------------------------------------------------------

DEFAULT_VERSION = "2.0"
V4 = "4.0"
TASK_VERSIONS = frozenset({"2.0", "3.0", "4.0"})
BOOL_PARAMS = frozenset({
    "enable_words", "enable_sample_rate_adaptive", "enable_callback", "auto_split", "enable_unify_post",
    "enable_inverse_text_normalization", "enable_disfluency", "enable_punctuation_prediction",
    "enable_semantic_sentence_detection", "enable_timestamp_alignment", "first_channel_only",
})
ADAPTIVE_SAMPLE_RATE = 16000             # 004: enable_sample_rate_adaptive down-samples files above this, to it
DEFAULT_MAX_END_SILENCE_MS = 450        # 004: max_end_silence, "Default value: 450"
INT_PARAMS = frozenset({"max_end_silence", "max_single_segment_time", "supervise_type", "speaker_num",
                        "sentence_max_length"})
STR_PARAMS = frozenset({"appkey", "file_link", "version", "callback_url", "unify_post_model_name",
                        "customization_id", "class_vocabulary_id", "vocabulary_id", "punctuation_mark",
                        "special_word_filter"})
MAX_END_SILENCE_MS = (200, 6000)
MAX_SEGMENT_MS = (10_000, 60_000)
DEFAULT_MAX_SEGMENT_MS = 20_000
SPEAKER_NUM = (2, 100)


def speaker_channel(speaker: int, speakers: int) -> int:
    """The ChannelId of the ``speaker``-th voice (0-based, in order of first appearance) under ``auto_split``.

    004 says only: "Usually, the value of the ChannelId parameter is 1 for the first speaker in the conversation";
    the split is into two tracks (0 and 1). The emulator makes "usually" always: the first speaker is 1, the second
    0, and with ``speaker_num`` above 2 (``supervise_type`` 1, which the document does not illustrate) the others
    follow in turn — 2, 3, … — so the rule reads ``(speaker + 1) % speakers``.
    """
    return (speaker + 1) % max(2, speakers)

SENTENCE_MAX_LENGTH = (4, 50)
UNIFY_POST_MODELS = frozenset({"chinese", "english"})
_URL = {"type": "string", "maxLength": 8192}
# The Task JSON (004), declared once: checked before SubmitTask runs (a wrong type or value is 41050013, a missing or
# empty appkey 41050014), documented and fuzzed. Fields the documents do not list: ``unknown_task_field``.
TASK_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["appkey"], "properties": {
        **{name: {"type": "boolean"} for name in sorted(BOOL_PARAMS)},
        **{name: {"type": "string", "maxLength": 1024} for name in sorted(STR_PARAMS)},
        "appkey": {"type": "string", "minLength": 1, "maxLength": 256, "x-error": EMPTY_APPKEY},
        "file_link": {**_URL, "x-error": INVALID_FILE_URL}, "callback_url": {**_URL, "x-error": INVALID_CALLBACK},
        "special_word_filter": {"type": "string", "maxLength": 65536},
        "version": {"type": "string", "enum": sorted(TASK_VERSIONS)},
        "unify_post_model_name": {"type": "string", "enum": sorted(UNIFY_POST_MODELS)},
        "max_end_silence": {"type": "integer", "minimum": MAX_END_SILENCE_MS[0], "maximum": MAX_END_SILENCE_MS[1]},
        "max_single_segment_time": {"type": "integer", "minimum": 5000, "maximum": 2**31},
        "supervise_type": {"type": "integer", "minimum": 0, "maximum": 2**31},
        "speaker_num": {"type": "integer", "minimum": SPEAKER_NUM[0], "maximum": SPEAKER_NUM[1]},
        "sentence_max_length": {"type": "integer", "minimum": SENTENCE_MAX_LENGTH[0],
                                "maximum": SENTENCE_MAX_LENGTH[1]},
        "speech_noise_threshold": {"type": "number", "minimum": -1, "maximum": 1},
        "valid_times": {"type": "array", "maxItems": 1000, "items": {
            "type": "object", "required": ["begin_time", "end_time", "channel_id"], "properties": {
                "begin_time": {"type": "integer", "minimum": 0, "maximum": 2**31},
                "end_time": {"type": "integer", "minimum": 0, "maximum": 2**31},
                "channel_id": {"type": "integer", "minimum": 0, "maximum": 255}}}},
    }}
# GetTaskResult's parameter (with the POP ones, checked by the signature): an id SubmitTask answered; one longer than
# an id can be is refused as InvalidParameter (the emulator's choice: the service's answer is not documented)
RESULT_SCHEMA: dict[str, Any] = {"type": "object", "required": ["TaskId"], "properties": {
    "TaskId": {"type": "string", "minLength": 1, "maxLength": 128, "examples": ["4b56f0c4-1e1d-4d2b-9f3e-0a1b2c3d4e5f"],
               "description": "the id SubmitTask answered"}}}
SUBMIT_SCHEMA: dict[str, Any] = {"type": "object", "required": ["Task"], "properties": {
    "Task": {"type": "string", "minLength": 1, "x-json": TASK_SCHEMA, "description": "the Task JSON (004)"}}}


@dataclass(frozen=True)
class AppModel:
    """The model bound to an appkey in the console: its sample rate and language."""

    sample_rate: int = 16000
    language: str = "zh"


DEFAULT_APPKEYS: dict[str, AppModel] = {
    "asr-emulator-appkey": AppModel(16000, "zh"),
    "asr-emulator-appkey-8k": AppModel(8000, "zh"),
    "asr-emulator-appkey-en": AppModel(16000, "en"),
}
# AccessKey pairs known to the emulator out of the box (local development); more come from the settings.
DEFAULT_ACCESS_KEYS: dict[str, str] = {"asr-emulator-akid": "asr-emulator-secret"}
APPKEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


# What the emulator accepts that the service refuses (local convenience; refused with --strict), and the code the
# service answers instead.
LENIENCY: dict[str, tuple[str, str]] = {
    "unknown_access_key": ("InvalidAccessKeyId.NotFound", "an AccessKeyId the emulator does not know, unverified"),
    "unregistered_appkey": ("41050015", "an appkey no project registered"),
    "ip_address_url": ("41050011/41050012", "a file_link or callback_url naming an IP address"),
    "stale_timestamp": ("InvalidTimeStamp.Expired", "a signature time more than 15 minutes from now"),
    # 004 lists the Task's fields without saying that others are refused: ignored here, with this warning
    "unknown_task_field": ("41050013", "a Task field the documents do not list (ignored)"),
}

# ---- request and answer shapes, for the API document ------------------------------------------------------------

TASK_PARAM = ("a JSON object: appkey, file_link, version (2.0, 4.0), enable_words, enable_callback, callback_url, "
              "auto_split, valid_times, max_end_silence, … (004)")
TASK_ANSWER = {
    "type": "object", "required": ["RequestId", "StatusCode", "StatusText"],
    "properties": {"RequestId": {"type": "string"}, "TaskId": {"type": "string"},
                   "StatusCode": {"type": "integer", "enum": sorted(STATUS)}, "StatusText": {"type": "string"},
                   "BizDuration": {"type": "integer"}, "SolveTime": {"type": "integer"},
                   "Result": {"type": "object", "properties": {
                       "Sentences": {"type": "array", "items": {"type": "object"}},
                       "Words": {"type": "array", "items": {"type": "object"}}}}}}

# =====================================================================================================================
# The NLS gateway: realtime recognition over WebSocket (SpeechTranscriber, SpeechRecognizer), the RESTful
# one-sentence API, and tokens (CreateToken). Source: the realtime-and-sentence brief, Part A.
# =====================================================================================================================

GATEWAY_HOSTS = (r"nls-gateway(-[a-z0-9-]+)?\.aliyuncs\.com", r"nls-gateway\.[a-z0-9-]+\.aliyuncs\.com")
META_HOST = "nls-meta.cn-shanghai.aliyuncs.com"
WS_PATH = "/ws/v1"
REST_PATH = "/stream/v1/asr"
TOKEN_VERSION = "2019-02-28"              # CreateToken over POP RPC and ACS3 (nls-cloud-meta)
TOKEN_ROA_PATH = "/pop/2018-05-18/tokens"  # the older ROA form
TOKEN_ROA_VERSION = "2018-05-18"
TOKEN_ANSWER = {"type": "object", "required": ["Token"], "properties": {
    "ErrMsg": {"type": "string"}, "NlsRequestId": {"type": "string"}, "RequestId": {"type": "string"},
    "Token": {"type": "object", "required": ["Id", "ExpireTime"], "properties": {
        "Id": {"type": "string"}, "ExpireTime": {"type": "integer"}, "UserId": {"type": "string"}}}}}
# How long a token lives is not documented (the brief, §E): the emulator's choice is 24 hours of emulator time.
TOKEN_TTL_S = 24 * 3600

OK_STATUS = 20000000
OK_TEXT = "Gateway:SUCCESS:Success."
# status → status_text (verbatim from the brief's table, §A.9; {…} filled in)
GATEWAY_STATUS: dict[str, tuple[int, str]] = {
    "token_invalid": (40000001, "Meta:ACCESS_DENIED:The token '{token}' is invalid!"),
    "token_expired": (40000001, "Gateway:ACCESS_DENIED:The token '{token}' has expired!"),
    "token_missing": (40000001, "Gateway:ACCESS_DENIED:Missing authorization header!"),
    "message_id": (40000002, "Gateway:MESSAGE_INVALID:Invalid message id '{id}'!"),
    "no_header": (40000002, "Gateway:MESSAGE_INVALID:Missing message header!"),
    "audio_too_early": (40000002, "Gateway:MESSAGE_INVALID:Invalid binary message while server state is 'ROUTING'"),
    "state": (40000002, "Gateway:MESSAGE_INVALID:Can't process message in state'{state}'!"),
    "no_appkey": (40000003, "Gateway:PARAMETER_INVALID:appkey not set"),
    "parameter": (40000003, "Gateway:PARAMETER_INVALID:{detail}"),
    "idle": (40000004, "Gateway:IDLE_TIMEOUT:Websocket session is idle for too long time, the last directive is "
                       "'{directive}'!"),
    "directive": (40010003, "Gateway:DIRECTIVE_INVALID:[{name}]"),
    "stopping": (40010005, "Gateway:TASK_STATE_ERROR:Got stop directive while task is stopping!"),
    "appkey": (40020105, "Meta:APPKEY_NOT_EXIST:Appkey not exist!"),
    "no_valid_audio": (40270002, "NO_VALID_AUDIO_ERROR"),
    "decode": (40270003, "DECODE_ERROR"),
    "sample_rate": (41010101, "UNSUPPORTED_SAMPLE_RATE"),
    "too_long": (41010104, "TOO_LONG_SPEECH"),
    "too_many": (40000005, "Gateway:TOO_MANY_REQUESTS:Too many requests!"),
    "server": (50000000, "Gateway:SERVER_ERROR:Server error!"),
}


def gateway_http_status(status: int) -> int:
    """The HTTP status of a RESTful answer with a gateway status. The documents do not give them (the brief, §E):
    403 for tokens, 429 for too many requests, 500 for server errors, 400 otherwise — the emulator's choice."""
    return 403 if status == 40000001 else 429 if status == 40000005 else 500 if status >= 50000000 else 400
NAMESPACES = {"SpeechTranscriber": ("StartTranscription", "StopTranscription"),
              "SpeechRecognizer": ("StartRecognition", "StopRecognition")}
FAILED_NAMESPACE = "Default"               # TaskFailed's namespace (never invent others: the Go SDK exits)
GATEWAY_FORMATS = frozenset({"pcm", "wav", "opus", "opu", "speex", "amr", "mp3", "aac"})
GATEWAY_RATES = (8000, 16000)
MAX_SENTENCE_SILENCE_RANGE = (200, 6000)   # ms; the older page says 200–2000
DEFAULT_SENTENCE_SILENCE_MS = 800
IDLE_TIMEOUT_S = 10.0                      # no data for this long → 40000004, then the gateway closes
ONE_SENTENCE_MAX_MS = 60_000               # SpeechRecognizer and the RESTful API: 60 s of audio at most
REST_MAX_BYTES = 2 * 1024 * 1024           # the RESTful one-sentence API: 2 MB of audio at most
WS_MAX_FRAME_BYTES = 1024 * 1024
# The directive that changes a running transcription's parameters. The vendor's SDKs disagree on its name: the
# Python (nls/speech_transcriber.py), C++ (speechTranscriberParam.cpp) and Go (st.go) SDKs send
# "ControlTranscriber", the Node.js SDK (alibabacloud-nls lib/st.js ctrl()) sends "ControlTranscription"; no
# document names it. The gateway is taken to accept both, since refusing either breaks one of the vendor's own SDKs.
# Accepted on a started transcription and otherwise ignored (its payload's changes are not emulated).
CONTROL_DIRECTIVES: dict[str, tuple[str, ...]] = {"SpeechTranscriber": ("ControlTranscriber", "ControlTranscription")}

# What the gateway accepts that the service refuses (local convenience; refused with --strict).
GATEWAY_LENIENCY: dict[str, tuple[str, str]] = {
    "unknown_token": ("40000001", "a token CreateToken did not issue (any non-empty token works locally)"),
    "unregistered_appkey": ("40020105", "an appkey no project registered"),
}


# ---- the gateway's parameters, declared once (emulator.declare) ---------------------------------------------------
# A value the gateway would not take is 40000003 PARAMETER_INVALID (TaskFailed on the WebSocket, the JSON envelope on
# the RESTful API), unless the field's ``x-error`` names a GATEWAY_STATUS kind (an unsupported sample rate is
# 41010101, a bad message id 40000002). Names not declared here are taken and ignored: the SDKs send parameters of
# newer pages (enable_semantic_sentence_detection, vocabulary_id, …) the emulator does not act on.
_FLAG = {"type": "boolean"}
_GATEWAY_FLAGS = ("enable_intermediate_result", "enable_punctuation_prediction", "enable_inverse_text_normalization",
                  "enable_words", "disfluency", "enable_voice_detection", "enable_ignore_sentence_timeout",
                  "enable_semantic_sentence_detection")
_GATEWAY_COMMON: dict[str, Any] = {
    "format": {"type": "string", "enum": sorted(GATEWAY_FORMATS), "description": "pcm (default), wav, opus, …"},
    "sample_rate": {"type": "integer", "enum": list(GATEWAY_RATES), "x-error": "sample_rate",
                    "description": "16000 (default) or 8000"},
    "vocabulary_id": {"type": "string", "maxLength": 128},
    "customization_id": {"type": "string", "maxLength": 128},
}
REST_QUERY: dict[str, Any] = {"type": "object", "required": ["appkey"], "properties": {
    "appkey": {"type": "string", "minLength": 1, "maxLength": 128, "x-error": "no_appkey",
               "description": "the project's appkey", "examples": sorted(DEFAULT_APPKEYS)},
    **_GATEWAY_COMMON,
    **{name: {**_FLAG, "description": "true or false"} for name in _GATEWAY_FLAGS},
    "token": {"type": "string", "maxLength": 512, "description": "the token, when not in X-NLS-Token"},
}}
_HEADER: dict[str, Any] = {
    "message_id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "x-error": "message_id",
                   "examples": ["0123456789abcdef0123456789abcdef"]},
    "task_id": {"type": "string", "maxLength": 128, "examples": ["fedcba9876543210fedcba9876543210"]},
    "namespace": {"type": "string", "enum": sorted(NAMESPACES)},
    "name": {"type": "string", "maxLength": 128},
    "appkey": {"type": "string", "maxLength": 128, "examples": sorted(DEFAULT_APPKEYS)},
}
START_DIRECTIVE: dict[str, Any] = {"type": "object", "required": ["header"], "properties": {
    "header": {"type": "object", "required": ["message_id", "namespace", "name"], "properties": _HEADER},
    "payload": {"type": "object", "properties": {
        **_GATEWAY_COMMON,
        "max_sentence_silence": {"type": "integer", "minimum": MAX_SENTENCE_SILENCE_RANGE[0],
                                 "maximum": MAX_SENTENCE_SILENCE_RANGE[1]},
        "max_end_silence": {"type": "integer", "minimum": 0, "maximum": 60_000},
        "max_start_silence": {"type": "integer", "minimum": 0, "maximum": 60_000},
        **{name: _FLAG for name in _GATEWAY_FLAGS},
    }},
}, "description": "StartTranscription / StartRecognition"}
