"""Tencent Cloud facts in one place: ASR API 3.0 (``asr.tencentcloudapi.com``, 2019-06-14) and Cloud Infinite (CI)
speech jobs with their COS bucket — engines, parameters, states, error codes with messages and HTTP statuses.

Sources: ``../shared/seeds/003_280df17c02e334e4.txt`` (CI speech job request, response and nodes) and the Tencent
wire brief (``tencent.md``: both signatures, the SDKs' parsing quirks, ASR API 3.0 models and error codes). Messages
marked "emulator" are the emulator's own wording where the vendor's is not published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.declare import object_of

# ---- credentials shared by both APIs ------------------------------------------------------------------------------

DEFAULT_SECRET_ID = "AKIDASREMULATOR000000000000000000000"
DEFAULT_SECRET_KEY = "asr-emulator-tencent-secret-key"
DEFAULT_APPID = "1250000000"


@dataclass(frozen=True)
class Engine:
    rate: int
    language: str


def _engines(names: str) -> dict[str, Engine]:
    out = {}
    for name in names.split():
        rate = 8000 if name.startswith("8k") else 16000
        tail = name.split("_", 1)[1] if "_" in name else "zh"
        lang = {"en": "en", "en_large": "en", "en_edu": "en", "ca": "yue", "yue": "yue", "ja": "ja", "ko": "ko",
                "vi": "vi", "ms": "ms", "id": "id", "fil": "fil", "th": "th", "pt": "pt", "tr": "tr", "ar": "ar",
                "es": "es", "hi": "hi", "fr": "fr", "de": "de"}.get(tail, "zh")
        out[name] = Engine(rate, lang)
    return out


# =====================================================================================================================
# ASR API 3.0
# =====================================================================================================================

ASR_HOST = "asr.tencentcloudapi.com"
API_DOMAIN = "tencentcloudapi.com"          # API 3.0 hosts: <service>[.<region>].tencentcloudapi.com
ASR_SERVICE = "asr"
ASR_VERSION = "2019-06-14"
TC3_ALGORITHM = "TC3-HMAC-SHA256"
LEGACY_SIGNATURE_METHODS = {"HmacSHA1": "sha1", "HmacSHA256": "sha256"}
# the legacy signature's common parameters (in the query or form beside the action's own)
LEGACY_COMMON_PARAMS = frozenset({"Action", "Version", "SecretId", "Signature", "SignatureMethod", "Nonce",
                                  "Timestamp", "Region", "RequestClient", "Language", "Token"})
TIMESTAMP_SKEW_S = 300
ASR_ACTIONS: tuple[str, ...] = ("CreateRecTask", "DescribeTaskStatus")
# actions of the ASR client that the emulator answers with UnsupportedOperation rather than InvalidAction
ASR_OTHER_ACTIONS = frozenset({
    "SentenceRecognition", "CreateAsrVocab", "DeleteAsrVocab", "DescribeAsrVocab", "DownloadAsrVocab",
    "GetAsrVocab", "GetAsrVocabList", "SetVocabState", "UpdateAsrVocab", "CreateAsyncRecognitionTask",
    "DescribeAsyncRecognitionTasks", "CloseAsyncRecognitionTask", "CreateCustomization", "DeleteCustomization",
    "GetCustomizationList", "ModifyCustomization", "ModifyCustomizationState", "DownloadCustomization",
    "GetModelInfo", "VoicePrintEnroll", "VoicePrintVerify", "CreateAsrKeyWordLib", "GetUsageByDate",
})

ASR_ENGINES = _engines(
    "8k_zh 8k_en 8k_zh_large 16k_zh 16k_zh_large 16k_zh_en 16k_multi_lang 16k_en 16k_en_large 16k_yue 16k_zh-PY "
    "16k_zh-TW 16k_ja 16k_ko 16k_vi 16k_ms 16k_id 16k_fil 16k_th 16k_pt 16k_tr 16k_ar 16k_es 16k_hi 16k_fr 16k_de "
    "16k_zh_medical 16k_zh_dialect 16k_zh_video 16k_ca 16k_zh_edu 16k_en_edu"
)

# CreateRecTask parameters: name → (type, allowed values or None). Types are JSON types.
REC_INT_PARAMS: dict[str, tuple[int, ...] | None] = {
    "ChannelNum": (1, 2), "ResTextFormat": (0, 1, 2, 3, 4, 5), "SourceType": (0, 1), "DataLen": None,
    "SpeakerDiarization": (0, 1, 3), "SpeakerNumber": tuple(range(11)), "ReinforceHotword": (0, 1),
    "EmotionRecognition": (0, 1, 2), "EmotionalEnergy": (0, 1), "ConvertNumMode": (0, 1, 3),
    "FilterDirty": (0, 1, 2), "FilterPunc": (0, 1, 2), "FilterModal": (0, 1, 2), "SentenceMaxLength": None,
}
REC_REQUIRED = ("EngineModelType", "ChannelNum", "ResTextFormat", "SourceType")
MAX_DATA_BYTES = 5 * 1024 * 1024          # SourceType 1: the decoded audio
MAX_URL_FILE_BYTES = 1024 * 1024 * 1024   # SourceType 0: 1 GB
MAX_AUDIO_S = 5 * 3600                    # 5 hours
MAX_BODY_BYTES = 10 * 1024 * 1024
TASK_TTL_S = 24 * 3600                    # a TaskId can be queried for 24 hours
CREATE_QPS = 20
DESCRIBE_QPS = 50

# DescribeTaskStatus: Status and StatusStr by phase
TASK_STATUS = {"queued": (0, "waiting"), "paused": (0, "waiting"), "running": (1, "doing"),
               "succeeded": (2, "success"), "failed": (3, "failed"), "canceled": (3, "failed")}

# API 3.0 errors: code → message. Every error is HTTP 200 with Content-Type exactly application/json.
ASR_ERRORS: dict[str, str] = {
    "AuthFailure.InvalidAuthorization": "Authorization header is malformed or not TC3-HMAC-SHA256.",
    "AuthFailure.SecretIdNotFound": "The SecretId is not found, please ensure that your SecretId is correct.",
    "AuthFailure.SignatureExpire": "Signature expired, the timestamp is off by more than 300 seconds from the "
                                   "server time.",
    "AuthFailure.SignatureFailure": "The provided credentials could not be validated. Please check your signature "
                                    "is correct.",
    "AuthFailure.TokenFailure": "Token verification failed.",
    "InvalidAction": "The action `{action}` is not valid for this endpoint.",
    "NoSuchVersion": "The requested version `{version}` is not supported for this action.",
    "MissingParameter": "The request is missing a required parameter `{name}`.",
    "UnknownParameter": "The parameter `{name}` is not recognized.",
    "InvalidParameter": "{detail}",
    "InvalidParameterValue": "{detail}",
    "InvalidParameterValue.ErrorInvalidEngservice": "EngineModelType `{value}` is not a valid engine.",
    "InvalidParameterValue.ErrorInvalidSourcetype": "SourceType must be 0 (Url) or 1 (Data).",
    "InvalidParameterValue.ErrorInvalidUrl": "Url is missing or is not an http(s) URL.",
    "InvalidParameterValue.ErrorInvalidVoicedata": "Data is missing or is not base64.",
    "InvalidParameterValue.ErrorVoicedataTooLong": "Data is larger than 5 MB.",
    "InvalidParameter.ErrorContentlength": "The request body is too large.",
    "InvalidParameter.ErrorParsequest": "The request body is not a JSON object.",
    "FailedOperation.NoSuchTask": "Incorrect TaskId.",
    "FailedOperation.ErrorDownFile": "Failed to download audio file!",
    "FailedOperation.ErrorRecognize": "Recognition failed.",
    "FailedOperation.UserNotRegistered": "The service is not enabled for this account.",
    "UnsupportedOperation": "The emulator does not implement `{action}`.",
    "RequestLimitExceeded": "Your current request times equals to `{count}` in a second, which exceeds the "
                            "frequency limit `{limit}` for a second. Please reduce the frequency of calls.",
    "InternalError": "An internal error has occurred. Retry your request, but if the problem persists, contact us.",
    "ResourceUnavailable": "The resource is unavailable.",
    "LimitExceeded": "The quota limit has been exceeded.",
}
THROTTLE_CODE = "RequestLimitExceeded"

# A task that fails: ErrorMsg in DescribeTaskStatus and the callback's code, by neutral media-problem kind.
TASK_FAILURES: dict[str, tuple[str, int]] = {
    "bad_url": ("Failed to download audio file!", 10007),
    "download_status": ("Failed to download audio file!", 10007),
    "download_failed": ("Failed to download audio file!", 10007),
    "download_timeout": ("Failed to download audio file!", 10007),
    "length_mismatch": ("Failed to download audio file!", 10007),
    "too_large": ("Audio file is too large!", 10003),
    "too_long": ("Audio is too long!", 10003),
    "unsupported_format": ("Failed to transcode audio file!", 10000),
    "decode_error": ("Invalid audio file!", 10004),
    "channel_mismatch": ("The audio's channel count does not match ChannelNum!", 10006),
}
DEFAULT_TASK_FAILURE = ("Recognition failed!", 10001)

# =====================================================================================================================
# Cloud Infinite (CI) speech jobs and COS objects
# =====================================================================================================================

CI_ENGINES = _engines(
    "8k_zh 8k_zh_s 8k_en 16k_zh 16k_zh_video 16k_en 16k_ca 16k_ja 16k_zh_edu 16k_en_edu 16k_zh_medical 16k_th "
    "16k_zh_dialect"
)
TWO_CHANNEL_ENGINES = frozenset({"8k_zh"})              # ChannelNum 2 "for the 8k_zh engine only"
# ResTextFormat 1/2 (ResultDetail, the only place SpeakerId appears). 003 contradicts itself here: ResTextFormat 1
# is "generally used to generate subtitles and for the 16 kHz Mandarin engine only", yet SpeakerId "can distinguish
# channels" when ChannelNum is Dual — which only 8k_zh allows — and 8k_zh_s exists "for speaker diarization". Read
# strictly, neither could ever be seen. The emulator reads the restriction as "Mandarin engines only": word-level
# results are given for the 16 kHz Mandarin engines and for 8k_zh (SpeakerId = the channel, 0 or 1, with Dual) and
# 8k_zh_s (SpeakerId = the speaker); other languages' engines refuse them.
WORD_LEVEL_ENGINES = frozenset({"16k_zh", "16k_zh_video", "16k_zh_edu", "16k_zh_medical", "16k_zh_dialect",
                                "8k_zh", "8k_zh_s"})
DIARIZING_ENGINES = frozenset({"8k_zh_s"})   # "for speaker diarization": speakers told apart without asking

JOB_STATES = {"queued": "Submitted", "paused": "Pause", "running": "Running", "succeeded": "Success",
              "failed": "Failed", "canceled": "Cancel"}
LIST_STATES = ("All", "Submitted", "Running", "Success", "Failed", "Pause", "Cancel")
SPEECH_TAG = "SpeechRecognition"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
UNSET_TIME = "-"

# SpeechRecognition nodes: name → allowed values (strings, as XML carries them), and the defaults echoed back.
SPEECH_PARAMS: dict[str, tuple[str, ...] | None] = {
    "EngineModelType": None, "ChannelNum": ("1", "2"), "ResTextFormat": ("0", "1", "2"),
    "FilterDirty": ("0", "1", "2"), "FilterModal": ("0", "1", "2"), "ConvertNumMode": ("0", "1", "3"),
    "SpeakerDiarization": ("0", "1"), "SpeakerNumber": tuple(str(n) for n in range(11)),
    "FilterPunc": ("0", "1", "2"), "OutputFileType": ("txt", "srt"), "FlashAsr": ("true", "false"),
    "Format": ("wav", "pcm", "ogg-opus", "speex", "silk", "mp3", "m4a", "aac"), "FirstChannelOnly": ("0", "1"),
    "WordInfo": ("0", "1", "2"), "SentenceMaxLength": None, "HotVocabularyTableId": None,
}
# 003 marks these SpeechRecognition nodes "Required: Yes" (EngineModelType, ChannelNum, ResTextFormat) and QueueId
# on the request; CallBackMqConfig is required when CallBackType is TDMQ. (Newer documents of the /jobs API make
# QueueId optional and cos-python-sdk-v5's ci_create_asr_job defaults it to None; 003, the /asr_jobs document, is
# followed.) The defaults below are what the service echoes back for the optional nodes.
SPEECH_REQUIRED = ("EngineModelType", "ChannelNum", "ResTextFormat")
SPEECH_DEFAULTS = {"ChannelNum": "1", "ConvertNumMode": "1", "FilterDirty": "0", "FilterModal": "0",
                   "FilterPunc": "0", "OutputFileType": "txt", "ResTextFormat": "0", "SpeakerDiarization": "0",
                   "SpeakerNumber": "0"}
MAX_USER_DATA = 1024
MAX_CI_BODY_BYTES = 1024 * 1024
MAX_COS_OBJECT_BYTES = 5 * 1024 ** 3
MAX_LIST_SIZE = 100                  # jobs per list page, queues/templates/buckets per page
MAX_PART_NUMBER = 10_000             # multipart uploads
DEFAULT_QUEUE_NAME = "speech-queue"
QUEUE_CATEGORY, TEMPLATE_CATEGORY = "Speeching", "Custom"
QUEUE_STATES = ("Active", "Paused")
NOTIFY_STATES = ("On", "Off")
STORAGE_CLASS = "STANDARD"
MAX_LIST_KEYS = 1000                 # list objects, multipart uploads and parts: entries per page
QUEUE_MAX_SIZE, QUEUE_MAX_CONCURRENT = 10000, 10

# CI/COS errors: code → (HTTP status, message)
CI_ERRORS: dict[str, tuple[int, str]] = {
    "InvalidArgument": (400, "{detail}"),
    "MalformedXML": (400, "The XML you provided was not well-formed or did not validate against the schema."),
    "MissingContent": (400, "The request body is missing."),
    "InvalidContent": (400, "{detail}"),
    "InvalidHost": (400, "The Host header does not name a bucket."),
    "ResourceNotFound": (400, "The input object does not exist."),
    "ResourceDownloadFailed": (400, "Failed to download the input."),
    "AccessDenied": (403, "{detail}"),   # detail: ACCESS_DENIED unless more is known
    "SignatureDoesNotMatch": (403, "The Signature you specified does not match what we calculated."),
    "InvalidAccessKeyId": (403, "The SecretId you provided does not exist in our records."),
    "RequestTimeTooSkewed": (403, "The request time is outside the q-sign-time window."),
    "NoSuchBucket": (404, "The specified bucket does not exist."),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchResource": (404, "{detail}"),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "NotImplemented": (501, "{detail}"),
    "MetadataTooLarge": (400, "{detail}"),
    "InvalidTag": (400, "{detail}"),
    "BadRequest": (400, "{detail}"),
    "BucketNotEmpty": (409, "The bucket you tried to delete is not empty."),
    "BucketAlreadyOwnedByYou": (409, "The requested bucket has already been created by you."),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "EntityTooLarge": (400, "Your proposed upload exceeds the maximum allowed object size."),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "ServiceUnavailable": (503, "Please reduce your request rate."),
    "SlowDown": (503, "Please reduce your request rate."),
}
CI_THROTTLE_CODE = "SlowDown"
# hot-word tables (/asrhotvocabtable): the ASR 3.0 vocabularies' limits and weights, which the CI speech service
# shares (its own pages are not in the seed documents)
MAX_HOT_TABLE_WORDS, MAX_HOT_WORD, MAX_HOT_TABLE_NAME, MAX_HOT_TABLE_PAGE = 1000, 30, 255, 100
HOT_TABLE_WEIGHTS = frozenset({*range(1, 12), 100})
MAX_USER_META_BYTES = 2048                # x-cos-meta-* names and values together
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 10, 128, 256
MAX_BATCH_DELETE = 1000                   # keys in one POST ?delete
SERVICE_HOSTS = frozenset({"service.cos.myqcloud.com", "service.cos.tencentcos.cn"})   # GET Service
CI_SERVER, COS_SERVER = "tencent-ci", "tencent-cos"   # Server headers (003: "Server: tencent-ci"; COS's own)
ACCESS_DENIED = "Access Denied."

# A job that fails: its JobsDetail Code and Message, by neutral media-problem kind.
JOB_FAILURES: dict[str, tuple[str, str]] = {
    "missing_object": ("ResourceNotFound", "The input object does not exist."),
    "bad_url": ("ResourceDownloadFailed", "Failed to download the input: the URL is not valid."),
    "download_status": ("ResourceDownloadFailed", "Failed to download the input: HTTP {status}."),
    "download_failed": ("ResourceDownloadFailed", "Failed to download the input."),
    "download_timeout": ("ResourceDownloadFailed", "Failed to download the input: timed out."),
    "length_mismatch": ("ResourceDownloadFailed", "Failed to download the input: the body was cut short."),
    "too_large": ("InvalidArgument", "The input file is too large."),
    "unsupported_format": ("InvalidArgument", "The input is not audio or video the engine can read."),
    "decode_error": ("InvalidArgument", "The input audio cannot be decoded."),
    "channel_mismatch": ("InvalidArgument", "ChannelNum does not match the audio's channels."),
}
DEFAULT_JOB_FAILURE = ("InternalError", "Speech recognition failed.")


# What the emulator accepts that the services refuse (local convenience; refused with --strict), and the code they
# answer instead.
ASR_LENIENCY: dict[str, tuple[str, str]] = {
    "unknown_secret_id": ("AuthFailure.SecretIdNotFound", "a SecretId the emulator does not know, unverified"),
    "stale_timestamp": ("AuthFailure.SignatureExpire", "a signature time more than 5 minutes from now"),
    "unknown_parameter": ("UnknownParameter", "a parameter the action does not declare (ignored)"),
    "endpoint_address": ("AuthFailure.SignatureFailure", "a TC3 signature made for an IP:port endpoint (the scope's "
                                                         "service its first label, the host without its port)"),
}
CI_LENIENCY: dict[str, tuple[str, str]] = {
    "unknown_secret_id": ("InvalidAccessKeyId", "a SecretId the emulator does not know, unverified"),
    "expired_signature": ("AccessDenied", "a q-sign-time window that does not include now"),
    "unknown_queue_id": ("InvalidArgument", "a QueueId the bucket does not have, taken as one made in the console"),
    # nodes the emulator does not know — a newer document's (NotifyConfig.ResultFormat…) or a misplaced one: the
    # service's answer to them is not documented; ignored here, with this warning
    "unknown_node": ("InvalidArgument", "an XML node the emulator does not know (ignored)"),
    "unknown_bucket": ("NoSuchBucket", "a bucket never created here, taken as one made in the console"),
}

# FilterDirty (003: "Whether to filter restricted words (for the Mandarin engine only)"; 1 filters, 2 replaces them
# with *). The service's list is not published: these few stand in for it, and the settings section
# {"tencent": {"restricted_words": [...]}} adds more. Engines for other languages leave text as it is.
RESTRICTED_WORDS: tuple[str, ...] = ("他妈的", "王八蛋", "混蛋", "傻逼", "滚蛋")
MAX_RESTRICTED_WORDS = 1000

SENTENCE_MAX_LENGTH = (6, 40)     # SentenceMaxLength: 0 (off) or characters in this range (ASR API 3.0 and CI)

# ---- SentenceRecognition and hot-word vocabularies (the realtime-and-sentence brief, Part B) ----------------------

SENTENCE_ACTIONS = ("SentenceRecognition", "CreateAsrVocab", "GetAsrVocab", "GetAsrVocabList", "UpdateAsrVocab",
                    "DeleteAsrVocab", "SetVocabState", "DownloadAsrVocab")
SENTENCE_FORMATS = frozenset({"wav", "pcm", "ogg-opus", "speex", "silk", "mp3", "m4a", "aac", "amr"})
SENTENCE_MAX_MS = 60_000                  # one sentence: 60 s of audio at most
SENTENCE_MAX_BASE64 = 3 * 1024 * 1024     # and 3 MB of base64 Data
SENTENCE_QPS = 30
SENTENCE_REQUIRED = ("EngSerViceType", "SourceType", "VoiceFormat")
HOTWORD_LIST_MAX = 128
HOTWORD_WEIGHTS = frozenset({*range(1, 12), 100})
VOCAB_NAME_MAX, VOCAB_DESCRIPTION_MAX, VOCAB_WORDS_MAX = 255, 1000, 1000
VOCAB_WORD_CJK_MAX, VOCAB_WORD_LATIN_MAX = 10, 30
VOCAB_STATES = (0, 1)                     # 1: the default list, used when a request names no HotwordId
VOCAB_LIMIT = 30                          # lists per account: the quota is not documented, the emulator's choice
TENCENT_TZ_HOURS = 8                      # times are ISO 8601 in +08:00

SENTENCE_ERRORS: dict[str, str] = {
    "InvalidParameterValue.ErrorInvalidVoiceFormat": "VoiceFormat `{value}` is not a valid format.",
    "InvalidParameterValue.NoHumanVoice": "No human voice in the audio.",
    "InvalidParameterValue.InvalidVocabId": "非法的VocabId",
    "InvalidParameterValue.InvalidVocabState": "非法的词表状态",
    "InvalidParameterValue.InvalidWordWeight": "非法的热词权重",
    "InvalidParameterValue.InvalidWordWeightStr": "非法的WordWeightStr",
    "InvalidParameterValue.InvalidParameterLength": "{detail}",
    "LimitExceeded.VocabFull": "词表数量达到上限",
    "FailedOperation.ErrorDownFile": "下载音频文件失败",
}
SENTENCE_DATA_TOO_BIG = "音频数据超过3MB限制"       # ErrorVoicedataTooLong, of the Data
SENTENCE_TOO_LONG = "音频时长超过限制"             # ErrorVoicedataTooLong, of the audio
ASR_ERRORS.update(SENTENCE_ERRORS)
STREAM_QPS = 20                            # stream recognition: 20 requests a second, 20 tasks at once
STREAM_ACTIONS = ("CreateAsyncRecognitionTask", "DescribeAsyncRecognitionTasks", "CloseAsyncRecognitionTask")
ASR_ACTIONS = (*ASR_ACTIONS, *SENTENCE_ACTIONS, *STREAM_ACTIONS)
ASR_OTHER_ACTIONS = ASR_OTHER_ACTIONS - set(SENTENCE_ACTIONS) - set(STREAM_ACTIONS)

# ---- flash recognition (录音文件识别极速版; the realtime-and-sentence brief, §B.4) -----------------------------------

FLASH_HOST = "asr.cloud.tencent.com"
FLASH_PATH = "/asr/flash/v1/"             # + appid
FLASH_REQUIRED = ("secretid", "engine_type", "voice_format", "timestamp")
FLASH_INT_PARAMS: dict[str, tuple[int, ...] | None] = {
    "speaker_diarization": (0, 1), "reinforce_hotword": (0, 1), "input_sample_rate": (8000,),
    "filter_dirty": (0, 1, 2), "filter_modal": (0, 1, 2), "filter_punc": (0, 1, 2), "convert_num_mode": (0, 1),
    "word_info": (0, 1, 2, 3), "first_channel_only": (0, 1), "sentence_max_length": None, "timestamp": None,
}
FLASH_FORMATS = frozenset({"wav", "pcm", "ogg-opus", "speex", "silk", "mp3", "m4a", "aac", "amr"})
FLASH_MAX_BYTES = 100 * 1024 * 1024       # 100 MB
FLASH_MAX_MS = 2 * 3600 * 1000            # 2 hours
FLASH_SKEW_S = 180                        # the timestamp must be within 3 minutes of now (else 4002)
# code → message; every answer is HTTP 200 JSON with request_id, code and message (the HTTP status that goes with a
# non-zero code is not documented: 200, as the brief advises)
FLASH_ERRORS: dict[int, str] = {
    4001: "参数不合法", 4002: "鉴权失败", 4003: "AppID服务未开通", 4004: "资源包耗尽", 4005: "账户欠费",
    4006: "账号当前调用并发超限", 4007: "音频解码失败", 4008: "客户端数据上传超时", 4009: "客户端连接断开",
    4010: "客户端上传未知文本消息", 4011: "音频数据太大", 4012: "音频数据为空",
    5001: "服务器内部错误", 5002: "识别失败", 5003: "识别超时",
}
# what a 4001/4002 says in detail (the document gives the codes only; the wording is the emulator's, in the
# documents' language)
FLASH_DETAILS: dict[str, str] = {
    "missing": "缺少参数 {name}", "invalid": "{name} 不合法", "unknown": "未知参数 {name}",
    "expired": "签名已过期", "signature": "签名错误",
}
FLASH_LENIENCY: dict[str, tuple[str, str]] = {
    "unknown_secret_id": ("4002", "a secretid the emulator does not know, unverified"),
    "stale_timestamp": ("4002", "a timestamp more than 3 minutes from now"),
}


# =====================================================================================================================
# Realtime recognition over WebSocket (实时语音识别, asr/v2) — the tencent-realtime brief
# =====================================================================================================================

RT_HOST = "asr.cloud.tencent.com"          # signed literally, whatever Host the request carries
RT_PATH = "/asr/v2/"                       # + appid
RT_REQUIRED = ("secretid", "timestamp", "expired", "nonce", "engine_model_type", "voice_id")
# voice_format code → the stream recognizer's format (documented: 1 pcm, 4 speex, 6 silk, 8 mp3, 10 opus, 12 wav,
# 14 m4a, 16 aac; default 4). silk and m4a are timed as the compressed formats nearest them.
RT_VOICE_FORMATS = {1: "pcm", 4: "speex", 6: "speex", 8: "mp3", 10: "opus", 12: "wav", 14: "aac", 16: "aac"}
RT_DEFAULT_VOICE_FORMAT = 4
RT_INT_PARAMS: dict[str, tuple[int, ...] | None] = {
    "needvad": (0, 1), "filter_dirty": (0, 1, 2), "filter_modal": (0, 1, 2), "filter_punc": (0, 1),
    "filter_empty_result": (0, 1), "convert_num_mode": (0, 1, 3), "word_info": (0, 1, 2, 100),
    "vad_silence_time": None, "max_speak_time": None, "input_sample_rate": (8000,),
    "emotion_recognition": (0, 1, 2), "nonce": None, "timestamp": None, "expired": None,
}
RT_VAD_SILENCE_MS = (240, 2000)            # the newer page says 500-2000, the older 240-2000: the wider is taken
RT_DEFAULT_VAD_SILENCE_MS = 1000
RT_MAX_EXPIRY_S = 90 * 86400               # expired − timestamp < 90 days
RT_SKEW_S = 300                            # a timestamp this far from now is refused in strict mode (undocumented)
RT_IDLE_S = 15.0                           # no audio for 15 s → 4008
RT_MAX_FRAME_BYTES = 1024 * 1024
RT_ERRORS: dict[int, str] = {
    4000: "音频数据发送过多，1秒内最多发送3秒音频",
    4001: "参数不合法，详情见message",
    4002: "鉴权失败",
    4003: "AppID服务未开通",
    4004: "资源包耗尽",
    4005: "账户欠费停止服务",
    4006: "账号当前调用并发超限",
    4007: "音频解码失败，请检查上传音频数据格式与调用参数一致",
    4008: "后台识别服务器音频分片等待超时",
    4009: "客户端连接断开",
    4010: "客户端上传未知文本消息",
    5000: "后台识别服务器失败，请重试",
    6001: "境外调用请前往腾讯云国际站开通服务",
}
RT_LENIENCY: dict[str, tuple[str, str]] = {
    "unknown_secret_id": ("4002", "a secretid the emulator does not know, unverified"),
    "stale_timestamp": ("4002", "a timestamp more than 5 minutes from now (the service's tolerance is not "
                                "documented)"),
}
# realtime engines the API 3.0 list above does not have (the brief's newer and older revisions)
STREAM_ENGINES = frozenset({"16k_zh", "16k_en", "16k_id", "16k_fil", "16k_th", "16k_pt", "16k_tr", "16k_ar",
                            "16k_es", "16k_hi", "16k_fr", "16k_de"})   # CreateAsyncRecognitionTask's EngineType
RT_EXTRA_ENGINES = _engines("16k_zh_court 16k_en_game 8k_zh_finance 16k_wuu-SH")


# ---- every API 3.0 action's parameters, declared once (emulator.declare) -------------------------------------------
# The service refuses parameters an action does not declare (UnknownParameter, in its common error codes:
# "未知参数错误，用户多传未定义的参数会导致错误"); the emulator ignores them with the leniency warning
# ``unknown_parameter`` (a newer SDK's newer parameter should not stop local work) and refuses them in strict mode.
# Each is a JSON Schema object: the pipeline checks a request against it before the action runs (values typed from
# text for GET and the older signatures' forms), the API document shows it and the fuzzer draws from it. A wrong
# type is InvalidParameter, a wrong value InvalidParameterValue, unless the field's ``x-error`` names the service's
# own code; a missing one MissingParameter; one the action does not declare UnknownParameter (lenient: ignored).

def _field(kind: str, allowed: tuple[Any, ...], error: str | None, text: str, **bounds: int | None) -> dict[str, Any]:
    """A parameter's JSON Schema: its type, allowed values, bounds (JSON Schema keywords), the service's own error
    code for a bad value (``x-error``) and a description."""
    out: dict[str, Any] = {"type": kind, **{k: v for k, v in bounds.items() if v is not None}}
    if allowed:
        out["enum"] = list(allowed) if kind == "integer" else sorted(allowed)
    if error:
        out["x-error"] = error
    if text:
        out["description"] = text
    return out


def _int(*allowed: int, error: str | None = None, minimum: int | None = None, maximum: int | None = None,
         text: str = "") -> dict[str, Any]:
    return _field("integer", allowed, error, text, minimum=minimum, maximum=maximum)


def _str(*allowed: str, error: str | None = None, max_length: int | None = None, min_length: int | None = None,
         text: str = "") -> dict[str, Any]:
    return _field("string", allowed, error, text, maxLength=max_length, minLength=min_length)


def _action(properties: dict[str, dict[str, Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return object_of(properties, required, extra=False)


_ENGINE_ERROR = "InvalidParameterValue.ErrorInvalidEngservice"
_SOURCE = _int(0, 1, error="InvalidParameterValue.ErrorInvalidSourcetype", text="0: Url, 1: base64 Data")
_INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}
_TEXT = _str(max_length=MAX_BODY_BYTES)
_WORDS = {"type": "array", "maxItems": VOCAB_WORDS_MAX, "x-error": "InvalidParameterValue.InvalidParameterLength",
          "items": {"type": "object", "additionalProperties": False, "required": ["Word", "Weight"], "properties": {
              "Word": _str(max_length=VOCAB_WORD_LATIN_MAX, error="InvalidParameterValue.InvalidParameterLength"),
              "Weight": _int(*sorted(HOTWORD_WEIGHTS), error="InvalidParameterValue.InvalidWordWeight")}}}
_VOCAB_FIELDS = {
    "Name": _str(min_length=1, max_length=VOCAB_NAME_MAX, error="InvalidParameterValue.InvalidParameterLength"),
    "Description": _str(max_length=VOCAB_DESCRIPTION_MAX, error="InvalidParameterValue.InvalidParameterLength"),
    "WordWeights": _WORDS,
    "WordWeightStr": _str(max_length=MAX_BODY_BYTES, error="InvalidParameterValue.InvalidWordWeightStr",
                          text="base64 of word|weight lines"),
}
_TAGS = {"type": "array", "maxItems": 100, "items": _str(max_length=255)}
_VOCAB_ID = _str(max_length=64, error="InvalidParameterValue.InvalidVocabId")
_FILTERS = {"FilterDirty": _int(0, 1, 2), "FilterModal": _int(0, 1, 2), "FilterPunc": _int(0, 1, 2)}

ACTION_SCHEMAS: dict[str, dict[str, Any]] = {
    "CreateRecTask": _action({
        **{name: _int(*(allowed or ())) for name, allowed in REC_INT_PARAMS.items()
           if name not in ("DataLen", "SentenceMaxLength")},
        "SourceType": _SOURCE,
        "DataLen": _int(minimum=0, maximum=MAX_BODY_BYTES),
        "SentenceMaxLength": _int(0, *range(SENTENCE_MAX_LENGTH[0], SENTENCE_MAX_LENGTH[1] + 1),
                                  text="0 (off) or 6 to 40 characters"),
        "EngineModelType": _str(*ASR_ENGINES, error=_ENGINE_ERROR),
        "Data": _TEXT, "Url": _str(max_length=8192), "CallbackUrl": _str(max_length=8192),
        "HotwordId": _str(max_length=64), "CustomizationId": _str(max_length=64), "Extra": _str(max_length=4096),
        "HotwordList": _str(max_length=8192), "ReplaceTextId": _str(max_length=64),
        "KeyWordLibIdList": {"type": "array", "maxItems": 100, "items": _str(max_length=64)},
        "SpeakerRoles": {"type": "array", "maxItems": 100, "items": {
            "type": "object", "properties": {"RoleAudioUrl": _str(max_length=8192), "RoleName": _str(max_length=255)}}},
    }, REC_REQUIRED),
    "DescribeTaskStatus": _action({"TaskId": {"type": "integer", **_INT64}}, ("TaskId",)),
    "SentenceRecognition": _action({
        "SourceType": _SOURCE, "WordInfo": _int(0, 1, 2), **_FILTERS, "ConvertNumMode": _int(0, 1),
        "ReinforceHotword": _int(0, 1), "InputSampleRate": _int(8000), "DataLen": _int(minimum=0, maximum=2**63 - 1),
        "ProjectId": {"type": "integer", **_INT64}, "SubServiceType": {"type": "integer", **_INT64},
        "EngSerViceType": _str(*ASR_ENGINES, error=_ENGINE_ERROR),
        "VoiceFormat": _str(*SENTENCE_FORMATS, error="InvalidParameterValue.ErrorInvalidVoiceFormat"),
        "Url": _str(max_length=8192), "Data": _TEXT, "HotwordId": _str(max_length=64),
        "HotwordList": _str(max_length=8192), "CustomizationId": _str(max_length=64),
        "ReplaceTextId": _str(max_length=64), "UsrAudioKey": _str(max_length=255),
    }, SENTENCE_REQUIRED),
    "CreateAsrVocab": _action({**_VOCAB_FIELDS, "TagInfos": _TAGS}, ("Name",)),
    "GetAsrVocab": _action({"VocabId": _VOCAB_ID}, ("VocabId",)),
    "GetAsrVocabList": _action({"TagInfos": _TAGS, "Offset": _int(minimum=0, maximum=2**31),
                                "Limit": _int(minimum=0, maximum=2**31)}),
    "UpdateAsrVocab": _action({**_VOCAB_FIELDS, "VocabId": _VOCAB_ID}, ("VocabId",)),
    "DeleteAsrVocab": _action({"VocabId": _VOCAB_ID}, ("VocabId",)),
    "SetVocabState": _action({"VocabId": _VOCAB_ID, "State": _int(*VOCAB_STATES,
                                                                   error="InvalidParameterValue.InvalidVocabState")},
                             ("VocabId", "State")),
    "DownloadAsrVocab": _action({"VocabId": _VOCAB_ID}, ("VocabId",)),
    "CreateAsyncRecognitionTask": _action({
        "EngineType": _str(*STREAM_ENGINES, error=_ENGINE_ERROR), "Url": _str(min_length=1, max_length=8192),
        "CallbackUrl": _str(min_length=1, max_length=8192), "SignToken": _str(max_length=255),
        **_FILTERS, "ConvertNumMode": _int(0, 1, 3), "WordInfo": _int(0, 1, 2), "HotwordId": _str(max_length=64),
        "AudioData": {"type": "boolean"},
    }, ("EngineType", "Url", "CallbackUrl")),
    "DescribeAsyncRecognitionTasks": _action({}),
    "CloseAsyncRecognitionTask": _action({"TaskId": {"type": "integer", **_INT64}}, ("TaskId",)),
}
ACTION_PARAMS: dict[str, frozenset[str]] = {action: frozenset(schema["properties"])
                                           for action, schema in ACTION_SCHEMAS.items()}


# ---- flash and realtime: the query parameters, declared once (emulator.declare) -----------------------------------
# Both read every parameter as text from the query; a value the service would not take is 4001 (FlashError /
# RtError), a missing one 4001 too. Flash refuses a name it does not declare (4001, as before the declaration);
# realtime ignores one (the SDKs add their own: the Java SDK's ``reinforce_hotword``, newer pages' parameters), as the
# brief's captures show the service doing.
_UNIX = _int(minimum=0, maximum=10**12, text="Unix seconds")
_IDS = _str(max_length=128)
_HOTWORDS = {**_str(max_length=8192, text="词|权重 entries, comma-separated"),
             "examples": ["腾讯云|10,语音识别|5", "hello|11", "会议|100"]}

FLASH_QUERY: dict[str, Any] = object_of({
    "secretid": _str(min_length=1, max_length=128),
    "engine_type": _str(*ASR_ENGINES),
    "voice_format": _str(*FLASH_FORMATS),
    "timestamp": _UNIX,
    **{name: _int(*allowed) if allowed else _int(minimum=0, maximum=10**12)
       for name, allowed in FLASH_INT_PARAMS.items() if name not in ("timestamp", "sentence_max_length")},
    "sentence_max_length": _int(0, *range(SENTENCE_MAX_LENGTH[0], SENTENCE_MAX_LENGTH[1] + 1),
                                text="0 (off) or 6 to 40 characters"),
    "hotword_id": _IDS, "customization_id": _IDS, "replace_text_id": _IDS,
    "hotword_list": _HOTWORDS,
}, FLASH_REQUIRED, extra=False)
FLASH_APPID: dict[str, Any] = {"type": "string", "pattern": "^[0-9]{1,20}$", "description": "the account's AppID",
                               "examples": [DEFAULT_APPID]}

RT_QUERY: dict[str, Any] = object_of({
    "secretid": _str(min_length=1, max_length=128),
    "timestamp": _UNIX, "expired": _UNIX, "nonce": _int(minimum=0, maximum=10**12),
    "engine_model_type": _str(*{**ASR_ENGINES, **RT_EXTRA_ENGINES}),
    "voice_id": _str(min_length=1, max_length=128),
    "voice_format": _int(*RT_VOICE_FORMATS, text="1 pcm, 4 speex, 6 silk, 8 mp3, 10 opus, 12 wav, 14 m4a, 16 aac"),
    **{name: _int(*allowed) if allowed else _int(minimum=0, maximum=10**12)
       for name, allowed in RT_INT_PARAMS.items() if name not in ("timestamp", "expired", "nonce")},
    "noise_threshold": {"type": "number", "minimum": -2, "maximum": 2},
    "hotword_id": _IDS, "customization_id": _IDS, "replace_text_id": _IDS,
    "hotword_list": _HOTWORDS,
    "signature": _str(max_length=512),
}, RT_REQUIRED)


# ---- CI request documents and list parameters, declared once (emulator.declare) ----------------------------------
# An XML document is read with xmltodict: an element's text is a string (whitespace stripped), an empty element
# null, a repeated element a list. A value outside its declaration is InvalidArgument (a node the emulator does not
# know: ignored with the ``unknown_node`` warning, refused in strict mode); a body that is not XML (or nests elements
# more than xmlio.MAX_DEPTH deep) MalformedXML.
# What the schemas cannot say (Input.Object or Input.Url; a URL's form; a queue's, template's or table's existence)
# is checked by the handlers.

def _xml(max_length: int = 1024, *allowed: str, required: bool = False, text: str = "") -> dict[str, Any]:
    """An element's text: at most ``max_length`` characters, one of ``allowed`` if given; empty unless
    ``required``."""
    out: dict[str, Any] = {"type": "string" if required else ["string", "null"], "maxLength": max_length}
    if required:
        out["minLength"] = 1
    if allowed:
        out["enum"] = [*allowed] if required else [*allowed, None]
    if text:
        out["description"] = text
    return out


def _repeated(item: dict[str, Any], most: int) -> dict[str, Any]:
    """An element that may appear once (an object) or more (a list of them)."""
    return {**item, "type": ["object", "array"], "items": item, "maxItems": most}


def _needs_if(name: str, value: str, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {name: {"const": value}}, "required": [name]}, "then": then}


CI_SPEECH: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": list(SPEECH_REQUIRED),
    "properties": {
        **{name: _xml(64, *allowed, required=name in SPEECH_REQUIRED) if allowed else _xml(128)
           for name, allowed in SPEECH_PARAMS.items()},
        "EngineModelType": _xml(64, *CI_ENGINES, required=True),
        "SentenceMaxLength": _xml(2, "0", *(str(n) for n in range(SENTENCE_MAX_LENGTH[0], SENTENCE_MAX_LENGTH[1] + 1)),
                                  text="0 (off) or 6 to 40 characters"),
    },
    "allOf": [
        _needs_if("ChannelNum", "2", {"properties": {"EngineModelType": {
            "enum": sorted(TWO_CHANNEL_ENGINES), "x-message": "ChannelNum 2 (dual channel) is for the 8k_zh engine "
                                                              "only"}}}),
        *(_needs_if("ResTextFormat", level, {"properties": {"EngineModelType": {
            "enum": sorted(WORD_LEVEL_ENGINES), "x-message": "word-level results (ResTextFormat 1, 2) are for the "
                                                             "Mandarin engines only"}}}) for level in ("1", "2")),
    ]}
_TAG = {"type": "string", "enum": [SPEECH_TAG], "x-message": f"Tag must be {SPEECH_TAG}"}
CI_GENERIC_JOB_REQUEST: dict[str, Any] = {         # /jobs (the newer documents): QueueId optional
    "type": "object", "xml": {"name": "Request"}, "additionalProperties": False,
    "required": ["Tag", "Input", "Operation"],
    "properties": {
        "Tag": _TAG,
        "Input": {"type": "object", "additionalProperties": False, "properties": {
            "Object": _xml(1024), "Url": _xml(8192)}},
        "Operation": {"type": "object", "additionalProperties": False, "required": ["Output"], "properties": {
            "SpeechRecognition": CI_SPEECH,
            "Output": {"type": "object", "additionalProperties": False, "required": ["Region", "Bucket", "Object"],
                       "properties": {"Region": _xml(64, required=True), "Bucket": _xml(128, required=True),
                                      "Object": _xml(1024, required=True)}},
            "UserData": {**_xml(MAX_USER_DATA), "pattern": "^[ -~]*$",
                         "x-message": "UserData is up to 1024 printable ASCII characters"},
            "JobLevel": _xml(1, "0", "1", "2"),
            "TemplateId": _xml(128)}},
        "QueueId": _xml(128, text="the queue (on /jobs, the bucket's speech queue when absent)"),
        "CallBack": _xml(8192, text="an http(s) URL, or no"),
        "CallBackFormat": _xml(4, "XML", "JSON"), "CallBackType": _xml(4, "Url", "TDMQ"),
        "CallBackMqConfig": {"type": "object"},
    },
    "allOf": [_needs_if("CallBackType", "TDMQ", {"required": ["CallBackMqConfig"]})],
}
CI_JOB_REQUEST: dict[str, Any] = {**CI_GENERIC_JOB_REQUEST,      # /asr_jobs (003): QueueId required
                                  "required": ["Tag", "Input", "Operation", "QueueId"]}
CI_QUEUE_UPDATE: dict[str, Any] = {
    "type": "object", "xml": {"name": "Request"}, "additionalProperties": False, "properties": {
        "Name": _xml(128), "QueueID": _xml(128), "QueueId": _xml(128), "State": _xml(8, *QUEUE_STATES),
        "NotifyConfig": {"type": "object", "additionalProperties": False, "properties": {
            "Url": _xml(8192), "State": _xml(4, *NOTIFY_STATES), "Type": _xml(32), "Event": _xml(128),
            "ResultFormat": _xml(4, "XML", "JSON", text="the callbacks' format (the newer queue document)")}}}}
CI_TEMPLATE_REQUEST: dict[str, Any] = {
    "type": "object", "xml": {"name": "Request"}, "additionalProperties": False,
    "required": ["Name", "Tag", "SpeechRecognition"], "properties": {
        "Name": _xml(128, required=True), "Tag": _TAG, "SpeechRecognition": CI_SPEECH}}
_HOT_WORDS = _repeated({"type": "object", "additionalProperties": False, "required": ["Vocabulary", "Weight"],
                        "properties": {"Vocabulary": _xml(MAX_HOT_WORD, required=True),
                                       "Weight": _xml(3, *(str(w) for w in sorted(HOT_TABLE_WEIGHTS)), required=True)}},
                       MAX_HOT_TABLE_WORDS)
_HOT_FIELDS: dict[str, Any] = {
    "TableName": _xml(MAX_HOT_TABLE_NAME, required=True), "TableDescription": _xml(1024),
    "VocabularyWeights": _HOT_WORDS,
    "VocabularyWeightStr": _xml(256 * 1024, text="base64 of word|weight lines (wins over VocabularyWeights)")}
CI_HOT_CREATE: dict[str, Any] = {"type": "object", "xml": {"name": "Request"}, "additionalProperties": False,
                                 "required": ["TableName"], "properties": _HOT_FIELDS}
CI_HOT_UPDATE: dict[str, Any] = {"type": "object", "xml": {"name": "Request"}, "additionalProperties": False,
                                 "required": ["TableId"],
                                 "properties": {"TableId": _xml(128, required=True), **_HOT_FIELDS}}
_PAGE = {"pageNumber": {"type": "integer", "minimum": 1, "maximum": 10**9, "description": "from 1"},
         "pageSize": {"type": "integer", "minimum": 1, "maximum": MAX_LIST_SIZE}}
_LIST_OF = "a comma-separated list"
CI_JOB_LIST_QUERY: dict[str, Any] = {"type": "object", "required": ["tag"], "properties": {
    "tag": {"type": "string", "enum": [SPEECH_TAG], "x-message": f"tag must be {SPEECH_TAG}"},
    "orderByTime": {"type": "string", "enum": ["Desc", "Asc"]},
    "size": {"type": "integer", "minimum": 1, "maximum": MAX_LIST_SIZE},
    "states": {"type": "string", "maxLength": 256, "description": _LIST_OF, "examples": ["All", "Success,Failed"],
               "x-message": f"states are among {', '.join(LIST_STATES)}",
               "pattern": f"^({'|'.join(LIST_STATES)})(,({'|'.join(LIST_STATES)}))*,?$"},
    "nextToken": {"type": "integer", "minimum": 0, "maximum": 10**12,
                  "x-message": "nextToken is not one this service gave"},
    "startCreationTime": {"type": "string", "maxLength": 64, "examples": ["2023-11-14T00:00:00+0800"]},
    "endCreationTime": {"type": "string", "maxLength": 64, "examples": ["2099-01-01T00:00:00+0800"]},
    "queueId": {"type": "string", "maxLength": 128}}}
CI_QUEUE_LIST_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "queueIds": {"type": "string", "maxLength": 4096, "description": _LIST_OF},
    "state": {"type": "string", "enum": ["All", *QUEUE_STATES]}, **_PAGE}}
CI_BUCKET_LIST_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "regions": {"type": "string", "maxLength": 1024, "description": _LIST_OF},
    "bucketNames": {"type": "string", "maxLength": 4096, "description": _LIST_OF},
    "bucketName": {"type": "string", "maxLength": 128}, **_PAGE}}
CI_TEMPLATE_LIST_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "ids": {"type": "string", "maxLength": 4096, "description": _LIST_OF},
    "name": {"type": "string", "maxLength": 128}, **_PAGE}}
CI_HOT_LIST_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "offset": {"type": "integer", "minimum": 0, "maximum": 10**9},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_HOT_TABLE_PAGE}}}


# ---- COS request parameters and documents, declared once (emulator.declare) ---------------------------------------
# A query value outside its declaration is InvalidArgument; a document that does not match MalformedXML, unless the
# field's ``x-error`` names COS's own code (InvalidTag). The ACL document (PUT ?acl, or headers instead) is read by
# its handler. What the schemas cannot say (a tag key given twice, how many tags, parts that were never uploaded) is
# checked by the handlers.
COS_CANNED_ACLS = ("default", "private", "public-read", "public-read-write")        # x-cos-acl
COS_GRANT_HEADERS = {"x-cos-grant-read": "READ", "x-cos-grant-write": "WRITE", "x-cos-grant-read-acp": "READ_ACP",
                     "x-cos-grant-write-acp": "WRITE_ACP", "x-cos-grant-full-control": "FULL_CONTROL"}
COS_RESPONSE_HEADERS = ("content-type", "content-language", "expires", "cache-control", "content-disposition",
                        "content-encoding")                   # GET Object's response-<header> overrides
_KEY_TEXT = {"type": "string", "maxLength": 1024}
_URL_ENCODING = {"type": "string", "pattern": "^[uU][rR][lL]$", "description": "url: keys percent-encoded",
                 "examples": ["url"]}
COS_LIST_OBJECTS_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "prefix": _KEY_TEXT, "delimiter": {"type": "string", "maxLength": 64}, "marker": _KEY_TEXT,
    "max-keys": {"type": "integer", "minimum": 0, "maximum": 2**31, "description": f"at most {MAX_LIST_KEYS}"},
    "encoding-type": _URL_ENCODING}}
COS_LIST_UPLOADS_QUERY: dict[str, Any] = {"type": "object", "properties": {
    "prefix": _KEY_TEXT, "delimiter": {"type": "string", "maxLength": 64}, "key-marker": _KEY_TEXT,
    "upload-id-marker": {"type": "string", "maxLength": 128},
    "max-uploads": {"type": "integer", "minimum": 0, "maximum": 2**31}, "encoding-type": _URL_ENCODING}}
_UPLOAD_ID = {"type": "string", "minLength": 1, "maxLength": 128, "description": "the id Initiate answered"}
COS_PART_QUERY: dict[str, Any] = {"type": "object", "required": ["partNumber", "uploadId"], "properties": {
    "partNumber": {"type": "integer", "minimum": 1, "maximum": MAX_PART_NUMBER}, "uploadId": _UPLOAD_ID}}
COS_LIST_PARTS_QUERY: dict[str, Any] = {"type": "object", "required": ["uploadId"], "properties": {
    "uploadId": _UPLOAD_ID, "max-parts": {"type": "integer", "minimum": 0, "maximum": 2**31},
    "part-number-marker": {"type": "integer", "minimum": 0, "maximum": MAX_PART_NUMBER},
    "encoding-type": _URL_ENCODING}}
COS_UPLOAD_QUERY: dict[str, Any] = {"type": "object", "required": ["uploadId"], "properties": {"uploadId": _UPLOAD_ID}}
COS_GET_QUERY: dict[str, Any] = {"type": "object", "properties": {
    **{f"response-{h}": {"type": "string", "maxLength": 1024, "pattern": "^[ -~]*$",     # a header's value
                         "description": f"the answer's {h} header (printable ASCII: RFC 5987 for other text)",
                         "x-message": f"response-{h} is a header value: printable ASCII"}
       for h in COS_RESPONSE_HEADERS},
    "versionId": {"type": "string", "maxLength": 128}}}
COS_DELETE: dict[str, Any] = {"type": "object", "xml": {"name": "Delete"}, "additionalProperties": False,
                              "required": ["Object"], "properties": {
    "Quiet": _xml(5, "true", "false"),
    "Object": _repeated({"type": "object", "additionalProperties": False, "required": ["Key"], "properties": {
        "Key": _xml(1024, required=True), "VersionId": _xml(128)}}, MAX_BATCH_DELETE)}}
COS_TAGGING: dict[str, Any] = {"type": "object", "xml": {"name": "Tagging"}, "additionalProperties": False,
                               "properties": {"TagSet": {"type": ["object", "null"], "additionalProperties": False,
                                                         "properties": {"Tag": _repeated({
    "type": "object", "additionalProperties": False, "required": ["Key"], "x-error": "InvalidTag", "properties": {
        "Key": {**_xml(MAX_TAG_KEY, required=True), "x-error": "InvalidTag"},
        "Value": {**_xml(MAX_TAG_VALUE), "x-error": "InvalidTag"}}}, 10 * MAX_TAGS)}}}}
COS_COMPLETE: dict[str, Any] = {"type": "object", "xml": {"name": "CompleteMultipartUpload"},
                                "additionalProperties": False, "required": ["Part"], "properties": {
    "Part": _repeated({"type": "object", "additionalProperties": False, "required": ["PartNumber", "ETag"],
                       "properties": {"PartNumber": {"type": "string", "pattern": "^[0-9]{1,5}$"},
                                      "ETag": _xml(128, required=True)}}, MAX_PART_NUMBER)}}
# PUT ?acl: the document, or none (the x-cos-acl / x-cos-grant-* headers instead)
COS_ACL: dict[str, Any] = {"type": ["object", "null"], "xml": {"name": "AccessControlPolicy"}, "properties": {
    "Owner": {"type": ["object", "null"]},
    "AccessControlList": {"type": ["object", "null"], "additionalProperties": False, "properties": {"Grant": _repeated({
        "type": "object", "required": ["Grantee", "Permission"], "properties": {
            "Grantee": {"type": "object", "properties": {"ID": _xml(256), "URI": _xml(256)},
                        "anyOf": [{"required": ["ID"]}, {"required": ["URI"]}],
                        "description": "ID (qcs::cam::uin/…) or URI (the AllUsers group); xsi:type as an attribute"},
            "Permission": _xml(16, *COS_GRANT_HEADERS.values(), required=True)}},
        100)}}}}
_CANNED_ACL = {"type": "string", "enum": list(COS_CANNED_ACLS),
               "x-message": f"x-cos-acl is one of {', '.join(COS_CANNED_ACLS)}"}
_OBJECT_HEADERS: dict[str, Any] = {
    "x-cos-acl": _CANNED_ACL, "x-cos-tagging": {"type": "string", "maxLength": 4096, "description": "k1=v1&k2=v2"},
    "x-cos-storage-class": {"type": "string", "maxLength": 32}, "content-type": {"type": "string", "maxLength": 1024}}
COS_PUT_HEADERS: dict[str, Any] = {"type": "object", "properties": _OBJECT_HEADERS}
COS_COPY_HEADERS: dict[str, Any] = {"type": "object", "required": ["x-cos-copy-source"], "properties": {
    **_OBJECT_HEADERS,
    "x-cos-copy-source": {"type": "string", "minLength": 3, "maxLength": 4096,
                          "pattern": "^\\s*([a-z]+://)?[^/]+\\.[^/]+/.",
                          "x-message": "x-cos-copy-source is <bucket>.cos.<region>.myqcloud.com/<key>",
                          "examples": ["examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/input/a.wav"]},
    "x-cos-metadata-directive": {"type": "string", "enum": ["Copy", "Replaced"],
                                 "x-message": "x-cos-metadata-directive is Copy or Replaced"}}}
COS_GET_HEADERS: dict[str, Any] = {"type": "object", "properties": {
    "range": {"type": "string", "maxLength": 64, "pattern": "^\\s*bytes=([0-9]{1,18}-[0-9]{0,18}|-[0-9]{1,18})\\s*$",
              "x-message": "Range must be bytes=start-end", "examples": ["bytes=0-99", "bytes=-10"]}}}
