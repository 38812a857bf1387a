"""Hostile input for every vendor dialect: requests built from each API's valid shapes, then broken — wrong types,
huge and exotic numbers (``²``, 5,000 digits, NaN), lone surrogates, deep nesting, bad URLs and encodings, garbage
bodies and headers — and sent to an emulator in this process. A case fails when the emulator answers 500 (or
Tencent API 3.0's ``InternalError``), logs a traceback, or takes longer than a deadline.

``python -m fuzz`` (``make fuzz``) runs many cases per vendor and prints the figures; ``tests/test_fuzz.py`` runs a
few hundred, seeded, in ``make test``. Every case is drawn from ``random.Random(f"{seed}:{vendor}:{index}")``, so a
failure is replayed by its seed, vendor and index.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from emulator.testing.bridge import call_asgi
from emulator.vendors.tencent.catalogue import DEFAULT_SECRET_ID

MAGIC = "http://media.asr-emulator.test"
TENCENT_ID = DEFAULT_SECRET_ID        # the built-in SecretId: its signatures are verified
DEADLINE_S = 10.0


@dataclass
class Case:
    vendor: str
    method: str
    path: str
    query: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    websocket: list[Any] | None = None          # frames (str or bytes) for a WebSocket case
    sign: str | None = None                     # signed when sent (tc3, pop): the signature needs the clock
    note: str = ""                              # a declared case: the operation and the field broken

    def describe(self) -> str:
        return (f"{self.note + ' | ' if self.note else ''}{self.method} {self.path}?{self.query[:200]!r} "
                f"headers={self.headers[:8]!r} body={self.body[:300]!r}")


@dataclass
class Outcome:
    case: Case
    status: int
    body: bytes
    tracebacks: list[str]
    timed_out: bool = False
    dropped: bool = False                        # a WebSocket closed without a close frame

    @property
    def failed(self) -> bool:
        if self.timed_out or self.tracebacks or self.dropped:
            return True
        if self.status == 501 and b"<Code>NotImplemented</Code>" in self.body:
            return False                  # COS's answer to a sub-resource or operation it does not do
        if self.status >= 500:
            return True
        if self.case.note.endswith("(path)") and self.status in (403, 404):
            return False                  # a broken path parameter that no longer routes: the operation is not reached
        if self.case.note:                # a declared case: the answer is the vendor's envelope
            from fuzz.declared import ENVELOPES

            if not ENVELOPES[self.case.vendor](self.status, self.body):
                return True
        return self.case.vendor == "tencent_asr" and b'"Code": "InternalError"' in self.body


# ---- hostile values ------------------------------------------------------------------------------------------------

WEIRD_TEXT = ["", " ", "²", "１２", "٣", "\u0000", "\ud800", "\udfff", "a\ud83dz", "😀" * 3, "x" * 5000,
              "9" * 5000, "-1", "0", "1e309", "nan", "NaN", "inf", "-inf", "0x10", "1_000", " 7 ", "\t", "\n",
              "http://[", "http://[::1", "ftp://x/y", "http://", "//x", "../../etc/passwd", "%", "%zz", "%00",
              "<x>", "&lt;", "]]>", "'\"", "{", "true", "null", "中文", "\u202e", "\uffff", "a" * 200,
              "http://127.0.0.1/sample.wav", "http://localhost:1/x.wav", "oss://", "cos://b/k", "2026-13-45",
              "20260101999999", "bytes=", "bytes=9999999999999999999999-", "bytes=-0", "bytes=5-2"]


def weird_text(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(WEIRD_TEXT)
    return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000), rng.randrange(0xD800, 0xE000),
                                   rng.randrange(0x10000, 0x10FFFF)])) for _ in range(rng.randrange(1, 12)))


def weird_number(rng: random.Random) -> Any:
    return rng.choice([0, -1, 1, 2**31, 2**63, -(2**63), 10**400, 1.5, -0.0, 1e308, 3.4e38, True, False])


def deep(rng: random.Random, depth: int | None = None) -> Any:
    value: Any = rng.choice([[], {}, 1, "x"])
    for _ in range(depth or rng.choice([30, 200, 400])):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


def weird_value(rng: random.Random) -> Any:
    kind = rng.random()
    if kind < 0.35:
        return weird_text(rng)
    if kind < 0.6:
        return weird_number(rng)
    if kind < 0.7:
        return None
    if kind < 0.8:
        return [weird_value(rng) for _ in range(rng.randrange(0, 4))]
    if kind < 0.9:
        return {weird_text(rng)[:20]: weird_value(rng) for _ in range(rng.randrange(0, 3))}
    return deep(rng)


def mutate(doc: Any, rng: random.Random, rounds: int = 3) -> Any:
    """``doc`` with a few of its leaves, keys or containers replaced by hostile values."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randrange(1, rounds + 1)):
        doc = _mutate_once(doc, rng)
    return doc


def _mutate_once(node: Any, rng: random.Random) -> Any:
    if isinstance(node, dict) and node and rng.random() < 0.75:
        key = rng.choice(list(node))
        choice = rng.random()
        if choice < 0.6:
            node[key] = _mutate_once(node[key], rng)
        elif choice < 0.75:
            del node[key]
        elif choice < 0.9:
            node[weird_text(rng)[:40]] = weird_value(rng)
        else:
            node[key] = weird_value(rng)
        return node
    if isinstance(node, list) and node and rng.random() < 0.75:
        i = rng.randrange(len(node))
        node[i] = _mutate_once(node[i], rng)
        return node
    return weird_value(rng)


def json_body(doc: Any, rng: random.Random) -> bytes:
    """A JSON body, mutated or broken at the byte level."""
    choice = rng.random()
    if choice < 0.05:
        return rng.choice([b"", b"{", b"[]", b"null", b'"x"', b"\xff\xfe{}", b'{"a": NaN}', b'{"a": 1e99999}',
                           b"[" * 5000, b'{"\\ud800": "\\udfff"}', b'{"a":' * 3000 + b"1" + b"}" * 3000,
                           b"[" * 100_000 + b"]" * 100_000])
    text = json.dumps(mutate(doc, rng) if choice < 0.9 else doc, ensure_ascii=rng.random() < 0.5)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def magic_url(rng: random.Random) -> str:
    params: dict[str, str] = {"text": rng.choice(["你好。", "Hello.", "", weird_text(rng)])}
    for name in ("duration", "rate", "channels", "silence", "status", "fail"):
        if rng.random() < 0.15:
            params[name] = rng.choice([weird_text(rng), "600", "48000", "2", "1", "404", "0.001", "1e9", "-3"])
    name = pct(weird_text(rng)[:10] or "a")
    return f"{MAGIC}/{name}.wav?" + urlencode(params, errors="surrogatepass")


def pct(text: str, safe: str = "/") -> str:
    """Percent-encoding that takes lone surrogates too."""
    return quote(text, safe=safe, errors="surrogatepass")


def header(name: str, value: str) -> tuple[bytes, bytes]:
    return name.encode(), value.encode("utf-8", "surrogatepass")


def query(params: dict[str, Any]) -> bytes:
    return urlencode({k: str(v) for k, v in params.items()}, errors="surrogatepass").encode()


def maybe_weird(value: str, rng: random.Random, p: float = 0.25) -> str:
    return weird_text(rng) if rng.random() < p else value


# ---- per vendor ----------------------------------------------------------------------------------------------------

def dashscope(rng: random.Random) -> Case:
    auth = header("authorization", rng.choice(["Bearer sk-asr-emulator-local"] * 6 + ["Bearer " + weird_text(rng),
                                                                                      weird_text(rng), ""]))
    task = maybe_weird("4e1f5a1e-0000-4000-8000-000000000000", rng)
    kind = rng.randrange(9)
    if kind <= 2:
        doc = {"model": rng.choice(["paraformer-v2", "sensevoice-v1", "fun-asr", "paraformer-8k-v2"]),
               "input": {"file_urls": [magic_url(rng) for _ in range(rng.randrange(1, 3))]},
               "parameters": {"channel_id": [0], "language_hints": ["zh"], "diarization_enabled": True,
                              "speaker_count": 2, "timestamp_alignment_enabled": False,
                              "disfluency_removal_enabled": True, "vocabulary_id": "vocab-x"}}
        return Case("dashscope", "POST", "/api/v1/services/audio/asr/transcription", b"",
                    [auth, header("x-dashscope-async", maybe_weird("enable", rng, 0.1)),
                     header("content-type", "application/json")], json_body(doc, rng))
    if kind == 3:
        doc = {"model": "speech-biasing", "input": {"action": rng.choice(
            ["create_vocabulary", "list_vocabulary", "query_vocabulary", "update_vocabulary", "delete_vocabulary"]),
            "target_model": "paraformer-v2", "prefix": "abc", "vocabulary_id": "vocab-abc-1", "page_index": 0,
            "page_size": 10, "vocabulary": [{"text": "模拟器", "weight": 4, "lang": "zh"}]}}
        return Case("dashscope", "POST", "/api/v1/services/audio/asr/customization", b"", [auth],
                    json_body(doc, rng))
    if kind == 4:
        q = {"page_no": "1", "page_size": "10", "status": "SUCCEEDED", "model_name": "paraformer-v2",
             "start_time": "20260101000000", "end_time": "20270101000000", "api_key_id": "1"}
        return Case("dashscope", "GET", "/api/v1/tasks", query({k: maybe_weird(v, rng, 0.3) for k, v in q.items()}),
                    [auth])
    if kind == 5:
        return Case("dashscope", rng.choice(["GET", "POST"]), f"/api/v1/tasks/{pct(task, '')}", b"", [auth])
    if kind == 6:
        return Case("dashscope", "POST", f"/api/v1/tasks/{pct(task, '')}/cancel", b"", [auth])
    if kind == 7:
        q = {"action": maybe_weird("getPolicy", rng), "model": maybe_weird("paraformer-v2", rng)}
        return Case("dashscope", rng.choice(["GET", "POST"]), "/api/v1/uploads", query(q), [auth])
    if rng.random() < 0.5:
        params = {"Expires": maybe_weird("1999999999", rng, 0.5), "Signature": maybe_weird("abc", rng, 0.5)}
        return Case("dashscope", "GET", f"/dashscope-result/{pct(task, '')}/{pct(maybe_weird('0', rng))}.json",
                    query(params))
    boundary = "xYz"
    parts = [("key", maybe_weird("dashscope-instant/1/2026-01-01/x/a.wav", rng)), ("policy", weird_text(rng)),
             ("Signature", weird_text(rng))]
    body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n" for n, v in parts)
    body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n"
    raw = body.encode("utf-8", "surrogatepass") + (b"" if rng.random() < 0.3 else f"--{boundary}--\r\n".encode())
    ctype = rng.choice([f"multipart/form-data; boundary={boundary}", "multipart/form-data", "text/plain",
                        "multipart/form-data; boundary="])
    return Case("dashscope", "POST", "/dashscope-oss-upload", b"", [header("content-type", ctype)], raw)


def nls(rng: random.Random) -> Case:
    task = {"appkey": "asr-emulator-appkey", "file_link": magic_url(rng), "version": "4.0", "enable_words": True,
            "enable_sample_rate_adaptive": True, "enable_callback": False, "callback_url": "http://127.0.0.1:9/cb",
            "auto_split": False, "enable_inverse_text_normalization": True, "enable_disfluency": False,
            "max_end_silence": 450, "max_single_segment_time": 10000, "valid_times": [
                {"begin_time": 0, "end_time": 3000, "channel_id": 0}], "first_channel_only": True,
            "speaker_num": 2, "enable_unify_post": False, "enable_semantic_sentence_detection": False}
    action = rng.choice(["SubmitTask", "SubmitTask", "GetTaskResult", maybe_weird("GetTaskResult", rng)])
    params: dict[str, str] = {"Action": action, "Version": maybe_weird(rng.choice(["2018-08-17", "2019-08-23"]), rng,
                                                                        0.1)}
    if action == "SubmitTask":
        params["Task"] = json_body(task, rng).decode("utf-8", "surrogateescape")
    else:
        params["TaskId"] = maybe_weird("0123456789abcdef0123456789abcdef", rng, 0.4)
    signature = {"AccessKeyId": "asr-emulator-akid", "Signature": "x" * 28, "SignatureMethod": "HMAC-SHA1",
                 "SignatureNonce": "n", "SignatureVersion": "1.0", "Timestamp": "2026-01-01T00:00:00Z"}
    if rng.random() < 0.3:        # signature fields with hostile values (answered before the credentials mode)
        params.update({k: maybe_weird(v, rng, 0.4) for k, v in signature.items()})
    if rng.random() < 0.5:
        return Case("nls", "POST", "/", b"", [header("content-type", "application/x-www-form-urlencoded")],
                    query(params))
    headers = [header("x-acs-action", action)] if rng.random() < 0.1 else []
    if rng.random() < 0.1:
        headers.append(header("authorization", "ACS3-HMAC-SHA256 " + weird_text(rng)))
    return Case("nls", "GET", "/", query(params), headers)


def tencent_asr(rng: random.Random) -> Case:
    action = rng.choice(["CreateRecTask", "CreateRecTask", "DescribeTaskStatus", weird_text(rng)])
    doc: dict[str, Any] = {"TaskId": 10000001} if action == "DescribeTaskStatus" else {
        "EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 2, "SourceType": 0, "Url": magic_url(rng),
        "SpeakerDiarization": 1, "SpeakerNumber": 2, "FilterDirty": 1, "FilterModal": 1, "FilterPunc": 0,
        "ConvertNumMode": 1, "SentenceMaxLength": 20, "EmotionRecognition": 1, "HotwordId": "x"}
    if action == "CreateRecTask" and rng.random() < 0.2:
        doc.update(SourceType=1, Data=rng.choice(["UklGRg==", weird_text(rng), "=" * 9]))
    headers = [header("x-tc-action", action), header("x-tc-version", maybe_weird("2019-06-14", rng, 0.1)),
               header("x-tc-timestamp", maybe_weird("1767225600", rng, 0.2)),
               header("content-type", "application/json"),
               header("authorization", rng.choice(["TC3-HMAC-SHA256 Credential=AKIDx/2026-01-01/asr/tc3_request, "
                                                   "SignedHeaders=content-type;host, Signature=ab",
                                                   tc3_header(rng),
                                                   "TC3-HMAC-SHA256 " + weird_text(rng), weird_text(rng)]))]
    mutated = mutate(doc, rng)
    fields = {str(k): str(v) for k, v in mutated.items()} if isinstance(mutated, dict) else {"Value": str(mutated)}
    if rng.random() < 0.2:
        form = {"Action": action, "Version": "2019-06-14", "SecretId": rng.choice(["AKIDx", TENCENT_ID]),
                "Signature": weird_text(rng),
                "Timestamp": maybe_weird("1767225600", rng), "Nonce": "1", "SignatureMethod":
                    maybe_weird("HmacSHA256", rng), **fields}
        return Case("tencent_asr", "POST", "/", b"", [header("content-type", "application/x-www-form-urlencoded")],
                    query(form))
    if rng.random() < 0.15:
        return Case("tencent_asr", "GET", "/", query(fields), headers)
    return Case("tencent_asr", "POST", "/", b"", headers, json_body(doc, rng))


def tc3_header(rng: random.Random) -> str:
    """A TC3 Authorization of the built-in SecretId, parts broken at random."""
    return (f"TC3-HMAC-SHA256 Credential={TENCENT_ID}/{maybe_weird('2026-01-01', rng)}/asr/tc3_request, "
            f"SignedHeaders={maybe_weird('content-type;host', rng)}, Signature={maybe_weird('ab' * 32, rng)}")


def _xml(tag: str, doc: Any, depth: int = 0) -> str:
    if depth > 60:
        return f"<{tag}>deep</{tag}>"
    if isinstance(doc, dict):
        return f"<{tag}>" + "".join(_xml(k, v, depth + 1) for k, v in doc.items()) + f"</{tag}>"
    if isinstance(doc, list):
        return "".join(_xml(tag, v, depth + 1) for v in doc)
    return f"<{tag}>{'' if doc is None else doc}</{tag}>"


def xml_body(root: str, doc: Any, rng: random.Random) -> bytes:
    if rng.random() < 0.08:
        return rng.choice([b"", b"<", b"<Request>", b'<?xml version="1.0" encoding="ebcdic"?><Request/>',
                           b'<?xml version="1.0" encoding="utf-16"?><Request/>', b"\xff\xfe<\x00",
                           b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Request>&a;</Request>', b"<a>" * 3000])
    mutated = mutate(doc, rng) if rng.random() < 0.9 else doc
    names = [k for k in mutated if isinstance(k, str) and k.isidentifier()] if isinstance(mutated, dict) else []
    clean = {k: mutated[k] for k in names} if isinstance(mutated, dict) else {"Value": mutated}
    text = f'<?xml version="1.0" encoding="utf-8"?>{_xml(root, clean)}'
    return text.encode("utf-8", "surrogatepass")


CI_HOST = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"
COS_HOST = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"


def tencent_ci(rng: random.Random) -> Case:
    auth = header("authorization", rng.choice([
        "q-sign-algorithm=sha1&q-ak=AKIDx&q-sign-time=1767225600;1967225600&q-key-time=1767225600;1967225600"
        "&q-header-list=host&q-url-param-list=&q-signature=ab", weird_text(rng),
        f"q-sign-algorithm=sha1&q-ak={TENCENT_ID}&q-sign-time={maybe_weird('1767225600;1967225600', rng)}"
        f"&q-key-time=1767225600;1967225600&q-header-list={maybe_weird('host', rng)}"
        f"&q-url-param-list={maybe_weird('', rng)}&q-signature={maybe_weird('ab' * 20, rng)}",
        "q-sign-algorithm=sha1&q-ak=AKIDx&q-sign-time=" + weird_text(rng) + "&q-signature=ab"]))
    kind = rng.randrange(10)
    if kind <= 2:
        doc = {"Tag": "SpeechRecognition", "Input": {"Object": maybe_weird("input/a.wav", rng, 0.1),
                                                     "Url": magic_url(rng)},
               "Operation": {"SpeechRecognition": {"EngineModelType": "16k_zh", "ChannelNum": "1",
                                                   "ResTextFormat": "1", "FilterDirty": "0", "SentenceMaxLength": "20",
                                                   "OutputFileType": "txt", "SpeakerDiarization": "0"},
                             "Output": {"Region": "ap-guangzhou", "Bucket": "examplebucket-1250000000",
                                        "Object": "out/a.txt"}, "UserData": "x", "JobLevel": "0"},
               "QueueId": "p" + "0" * 32, "CallBack": "http://127.0.0.1:9/cb", "CallBackFormat": "JSON",
               "CallBackType": "Url"}
        return Case("tencent_ci", "POST", rng.choice(["/asr_jobs", "/jobs"]), b"",
                    [header("host", CI_HOST), auth, header("content-type", "application/xml")],
                    xml_body("Request", doc, rng))
    if kind == 3:
        q = {"tag": "SpeechRecognition", "queueId": "p1", "states": "All", "size": "10", "nextToken": "0",
             "orderByTime": "Desc", "startCreationTime": "2023-11-14T00:00:00+0800",
             "endCreationTime": "2033-11-14T00:00:00+0800"}
        return Case("tencent_ci", "GET", "/asr_jobs", query({k: maybe_weird(v, rng, 0.3) for k, v in q.items()}),
                    [header("host", CI_HOST), auth])
    if kind == 4:
        path = "/asr_jobs/" + pct(maybe_weird("s123,s456", rng, 0.5), ",")
        return Case("tencent_ci", rng.choice(["GET", "PUT"]), path, b"cancel" if rng.random() < 0.5 else b"",
                    [header("host", CI_HOST), auth])
    if kind == 5:
        sub = rng.choice(["/asrqueue", "/asrqueue/p1", "/asrbucket", "/template", "/template/t1x",
                          "/asrhotvocabtable"])
        method = rng.choice(["GET", "POST", "PUT", "DELETE"])
        q = {k: maybe_weird(v, rng, 0.4) for k, v in {"pageNumber": "1", "pageSize": "10", "queueIds": "p1",
                                                      "state": "Active", "regions": "ap-guangzhou"}.items()}
        doc = {"Name": "n", "Tag": "SpeechRecognition", "State": "Active",
               "NotifyConfig": {"Url": "http://127.0.0.1:9/x", "State": "On", "Type": "Url", "Event": "x"},
               "SpeechRecognition": {"EngineModelType": "16k_zh", "ChannelNum": "1", "ResTextFormat": "0"}}
        return Case("tencent_ci", method, sub, query(q), [header("host", CI_HOST), auth],
                    xml_body("Request", doc, rng))
    key = pct(maybe_weird("input/a.wav", rng, 0.2), "/")
    method = rng.choice(["GET", "PUT", "HEAD", "DELETE", "POST", "GET"])
    q: dict[str, str] = {}
    for name, value in (("max-keys", "10"), ("prefix", "in"), ("marker", ""), ("delimiter", "/"),
                        ("partNumber", "1"), ("uploadId", "u"), ("uploads", "")):
        if rng.random() < 0.2:
            q[name] = maybe_weird(value, rng, 0.5)
    headers = [header("host", COS_HOST), auth]
    if rng.random() < 0.3:
        headers.append(header("range", rng.choice(["bytes=0-3", weird_text(rng), "bytes=" + "9" * 5000 + "-"])))
    body = b"RIFF0000WAVE" if method in ("PUT", "POST") else b""
    if "uploadId" in q and method == "POST":
        body = xml_body("CompleteMultipartUpload", {"Part": [{"PartNumber": "1", "ETag": "x"}]}, rng)
    path = "/" if rng.random() < 0.2 else f"/{key}"
    return Case("tencent_ci", method, path, query(q), headers, body)


def eas(rng: random.Random) -> Case:
    service = rng.choice(["asr_general_express", "asr_general_express_async", "bgm_detection",
                          "speech_vectorization", weird_text(rng)[:20]])
    auth = header("authorization", rng.choice(["asr-emulator-eas-token"] * 5 + ["EAS " + weird_text(rng),
                                                                                weird_text(rng), "EAS " + "A" * 28]))
    if rng.random() < 0.4 and service.endswith("_async"):
        q = {k: maybe_weird(v, rng, 0.4) for k, v in {"_index_": "0", "_length_": "1", "_timeout_": "0s",
                                                      "_indexes_": "1,2", "_trunc_": "true",
                                                      "_auto_delete_": "true", "_raw_": "false"}.items()
             if rng.random() < 0.5}
        method = rng.choice(["GET", "PUT", "DELETE", "GET"])
        return Case("eas", method, f"/api/predict/{service}/sink" if rng.random() < 0.6 else
                    f"/api/predict/{service}", query(q), [auth])
    if rng.random() < 0.05:
        return Case("eas", "GET", f"/api/v1/servicediscovery/upstreams/{pct(service)}", b"",
                    [header("host", rng.choice(["127.0.0.1:8000", "x:" + "9" * 30, weird_text(rng)[:30]]))])
    doc = {"input": {"url": magic_url(rng), "play_duration": rng.choice([1000000, "2000000", 0])}}
    return Case("eas", "POST", f"/api/predict/{pct(service)}", b"", [auth], json_body(doc, rng))


def realtime(rng: random.Random) -> Case:
    params = {"format": "pcm", "sample_rate": 16000, "language_hints": ["zh"], "heartbeat": False,
              "semantic_punctuation_enabled": False, "max_sentence_silence": 800, "disfluency_removal_enabled": False}
    run = {"header": {"action": "run-task", "task_id": "t" + str(rng.randrange(10**6)), "streaming": "duplex"},
           "payload": {"task_group": "audio", "task": "asr", "function": "recognition",
                       "model": rng.choice(["paraformer-realtime-v2", "fun-asr-realtime", "gummy-realtime-v1"]),
                       "parameters": params, "input": {}}}
    frames: list[Any] = [json_body(run, rng).decode("utf-8", "surrogateescape") if rng.random() < 0.7 else
                         json.dumps(run)]
    for _ in range(rng.randrange(0, 4)):
        pick = rng.random()
        if pick < 0.5:
            frames.append(bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3200, 6401]))))
        elif pick < 0.8:
            frames.append(json_body({"header": {"action": rng.choice(["continue-task", "finish-task", "x"]),
                                                "task_id": run["header"]["task_id"]}, "payload": {"input": {}}},
                                    rng).decode("utf-8", "surrogateescape"))
        else:
            frames.append(weird_text(rng))
    frames.append(json.dumps({"header": {"action": "finish-task", "task_id": run["header"]["task_id"]},
                              "payload": {"input": {}}}))
    return Case("dashscope_realtime", "WEBSOCKET", "/api-ws/v1/inference", b"",
                [header("authorization", "Bearer sk-asr-emulator-local")], websocket=frames)


GENERATORS: dict[str, Callable[[random.Random], Case]] = {
    "dashscope": dashscope, "nls": nls, "tencent_asr": tencent_asr, "tencent_ci": tencent_ci, "eas": eas,
    "dashscope_realtime": realtime,
}


def case(seed: int, vendor: str, index: int, app: Any = None) -> Case:
    """Case ``index`` of ``vendor`` for ``seed``: odd indexes are drawn from the operations' declarations (when
    ``app`` is given and the vendor declares input), the others from the hand-written generators."""
    if app is not None and index % 2:
        from fuzz.declared import declared_case

        found = declared_case(app, seed, vendor, index)
        if found is not None:
            return found
    return GENERATORS[vendor](random.Random(f"{seed}:{vendor}:{index}"))


# ---- running cases ----------------------------------------------------------------------------------------------

class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(self.format(record))


class Runner:
    """Sends cases to one emulator app (ASGI, in this process) and reports each outcome."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.catcher = _Tracebacks()
        logging.getLogger("asr_emulator").addHandler(self.catcher)

    def close(self) -> None:
        logging.getLogger("asr_emulator").removeHandler(self.catcher)

    async def run(self, case: Case) -> Outcome:
        self.catcher.records.clear()
        if case.sign:
            from fuzz.declared import sign

            case = sign(case, self.app.engine.clock.now())
        try:
            if case.websocket is not None:
                status, body, dropped = await asyncio.wait_for(self._socket(case), DEADLINE_S)
            else:
                status, body = await asyncio.wait_for(self._http(case), DEADLINE_S)
                dropped = False
        except TimeoutError:
            return Outcome(case, 0, b"", list(self.catcher.records), timed_out=True)
        return Outcome(case, status, body, list(self.catcher.records), dropped=dropped)

    async def _http(self, case: Case) -> tuple[int, bytes]:
        host = next((v for k, v in case.headers if k == b"host"), b"127.0.0.1:8000")
        headers = [(k.lower(), v) for k, v in case.headers if k != b"host"] + [(b"host", host)]
        if case.body:
            headers.append((b"content-length", str(len(case.body)).encode()))
        path = case.path
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": case.method,
                 "scheme": "http", "path": _unquote(path), "raw_path": path.encode("utf-8", "surrogatepass"),
                 "query_string": case.query, "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 8000)}
        status, _, body = await call_asgi(self.app, scope, case.body, hold=True)
        return status, body

    async def _socket(self, case: Case) -> tuple[int, bytes, bool]:
        assert case.websocket is not None
        incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        incoming.put_nowait({"type": "websocket.connect"})
        frames = list(case.websocket)
        out: list[dict[str, Any]] = []
        accepted = asyncio.Event()

        leaving: list[bool] = []

        async def receive() -> dict[str, Any]:
            if not incoming.empty():
                return incoming.get_nowait()
            await accepted.wait()
            if frames:
                frame = frames.pop(0)
                await asyncio.sleep(0)
                return {"type": "websocket.receive", **({"bytes": frame} if isinstance(frame, bytes)
                                                        else {"text": frame})}
            if not leaving:        # the client leaves once; a receive cancelled meanwhile (a time-out) loses nothing
                leaving.append(True)
                asyncio.get_running_loop().call_later(
                    0.05, incoming.put_nowait, {"type": "websocket.disconnect", "code": 1000})
            return await incoming.get()

        async def send(message: dict[str, Any]) -> None:
            out.append(message)
            if message["type"] == "websocket.accept":
                accepted.set()

        scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws", "path": _unquote(case.path),
                 "raw_path": case.path.encode("utf-8", "surrogatepass"), "query_string": case.query, "root_path": "",
                 "headers": [(k.lower(), v) for k, v in case.headers] + [(b"host", b"127.0.0.1:8000")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000), "subprotocols": []}
        await self.app(scope, receive, send)
        texts = [m.get("text") or "" for m in out if m["type"] == "websocket.send"]
        unsendable = False           # a real server cannot encode lone surrogates: the connection would drop
        for i, text in enumerate(texts):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                unsendable = True
                texts[i] = text.encode("utf-8", "replace").decode("utf-8")
        failed = any('"task-failed"' in t for t in texts)
        closed = any(m["type"] == "websocket.close" for m in out)
        finished = any('"task-finished"' in t for t in texts)
        # a task that failed must be followed by a close frame the client can read; http responses never
        http = any(m["type"].startswith("http.") for m in out)
        dropped = http or unsendable or (failed and not closed and frames != [] and not finished)
        return (101 if any(m["type"] == "websocket.accept" for m in out) else 403), "\n".join(texts).encode(), dropped


def _unquote(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path)           # as uvicorn decodes it: invalid UTF-8 becomes U+FFFD


async def campaign(app: Any, seed: int, vendors: list[str], count: int,
                   progress: Callable[[str, int], None] | None = None) -> dict[str, list[Outcome]]:
    """``count`` cases per vendor; the outcomes that failed, per vendor (and how many ran, via ``progress``)."""
    runner = Runner(app)
    failures: dict[str, list[Outcome]] = {v: [] for v in vendors}
    try:
        for vendor in vendors:
            for index in range(count):
                outcome = await runner.run(case(seed, vendor, index, app))
                if outcome.failed:
                    failures[vendor].append(outcome)
                if progress is not None:
                    progress(vendor, index + 1)
    finally:
        runner.close()
    return failures


__all__ = ["GENERATORS", "Case", "Outcome", "Runner", "campaign", "case"]
