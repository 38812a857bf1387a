"""CI speech jobs and COS objects in-process: the COS signature (the brief's vectors), host dispatch, XML in and
out (malformed, entity tricks, unknown nodes), the document's rules, errors the SDK can read."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import xmltodict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import Emulator
from emulator.config import Settings
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.ci import BUCKET, HOST
from emulator.vendors.tencent.ci_common import default_queue_id
from emulator.vendors.tencent.cos_auth import CosSignature, enc, http_string, sign, verify
from tests.conftest import Call, magic

B = "examplebucket-1250000000"
CI = f"http://{B}.ci.ap-guangzhou.myqcloud.com"
COS = f"http://{B}.cos.ap-guangzhou.myqcloud.com"
SID, SKEY = cat.DEFAULT_SECRET_ID, cat.DEFAULT_SECRET_KEY


def signed(method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None,
           secret: str = SKEY, sid: str = SID, window: tuple[int, int] | None = None) -> dict[str, Any]:
    """Request arguments signed as cos-python-sdk-v5 signs them (every query parameter, the listed headers)."""
    parts = urlsplit(url)
    headers = {"Content-Type": "application/xml", **(headers or {})}
    if body or method in ("POST", "PUT", "DELETE"):
        headers["Content-Length"] = str(len(body))
    signed_headers = {k.lower(): v for k, v in headers.items()} | {"host": parts.hostname or ""}
    from urllib.parse import parse_qsl, unquote
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    start, end = window or (int(time.time()) - 60, int(time.time()) + 10000)
    key_time = f"{start};{end}"
    text = http_string(method, unquote(parts.path), params, tuple(sorted(params)), signed_headers)
    auth = (f"q-sign-algorithm=sha1&q-ak={sid}&q-sign-time={key_time}&q-key-time={key_time}"
            f"&q-header-list={';'.join(sorted(signed_headers))}&q-url-param-list={';'.join(sorted(params))}"
            f"&q-signature={sign(secret, key_time, key_time, text)}")
    return {"content": body, "headers": {**headers, "Authorization": auth}}


def xml(r: httpx.Response) -> dict[str, Any]:
    doc: dict[str, Any] = xmltodict.parse(r.content)
    return doc


QUEUE = default_queue_id(B)
JOB = ("<Request><Tag>SpeechRecognition</Tag><Input><Url>{url}</Url></Input><Operation><Output>"
       "<Bucket>" + B + "</Bucket><Region>ap-guangzhou</Region><Object>out/a.txt</Object></Output>"
       "<SpeechRecognition><EngineModelType>16k_zh</EngineModelType><ChannelNum>1</ChannelNum>{extra}"
       "</SpeechRecognition></Operation><QueueId>" + QUEUE + "</QueueId></Request>")


def job_body(url: str | None = None, extra: str = "") -> bytes:
    """A job request with the nodes 003 requires (ResTextFormat 0 unless ``extra`` gives it)."""
    if "<ResTextFormat>" not in extra:
        extra = "<ResTextFormat>0</ResTextFormat>" + extra
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + JOB.format(url=url or magic("你好。"), extra=extra)).encode()


def create(call: Call, body: bytes) -> httpx.Response:
    return call("POST", f"{CI}/asr_jobs", **signed("POST", f"{CI}/asr_jobs", body))


# ---- the signature ------------------------------------------------------------------------------------------------

def test_the_briefs_signature_vectors() -> None:
    body_length = "463"
    key = "EXAMPLEsecretKeyEXAMPLEsecretKey"
    t = "1699999940;1700010000"
    headers = {"content-length": body_length, "content-type": "application/xml",
               "host": "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"}
    text = http_string("POST", "/asr_jobs", {}, (), headers)
    assert text == ("post\n/asr_jobs\n\ncontent-length=463&content-type=application%2Fxml"
                    "&host=examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com\n")
    assert sign(key, t, t, text) == "9c99bcf824a0216c1c96c3f4e982caa443bdc204"
    params = {"tag": "SpeechRecognition", "orderbytime": "Desc", "states": "Success,Failed", "size": "20",
              "nexttoken": "", "queueid": "pcd463e1467964d39ad2d3f66aacd8199",
              "startcreationtime": "2023-11-14T00:00:00+0800"}
    sig = CosSignature(SID, t, t, ("content-type", "host"), tuple(sorted(params)),
                       "d8c8245989431a9c344e283420de39a1b4dface7")
    assert verify(sig, key, "GET", "/asr_jobs", params,
                  {"content-type": "application/xml",
                   "host": "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com:80"})   # port stripped too
    assert enc("a b/c:d+e,f") == "a%20b%2Fc%3Ad%2Be%2Cf"


def test_signature_failures_are_readable_errors(call: Call) -> None:
    r = call("GET", f"{CI}/asr_jobs?tag=SpeechRecognition", **signed("GET", f"{CI}/asr_jobs?tag=SpeechRecognition",
                                                                     secret="wrong"))
    assert r.status_code == 403
    error = xml(r)["Error"]
    assert error["Code"] == "SignatureDoesNotMatch"
    assert all(error[k] for k in ("Message", "Resource", "RequestId", "TraceId"))
    assert ("Content-Type", "application/xml") in [(k.decode(), v.decode()) for k, v in r.headers.raw] or \
        r.headers["content-type"] == "application/xml"
    assert xml(call("GET", f"{CI}/asr_jobs"))["Error"]["Code"] == "AccessDenied"
    assert xml(call("GET", f"{CI}/asr_jobs", headers={"Authorization": "Bearer x"}))["Error"]["Code"] == \
        "AccessDenied"


def test_presigned_urls(call: Call) -> None:
    call("PUT", f"{COS}/a.wav", **signed("PUT", f"{COS}/a.wav", b"RIFF", {"Content-Type": "audio/wav"}))
    start, end = int(time.time()) - 60, int(time.time()) + 600
    t = f"{start};{end}"
    text = http_string("GET", "/a.wav", {}, (), {"host": f"{B}.cos.ap-guangzhou.myqcloud.com"})
    query = (f"q-sign-algorithm=sha1&q-ak={SID}&q-sign-time={quote(t)}&q-key-time={quote(t)}&q-header-list=host"
             f"&q-url-param-list=&q-signature={sign(SKEY, t, t, text)}")
    r = call("GET", f"{COS}/a.wav?{query}")
    assert r.status_code == 200 and r.content == b"RIFF"
    assert call("GET", f"{COS}/a.wav?{query.replace('q-signature=', 'q-signature=0')}").status_code == 403


def test_strict_mode() -> None:
    app = Emulator(Settings(lifecycle="instant", credentials="strict"))
    from tests.conftest import caller
    call = caller(app)
    url = f"{CI}/asr_jobs?tag=SpeechRecognition"
    assert call("GET", url, **signed("GET", url)).status_code == 200
    assert xml(call("GET", url, **signed("GET", url, sid="AKIDunknown")))["Error"]["Code"] == "InvalidAccessKeyId"
    old = (int(time.time()) - 7200, int(time.time()) - 3600)
    assert xml(call("GET", url, **signed("GET", url, window=old)))["Error"]["Code"] == "AccessDenied"


# ---- dispatch -----------------------------------------------------------------------------------------------------

def test_host_patterns() -> None:
    assert HOST.match(f"{B}.ci.ap-guangzhou.myqcloud.com").group("bucket") == B   # type: ignore[union-attr]
    assert HOST.match("ci.ap-guangzhou.myqcloud.com").group("bucket") is None       # type: ignore[union-attr]
    assert HOST.match(f"{B}.cos.ap-beijing.myqcloud.com").group("kind") == "cos"   # type: ignore[union-attr]
    assert BUCKET.match(B) and not BUCKET.match("api")


def test_path_style_and_default_bucket(call: Call) -> None:
    url = f"http://emulator.local/{B}/dir/x.txt"
    assert call("PUT", url, **signed("PUT", url, b"hi", {"Content-Type": "text/plain"})).status_code == 200
    assert call("GET", f"{COS}/dir/x.txt", **signed("GET", f"{COS}/dir/x.txt")).content == b"hi"
    listing = "http://emulator.local/asr_jobs?tag=SpeechRecognition"
    assert call("GET", listing, **signed("GET", listing)).status_code == 200       # the default bucket
    assert call("GET", "/api/v1/tasks/x").status_code != 403                        # other routes are untouched


def test_bucket_calls_answer_with_the_exact_header_names(call: Call) -> None:
    r = call("POST", f"{CI}/asrbucket", **signed("POST", f"{CI}/asrbucket"))
    names = [k for k, _ in r.headers.raw]
    assert b"Content-Type" in names and b"Content-Length" in names


# ---- jobs ---------------------------------------------------------------------------------------------------------

def test_create_get_and_output(call: Call) -> None:
    r = create(call, job_body(extra="<OutputFileType>srt</OutputFileType>"))
    detail = xml(r)["Response"]["JobsDetail"]
    assert detail["State"] == "Submitted" and detail["Tag"] == "SpeechRecognition"
    got = call("GET", f"{CI}/asr_jobs/{detail['JobId']}", **signed("GET", f"{CI}/asr_jobs/{detail['JobId']}"))
    assert xml(got)["Response"]["JobsDetail"]["State"] == "Success"
    out = call("GET", f"{COS}/out/a.txt", **signed("GET", f"{COS}/out/a.txt"))
    assert out.text.startswith("1\n00:00:00,") and "你好。" in out.text


@pytest.mark.parametrize(("body", "code", "needle"), [
    (b"", "MissingContent", ""),
    (b"<Request><Tag>", "MalformedXML", ""),
    (b"<Other/>", "MalformedXML", ""),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Request><Tag>&b;</Tag>'
     b"</Request>", "MalformedXML", ""),
    (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request><Tag>&x;</Tag></Request>', "MalformedXML", ""),
    (job_body().replace(b"SpeechRecognition</Tag>", b"Translation</Tag>"), "InvalidArgument", "Tag"),
    (job_body().replace(b"<Url>", b"<Url>ftp://x/").replace(b"</Url>", b"</Url>"), "InvalidArgument", "Url"),
    (job_body(extra="<ChannelNum>2</ChannelNum>"), "InvalidArgument", "once"),
    (job_body().replace(b"<ChannelNum>1</ChannelNum>", b"<ChannelNum>2</ChannelNum>"), "InvalidArgument",
     "8k_zh engine only"),
    (job_body(extra="<ResTextFormat>1</ResTextFormat>").replace(b"16k_zh", b"16k_en"), "InvalidArgument",
     "Mandarin engines only"),
    (job_body(extra="<FilterDirty>7</FilterDirty>"), "InvalidArgument", "FilterDirty"),
    # 003: Required "Yes" — QueueId, ChannelNum, ResTextFormat; CallBackMqConfig with CallBackType TDMQ
    (job_body().replace(b"<QueueId>" + QUEUE.encode() + b"</QueueId>", b""), "InvalidArgument", "QueueId is required"),
    (job_body().replace(b"<ChannelNum>1</ChannelNum>", b""), "InvalidArgument", "ChannelNum is required"),
    (job_body().replace(b"<Operation>", b"<Operation><JobLevel>9</JobLevel>"), "InvalidArgument", "JobLevel"),
    (job_body().replace(b"<ResTextFormat>0</ResTextFormat>", b""), "InvalidArgument", "ResTextFormat is required"),
    (job_body().replace(b"<Tag>", b"<CallBackType>TDMQ</CallBackType><Tag>"), "InvalidArgument",
     "CallBackMqConfig is required"),
    (job_body().replace(b"<Bucket>" + B.encode() + b"</Bucket>", b""), "InvalidArgument", "Bucket"),
])
def test_bad_job_requests(call: Call, body: bytes, code: str, needle: str) -> None:
    r = create(call, body)
    assert r.status_code == 400
    error = xml(r)["Error"]
    assert error["Code"] == code and needle in error["Message"]


@pytest.mark.parametrize(("body", "needle"), [
    (job_body().replace(b"<Tag>", b"<Colour>red</Colour><Tag>"), "Request.Colour"),
    (job_body(extra="<Colour>1</Colour>"), "SpeechRecognition.Colour"),
    (job_body().replace(b"<Operation>", b"<Operation><Priority>9</Priority>"), "Request.Operation.Priority"),
])
def test_unknown_nodes_are_ignored_and_said_or_refused_in_strict_mode(app: Emulator, call: Call, body: bytes,
                                                                      needle: str) -> None:
    r = create(call, body)
    assert r.status_code == 200 and "tencent_ci/unknown_node" in r.headers["X-ASR-Emulator-Warning"]
    app.engine.leniency.strict = True
    r = create(call, body)
    error = xml(r)["Error"]
    assert (r.status_code, error["Code"]) == (400, "InvalidArgument") and needle in error["Message"]


def test_a_queue_the_bucket_does_not_have(app: Emulator, call: Call) -> None:
    body = job_body().replace(QUEUE.encode(), b"p" + b"0" * 32)
    r = create(call, body)                               # lenient by default, and says so
    assert r.status_code == 200 and "tencent_ci/unknown_queue_id" in r.headers["X-ASR-Emulator-Warning"]
    assert xml(r)["Response"]["JobsDetail"]["QueueId"] == "p" + "0" * 32
    app.engine.leniency.strict = True
    r = create(call, body.replace(b"p" + b"0" * 32, b"p" + b"1" * 32))
    assert r.status_code == 400 and "does not exist" in xml(r)["Error"]["Message"]
    assert create(call, job_body()).status_code == 200   # the bucket's own queue is always there


def test_huge_bodies_are_refused(call: Call) -> None:
    body = job_body(extra="<HotVocabularyTableId>" + "x" * (cat.MAX_CI_BODY_BYTES + 10) + "</HotVocabularyTableId>")
    r = create(call, body)
    assert r.status_code == 400 and xml(r)["Error"]["Code"] == "InvalidArgument"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(st.text(max_size=8) | st.none(),
                    lambda inner: st.dictionaries(st.sampled_from(["Tag", "Input", "Operation", "Url", "Object",
                                                                   "Output", "SpeechRecognition", "Bucket",
                                                                   "EngineModelType", "QueueId", "x"]),
                                                  inner | st.lists(inner, min_size=2, max_size=2), max_size=4),
                    max_leaves=12))
def test_any_request_document_gets_a_ci_answer(call: Call, doc: Any) -> None:
    try:
        body = xmltodict.unparse({"Request": doc}).encode()
    except ValueError:
        return
    r = create(call, body)
    assert r.status_code in (200, 400), r.text
    assert ("Error" in xml(r)) == (r.status_code == 400)


def test_listing_filters(call: Call, app: Emulator) -> None:
    ids = [xml(create(call, job_body()))["Response"]["JobsDetail"]["JobId"] for _ in range(3)]
    base = f"{CI}/asr_jobs?tag=SpeechRecognition&orderByTime=Asc&size=2"
    first = xml(call("GET", base, **signed("GET", base)))["Response"]
    assert [d["JobId"] for d in first["JobsDetail"]] == ids[:2] and first["NextToken"] == "2"
    nxt = base + "&nextToken=2"
    assert xml(call("GET", nxt, **signed("GET", nxt)))["Response"]["JobsDetail"]["JobId"] == ids[2]
    future = f"{CI}/asr_jobs?tag=SpeechRecognition&startCreationTime=2099-01-01T00:00:00%2B0800"
    assert xml(call("GET", future, **signed("GET", future)))["Response"]["JobsDetail"] is None
    for bad in ("size=0", "states=Sleeping", "orderByTime=Up", "startCreationTime=yesterday", "nextToken=x"):
        url = f"{CI}/asr_jobs?tag=SpeechRecognition&{bad}"
        assert call("GET", url, **signed("GET", url)).status_code == 400, bad


def test_get_mixes_found_and_missing(call: Call) -> None:
    job_id = xml(create(call, job_body()))["Response"]["JobsDetail"]["JobId"]
    url = f"{CI}/asr_jobs/{job_id},snothere"
    body = xml(call("GET", url, **signed("GET", url)))["Response"]
    assert body["JobsDetail"]["JobId"] == job_id and body["NonExistJobIds"] == "snothere"


def test_generic_jobs_route(call: Call) -> None:
    r = call("POST", f"{CI}/jobs", **signed("POST", f"{CI}/jobs", job_body()))
    assert xml(r)["Response"]["JobsDetail"]["State"] == "Submitted"
    other = job_body().replace(b"SpeechRecognition</Tag>", b"Transcode</Tag>")
    r = call("POST", f"{CI}/jobs", **signed("POST", f"{CI}/jobs", other))
    assert "speech recognition jobs only" in xml(r)["Error"]["Message"]


def test_a_failed_download_is_a_failed_job(call: Call) -> None:
    created = xml(create(call, job_body(url="http://media.asr-emulator.test/a.wav?status=404")))["Response"]
    url = f"{CI}/asr_jobs/{created['JobsDetail']['JobId']}"
    detail = xml(call("GET", url, **signed("GET", url)))["Response"]["JobsDetail"]
    assert (detail["State"], detail["Code"]) == ("Failed", "ResourceDownloadFailed")
    assert detail["Message"] == "Failed to download the input: HTTP 404."


def test_a_paused_queue_holds_its_jobs(call: Call, app: Emulator) -> None:
    app.engine.set_policy("polls:1")
    created = xml(create(call, job_body()))["Response"]["JobsDetail"]
    queue_id = created["QueueId"]
    url = f"{CI}/asrqueue/{queue_id}"

    def set_state(state: str) -> None:
        body = f"<Request><Name>q</Name><State>{state}</State></Request>".encode()
        assert call("PUT", url, **signed("PUT", url, body)).status_code == 200

    set_state("Paused")
    job_url = f"{CI}/asr_jobs/{created['JobId']}"
    later = xml(create(call, job_body()))["Response"]["JobsDetail"]["JobId"]
    states = [xml(call("GET", u, **signed("GET", u)))["Response"]["JobsDetail"]["State"]
              for u in (job_url, f"{CI}/asr_jobs/{later}")]
    assert states == ["Pause", "Pause"]
    set_state("Active")
    for _ in range(3):
        state = xml(call("GET", job_url, **signed("GET", job_url)))["Response"]["JobsDetail"]["State"]
    assert state == "Success"


def test_the_generic_jobs_api_takes_the_buckets_queue_when_none_is_given(call: Call) -> None:
    body = job_body().replace(b"<QueueId>" + QUEUE.encode() + b"</QueueId>", b"")
    r = call("POST", f"{CI}/jobs", **signed("POST", f"{CI}/jobs", body))
    assert r.status_code == 200, r.text
    assert xml(r)["Response"]["JobsDetail"]["QueueId"] == default_queue_id(B)
    assert create(call, body).status_code == 400          # /asr_jobs: 003 requires it
