"""ASR API 3.0 in-process: the TC3 signature (the brief's vectors), the envelope, parameters, task states and the
result text."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine.recognizer import Word
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res
from emulator.vendors.tencent.tc3 import Authorization, canonical_request, signature, utc_date
from tests.conftest import Call, caller, magic

SID, SKEY = cat.DEFAULT_SECRET_ID, cat.DEFAULT_SECRET_KEY
HOST = "emulator.local"


def tc3(action: str, params: dict[str, Any] | bytes, *, secret: str = SKEY, sid: str = SID,
        timestamp: int | None = None, version: str = cat.ASR_VERSION) -> dict[str, Any]:
    """Keyword arguments for a request signed as tencentcloud-sdk-python signs it."""
    body = params if isinstance(params, bytes) else json.dumps(params).encode()
    ts = timestamp or int(time.time())
    date = utc_date(ts)
    headers = {"content-type": "application/json", "host": HOST}
    sig = signature(secret, str(ts), date, "asr",
                    canonical_request("POST", "/", "", headers, ("content-type", "host"), body))
    return {"content": body, "headers": {
        "Content-Type": "application/json", "X-TC-Action": action, "X-TC-Timestamp": str(ts),
        "X-TC-Version": version, "X-TC-Region": "ap-guangzhou",
        "Authorization": f"TC3-HMAC-SHA256 Credential={sid}/{date}/asr/tc3_request, "
                         f"SignedHeaders=content-type;host, Signature={sig}"}}


def answer(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body: dict[str, Any] = r.json()["Response"]
    assert body["RequestId"]
    return body


def error(r: httpx.Response) -> str:
    code: str = answer(r)["Error"]["Code"]
    return code


REC = {"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0, "SourceType": 0}


def create(call: Call, **fields: Any) -> int:
    body = answer(call("POST", "/", **tc3("CreateRecTask", {**REC, **fields})))
    task_id: int = body["Data"]["TaskId"]
    return task_id


def status(call: Call, task_id: int) -> dict[str, Any]:
    data: dict[str, Any] = answer(call("POST", "/", **tc3("DescribeTaskStatus", {"TaskId": task_id})))["Data"]
    return data


def test_the_briefs_signature_vectors() -> None:
    body = b'{"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0, "SourceType": 0, ' \
           b'"Url": "https://example.com/a.wav"}'
    headers = {"content-type": "application/json", "host": "127.0.0.1:18082"}
    canonical = canonical_request("POST", "/", "", headers, ("content-type", "host"), body)
    assert canonical.endswith("696cdafd163b6c871911fc3736de787e4eafec974af8379751ee7d5a915531f1")
    key = "EXAMPLEsecretKeyEXAMPLEsecretKey"
    assert utc_date(1700000000) == "2023-11-14"
    assert signature(key, "1700000000", "2023-11-14", "asr", canonical) == \
        "a55c0593ea6e2cd9f5eba2e04028bcfeb23a407c001f0aff7fa820bef376de77"
    second = canonical_request("POST", "/", "", headers, ("content-type", "host"), b'{"TaskId": 1234567890}')
    assert signature(key, "1700000000", "2023-11-14", "asr", second) == \
        "716569a1ef03781df6ba6f62cd419404d8874d6cf233c58eaa6993b7d506d4c7"


def test_authorization_parsing() -> None:
    parsed = Authorization.parse("TC3-HMAC-SHA256 Credential=AKID1/2023-11-14/asr/tc3_request, "
                                 "SignedHeaders=content-type;host, Signature=abc")
    assert parsed is not None and parsed.signed_headers == ("content-type", "host") and parsed.service == "asr"
    for bad in ("", "TC3-HMAC-SHA256", "TC3-HMAC-SHA256 Credential=a/b/c, SignedHeaders=x, Signature=y",
                "TC3-HMAC-SHA256 Credential=a/b/asr/tc3_request, Signature=y"):
        assert Authorization.parse(bad) is None


def test_success_states_and_result(call: Call, app: Emulator) -> None:
    app.engine.set_policy("polls:1")
    task_id = create(call, Url=magic("今天天气很好。我们去公园吧。"), ResTextFormat=2)
    assert [status(call, task_id)["StatusStr"] for _ in range(3)] == ["waiting", "doing", "success"]
    data = status(call, task_id)
    assert data["Status"] == 2 and data["ErrorMsg"] == "" and data["AudioDuration"] == 3.0
    assert [line.split("]  ")[1] for line in data["Result"].splitlines()] == ["今天天气很好。", "我们去公园吧。"]
    first = data["ResultDetail"][0]
    assert first["FinalSentence"] == "今天天气很好。" and first["SliceSentence"] == "今 天 天 气 很 好"
    assert first["Words"][-1]["Word"] == "好。" and first["Words"][0]["OffsetStartMs"] == 0
    assert first["WordsNum"] == 6 and first["SpeakerId"] == 0 and first["LangType"] == "zh"


def test_errors_are_http_200_envelopes(call: Call) -> None:
    assert error(call("POST", "/", **tc3("CreateRecTask", REC, secret="wrong"))) == "AuthFailure.SignatureFailure"
    assert error(call("POST", "/", **tc3("Nope", REC))) == "InvalidAction"
    assert error(call("POST", "/", **tc3("GetModelInfo", REC))) == "UnsupportedOperation"
    # another action's fields are ignored (with a leniency warning): what SentenceRecognition needs is missing
    assert error(call("POST", "/", **tc3("SentenceRecognition", REC))) == "MissingParameter"
    assert error(call("POST", "/", **tc3("CreateRecTask", REC, version="2018-05-22"))) == "NoSuchVersion"
    assert error(call("POST", "/", **tc3("DescribeTaskStatus", {"TaskId": 5}))) == "FailedOperation.NoSuchTask"
    assert error(call("POST", "/", **tc3("DescribeTaskStatus", {}))) == "MissingParameter"
    assert error(call("POST", "/", **tc3("DescribeTaskStatus", {"TaskId": "x"}))) == "InvalidParameter"
    assert error(call("POST", "/", **tc3("CreateRecTask", b"[1]"))) == "InvalidParameter.ErrorParsequest"
    bare = call("POST", "/", content=b"{}", headers={"X-TC-Action": "CreateRecTask", "Authorization": "x"})
    assert error(bare) == "AuthFailure.InvalidAuthorization"


@pytest.mark.parametrize(("fields", "code"), [
    ({"ChannelNum": None}, "InvalidParameter"),
    ({"ChannelNum": "1"}, "InvalidParameter"),
    ({"ChannelNum": True}, "InvalidParameter"),
    ({"ChannelNum": 3}, "InvalidParameterValue"),
    ({"SourceType": 2}, "InvalidParameterValue.ErrorInvalidSourcetype"),
    ({"EngineModelType": "16k_xx"}, "InvalidParameterValue.ErrorInvalidEngservice"),
    ({"Url": "ftp://a/b.wav"}, "InvalidParameterValue.ErrorInvalidUrl"),
    ({"Url": "http://a/b.wav", "SentenceMaxLength": 3}, "InvalidParameterValue"),
    ({"SourceType": 1, "Data": "A" * (7 * 1024 * 1024 + 4)}, "InvalidParameterValue.ErrorVoicedataTooLong"),
    ({"Url": "http://a/b.wav", "KeyWordLibIdList": "x"}, "InvalidParameter"),
])
def test_bad_create_parameters(call: Call, fields: dict[str, Any], code: str) -> None:
    assert error(call("POST", "/", **tc3("CreateRecTask", {**REC, **fields}))) == code


def test_missing_required_parameters(call: Call) -> None:
    for name in cat.REC_REQUIRED:
        body = {k: v for k, v in {**REC, "Url": "http://a/b.wav"}.items() if k != name}
        r = answer(call("POST", "/", **tc3("CreateRecTask", body)))
        assert r["Error"]["Code"] == "MissingParameter" and name in r["Error"]["Message"]


def test_undeclared_parameters_are_ignored_and_said_or_refused_in_strict_mode() -> None:
    lenient = caller(Emulator(Settings(lifecycle="instant")))
    answer = lenient("POST", "/", **tc3("CreateRecTask", {**REC, "Url": magic("好。"), "Colour": "blue"}))
    assert "TaskId" in answer.json()["Response"]["Data"]
    assert "tencent_asr/unknown_parameter" in answer.headers["X-ASR-Emulator-Warning"]
    strict = caller(Emulator(Settings(lifecycle="instant", strict=True)))
    for action, fields in (("CreateRecTask", {**REC, "Colour": "blue"}), ("DescribeTaskStatus", {"TaskId": 1, "X": 1}),
                           ("GetAsrVocabList", {"Colour": "blue"})):
        answer = strict("POST", "/", **tc3(action, fields))
        assert answer.json()["Response"]["Error"]["Code"] == "UnknownParameter", action


def test_strict_mode_knows_only_configured_keys_and_checks_time() -> None:
    app = Emulator(Settings(lifecycle="instant", credentials="strict", tencent_keys=("AKIDother:othersecret",)))
    call = caller(app)
    assert "Data" in answer(call("POST", "/", **tc3("CreateRecTask", {**REC, "Url": magic("你好。")})))
    assert "Data" in answer(call("POST", "/", **tc3("CreateRecTask", {**REC, "Url": magic("你好。")},
                                                     sid="AKIDother", secret="othersecret")))
    assert error(call("POST", "/", **tc3("CreateRecTask", REC, sid="AKIDunknown"))) == \
        "AuthFailure.SecretIdNotFound"
    assert error(call("POST", "/", **tc3("CreateRecTask", REC, timestamp=int(time.time()) - 3600))) == \
        "AuthFailure.SignatureExpire"


def test_tasks_belong_to_their_secret_id_and_expire_after_a_day(call: Call, app: Emulator) -> None:
    task_id = create(call, Url=magic("你好。"))
    other = tc3("DescribeTaskStatus", {"TaskId": task_id}, sid="AKIDsomeoneelse", secret="x")
    assert error(call("POST", "/", **other)) == "FailedOperation.NoSuchTask"
    assert status(call, task_id)["Status"] == 2
    app.engine.clock.advance(cat.TASK_TTL_S + 1)
    assert error(call("POST", "/", **tc3("DescribeTaskStatus", {"TaskId": task_id}))) == \
        "FailedOperation.NoSuchTask"


def test_task_ids_are_deterministic(app: Emulator) -> None:
    first = create(caller(app), Url=magic("你好。"))
    again = Emulator(Settings(lifecycle="instant"))
    assert create(caller(again), Url=magic("你好。")) == first


def test_channel_mismatch_fails_the_task(call: Call) -> None:
    task_id = create(call, EngineModelType="8k_zh", ChannelNum=2, Url=magic("你好。", rate="8000"))
    data = status(call, task_id)
    assert (data["Status"], data["ErrorMsg"]) == (3, "The audio's channel count does not match ChannelNum!")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([*REC, "Url", "Data", "SpeakerNumber", "Extra", "x"]), json_values,
                       max_size=6))
def test_any_parameters_get_an_envelope(call: Call, params: dict[str, Any]) -> None:
    body = answer(call("POST", "/", **tc3("CreateRecTask", params)))
    assert ("Error" in body) != ("Data" in body)
    if "Error" in body:
        assert body["Error"]["Code"] != "InternalError"


# ---- the result shape ---------------------------------------------------------------------------------------------

def test_stamps() -> None:
    assert res.stamp(20) == "0:0.020"
    assert res.stamp(2380) == "0:2.380"
    assert res.stamp(65_020) == "1:5.020"


def _seg_words() -> tuple[Word, ...]:
    return (Word(0, 100, "一", ""), Word(100, 200, "二", "，"), Word(200, 300, "三", ""), Word(300, 400, "四", "。"))


def test_split_and_filter_punctuation() -> None:
    words = _seg_words()
    assert [len(s) for s in res._split(words, res.Shape(res_text_format=3))] == [2, 2]
    assert [len(s) for s in res._split(words, res.Shape(sentence_max_length=3))] == [3, 1]
    assert res._text(words, 0) == "一二，三四。"
    assert res._text(words, 1) == "一二，三四"
    assert res._text(words, 2) == "一二三四"
