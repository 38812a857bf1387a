"""The filetrans dialect in-process: POP dispatch, signatures, task parameters, status codes and media failures."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import respx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine.audio import voiced_signal, wav_bytes
from emulator.vendors.nls.auth import rpc_signature, rpc_string_to_sign
from emulator.vendors.nls.catalogue import STATUS
from tests.conftest import Call, caller, magic

AKID, SECRET = "asr-emulator-akid", "asr-emulator-secret"
APPKEY = "asr-emulator-appkey"


def pop(call: Call, action: str, *, method: str = "POST", secret: str = SECRET, akid: str = AKID,
        version: str = "2018-08-17", form: dict[str, str] | None = None, nonce: str | None = None,
        timestamp: str | None = None, **query: str) -> httpx.Response:
    """A request signed as aliyun-python-sdk-core signs it (RPC v1, query + form parameters)."""
    params = {"Version": version, "Action": action, "Format": "JSON", "RegionId": "cn-shanghai",
              "Timestamp": timestamp or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "SignatureMethod": "HMAC-SHA1", "SignatureType": "", "SignatureVersion": "1.0",
              "SignatureNonce": nonce or uuid.uuid4().hex, "AccessKeyId": akid, **query}
    params["Signature"] = rpc_signature(secret, rpc_string_to_sign(method, {**params, **(form or {})}))
    kwargs: dict[str, Any] = {}
    if form is not None:
        kwargs["content"] = urlencode(form)
        kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
    return call(method, "/?" + urlencode(params), **kwargs)


def submit(call: Call, file_link: str, **task: Any) -> httpx.Response:
    body = {"appkey": APPKEY, "file_link": file_link, "version": "4.0", **task}
    return pop(call, "SubmitTask", form={"Task": json.dumps(body)})


def result(call: Call, task_id: str) -> dict[str, Any]:
    resp = pop(call, "GetTaskResult", method="GET", TaskId=task_id)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def transcribe(call: Call, file_link: str, **task: Any) -> dict[str, Any]:
    resp = submit(call, file_link, **task)
    assert resp.status_code == 200, resp.text
    assert resp.json()["StatusCode"] == 21050000, resp.text
    return result(call, resp.json()["TaskId"])


# ---- the happy path --------------------------------------------------------------------------------------------

def test_submit_then_result_with_the_scripted_text(call: Call) -> None:
    resp = submit(call, magic("你好。今天天气很好。", duration=4))
    assert resp.headers["content-type"].startswith("application/json")
    submitted = resp.json()
    assert list(submitted) == ["TaskId", "RequestId", "StatusText", "StatusCode"]
    assert len(submitted["TaskId"]) == 32 and submitted["TaskId"] == submitted["TaskId"].lower()
    assert submitted["RequestId"] == submitted["RequestId"].upper() and submitted["RequestId"].count("-") == 4
    body = result(call, submitted["TaskId"])
    assert (body["StatusCode"], body["StatusText"]) == (21050000, "SUCCESS")
    assert body["BizDuration"] == 4000 and body["SolveTime"] > 0 and "RequestTime" not in body
    sentences = body["Result"]["Sentences"]
    assert "".join(s["Text"] for s in sentences) == "你好。今天天气很好。"
    for s in sentences:
        assert set(s) == {"BeginTime", "EndTime", "Text", "ChannelId", "SpeechRate", "EmotionValue",
                          "SilenceDuration"}
        assert 0 <= s["BeginTime"] < s["EndTime"] <= 4000 and 1 <= s["EmotionValue"] <= 10 and s["SpeechRate"] > 0
    assert "Words" not in body["Result"]


def test_phases_under_polls(app: Emulator, call: Call) -> None:
    app.engine.set_policy("polls:1")
    task_id = submit(call, magic("hello there.")).json()["TaskId"]
    first, second, third = (result(call, task_id) for _ in range(3))
    assert first == {"TaskId": task_id, "RequestId": first["RequestId"], "StatusText": "QUEUEING",
                     "StatusCode": 21050002}
    assert (second["StatusText"], second["BizDuration"], second["StatusCode"]) == ("RUNNING", 0, 21050001)
    assert third["StatusCode"] == 21050000


def test_words_need_version_4(call: Call) -> None:
    v4 = transcribe(call, magic("good morning everyone."), enable_words=True)
    words = v4["Result"]["Words"]
    assert [w["Word"] for w in words] == ["good", "morning", "everyone"]
    assert set(words[0]) == {"ChannelId", "Word", "BeginTime", "EndTime"}
    v2 = transcribe(call, magic("good morning everyone."), enable_words=True, version="2.0")
    assert "Words" not in v2["Result"]


def test_unknown_and_expired_tasks(app: Emulator, call: Call) -> None:
    unknown = result(call, "0" * 32)
    assert (unknown["TaskId"], unknown["StatusCode"], unknown["StatusText"]) == (
        "0" * 32, 41050010, "FILE_TRANS_TASK_EXPIRED")
    app.engine.clock.set_mode("manual")
    task_id = submit(call, magic("hello.")).json()["TaskId"]
    app.engine.clock.advance(71 * 3600)
    assert result(call, task_id)["StatusCode"] == 21050000
    app.engine.clock.advance(2 * 3600)
    assert result(call, task_id)["StatusCode"] == 41050010


def test_the_international_version_and_get_submit(call: Call) -> None:
    task = json.dumps({"appkey": APPKEY, "file_link": magic("hi."), "version": "4.0"})
    resp = pop(call, "SubmitTask", method="GET", version="2019-08-23", Task=task)
    assert resp.json()["StatusCode"] == 21050000
    posted = pop(call, "GetTaskResult", form={"TaskId": resp.json()["TaskId"]})   # POST with a form, too
    assert posted.json()["StatusCode"] == 21050000


# ---- the gateway -----------------------------------------------------------------------------------------------

def test_signature_mismatch_echoes_the_string_to_sign(call: Call) -> None:
    resp = pop(call, "GetTaskResult", method="GET", secret="wrong", TaskId="abc")
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert body["Code"] == "SignatureDoesNotMatch"
    prefix = "Specified signature is not matched with our calculation. server string to sign is:"
    assert body["Message"].startswith(prefix + "GET&%2F&AccessKeyId%3Dasr-emulator-akid%26Action%3DGetTaskResult")


def test_unknown_access_keys(app: Emulator, call: Call) -> None:
    assert pop(call, "GetTaskResult", method="GET", akid="someone", secret="x", TaskId="a").status_code == 200
    app.engine.credentials.mode = "strict"
    resp = pop(call, "GetTaskResult", method="GET", akid="someone", secret="x", TaskId="a")
    assert (resp.status_code, resp.json()["Code"], resp.json()["Message"]) == (
        404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"action": "DeleteTask"}, 404, "InvalidAction.NotFound"),
    ({"action": "GetTaskResult", "version": "2020-01-01", "TaskId": "a"}, 400, "InvalidVersion"),
    ({"action": "SubmitTask"}, 400, "MissingTask"),
    ({"action": "GetTaskResult"}, 400, "MissingTaskId"),
    ({"action": "GetTaskResult", "timestamp": "yesterday", "TaskId": "a"}, 400, "InvalidTimeStamp.Format"),
])
def test_gateway_errors(call: Call, kwargs: dict[str, str], status: int, code: str) -> None:
    action = kwargs.pop("action")
    resp = pop(call, action, **kwargs)
    assert (resp.status_code, resp.json()["Code"]) == (status, code)
    if code == "MissingTask":
        assert resp.json()["Message"] == "Task is mandatory for this action."


def test_strict_mode_checks_nonces_and_time(app: Emulator, call: Call) -> None:
    app.engine.credentials.mode = "strict"
    assert pop(call, "GetTaskResult", method="GET", nonce="n1", TaskId="a").status_code == 200
    again = pop(call, "GetTaskResult", method="GET", nonce="n1", TaskId="a")
    assert again.json()["Code"] == "SignatureNonceUsed"
    old = pop(call, "GetTaskResult", method="GET", timestamp="2020-01-01T00:00:00Z", TaskId="a")
    assert old.json()["Code"] == "InvalidTimeStamp.Expired"


def test_root_without_pop_parameters_is_the_emulators_404(call: Call) -> None:
    resp = call("GET", "/")
    assert resp.status_code == 404 and "closest_routes" in resp.json()


def test_throttling_when_rate_limits_are_on(app: Emulator, call: Call) -> None:
    task_id = submit(call, magic("hi.")).json()["TaskId"]
    app.engine.clock.set_mode("manual")
    app.engine.rate_limits = True
    codes = [pop(call, "GetTaskResult", method="GET", TaskId=f"{i:032x}").json().get("Code") for i in range(101)]
    assert codes[:100] == [None] * 100 and codes[100] == "Throttling.User"      # 100 queries a second per user
    app.engine.clock.advance(1)
    same = [pop(call, "GetTaskResult", method="GET", TaskId=task_id).json().get("Code") for _ in range(2)]
    assert same == [None, "Throttling.User"]                                       # and one per task
    app.engine.clock.advance(1)
    assert pop(call, "GetTaskResult", method="GET", TaskId=task_id).json().get("StatusCode") == 21050000


# ---- the task JSON ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("task", "code"), [
    ("{not json", 41050013),
    ("[1, 2]", 41050013),
    (json.dumps({"appkey": APPKEY, "file_link": magic(), "enable_words": "yes"}), 41050013),
    (json.dumps({"appkey": APPKEY, "file_link": magic(), "auto_split": True, "enable_unify_post": True}), 41050013),
    (json.dumps({"appkey": APPKEY, "file_link": magic(), "max_end_silence": 50}), 41050013),
    (json.dumps({"appkey": APPKEY, "file_link": magic(), "valid_times": [{"begin_time": 5}]}), 41050013),
    (json.dumps({"appkey": APPKEY, "file_link": magic(), "version": "9.0"}), 41050013),
    (json.dumps({"file_link": magic()}), 41050014),
    (json.dumps({"app_key": APPKEY, "file_link": magic()}), 41050014),   # the appkey is missing
    (json.dumps({"appkey": "bad key!", "file_link": magic()}), 41050015),
    (json.dumps({"appkey": APPKEY}), 41050011),
    (json.dumps({"appkey": APPKEY, "file_link": "ftp://example.com/a.wav"}), 41050011),
    (json.dumps({"appkey": APPKEY, "file_link": magic(), "enable_callback": True}), 41050012),
    (json.dumps({"appkey": APPKEY, "file_link": magic(), "enable_callback": True, "callback_url": "nope"}),
     41050012),
])
def test_bad_tasks_are_business_errors(call: Call, task: str, code: int) -> None:
    resp = pop(call, "SubmitTask", form={"Task": task})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["StatusCode"] == code and "TaskId" not in body and body["StatusText"].isupper()


def test_task_fields_the_documents_do_not_list_are_ignored_and_said_or_refused_in_strict_mode(
        app: Emulator, call: Call) -> None:
    task = json.dumps({"appkey": APPKEY, "file_link": magic("好。"), "enable_word": True})
    resp = pop(call, "SubmitTask", form={"Task": task})
    assert resp.json()["StatusText"] == "SUCCESS"
    assert "nls/unknown_task_field" in resp.headers["X-ASR-Emulator-Warning"]
    app.engine.leniency.strict = True
    body = pop(call, "SubmitTask", form={"Task": task}).json()
    assert (body["StatusCode"], body["StatusText"]) == (41050013, "REQUEST_PARAMETER_INVALID")


def test_strict_appkeys_and_urls(app: Emulator, call: Call) -> None:
    app.engine.credentials.mode = "strict"
    assert submit(call, magic("hi."), appkey="myAppKey123").json()["StatusCode"] == 41050015
    assert submit(call, magic("hi.")).json()["StatusCode"] == 21050000
    call("POST", "/_emulator/settings", json={"nls": {"strict_urls": True}})
    assert submit(call, "http://127.0.0.1:9/a.wav").json()["StatusCode"] == 41050011
    assert submit(call, magic("hi."), enable_callback=True,
                  callback_url="http://10.0.0.1/cb").json()["StatusCode"] == 41050012


# ---- media -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "code", "text"), [
    (404, 41050024, "FILE_404_NOT_FOUND"), (403, 41050025, "FILE_403_FORBIDDEN"),
    (502, 41050026, "FILE_SERVER_ERROR"), (410, 41050002, "FILE_DOWNLOAD_FAILED"),
])
def test_download_failures(call: Call, status: int, code: int, text: str) -> None:
    body = transcribe(call, magic(status=status))
    assert (body["StatusCode"], body["StatusText"], body["BizDuration"]) == (code, text, 0)
    assert "Result" not in body and body["SolveTime"] > 0


def _flac(rate: int = 16000, seconds: int = 2) -> bytes:
    bits = (rate << 44) | (0 << 41) | (15 << 36) | (rate * seconds)
    info = (4096).to_bytes(2, "big") * 2 + b"\0" * 6 + bits.to_bytes(8, "big") + b"\0" * 16
    return b"fLaC" + bytes([0x80, 0, 0, 34]) + info


@pytest.mark.parametrize(("data", "code"), [
    (_flac(), 41050003),                               # readable audio, but not WAV or MP3
    (b"RIFF\x24\x00\x00\x00WAVEjunkjunk", 41050006),   # a WAV that cannot be parsed
    (b"plain text, not audio", 41050003),
])
def test_files_the_service_cannot_read(call: Call, data: bytes, code: int) -> None:
    with respx.mock(assert_all_called=False) as router:
        router.get("http://files.example.com/a.wav").respond(200, content=data)
        body = transcribe(call, "http://files.example.com/a.wav")
    assert body["StatusCode"] == code


def test_sample_rates_against_the_appkey(call: Call) -> None:
    high = magic("hello.", rate=44100)
    assert transcribe(call, high)["StatusCode"] == 41050008
    assert transcribe(call, high, enable_sample_rate_adaptive=True)["StatusCode"] == 21050000
    assert transcribe(call, high, enable_sample_rate_adaptive=True, version="2.0")["StatusCode"] == 41050008
    assert transcribe(call, magic("hello."), appkey="asr-emulator-appkey-8k")["StatusCode"] == 41050008
    assert transcribe(call, magic("hello.", rate=8000), appkey="asr-emulator-appkey-8k")["StatusCode"] == 21050000
    assert transcribe(call, magic("hello.", channels=3))["StatusCode"] == 41050003
    # the rates must match (004, 41050008): lower is not fine either, and adaptive only down-samples to 16 kHz
    assert transcribe(call, magic("hello.", rate=8000))["StatusCode"] == 41050008
    assert transcribe(call, magic("hello."), appkey="asr-emulator-appkey-8k",
                      enable_sample_rate_adaptive=True)["StatusCode"] == 41050008
    assert transcribe(call, high, appkey="asr-emulator-appkey-8k", enable_sample_rate_adaptive=True)["StatusCode"] \
        == 41050008


def test_no_speech(call: Call) -> None:
    body = transcribe(call, magic(silence=1, duration=2))
    assert (body["StatusCode"], body["StatusText"]) == (21050003, "SUCCESS_WITH_NO_VALID_FRAGMENT")
    assert body["Result"] == {"Sentences": []} and body["BizDuration"] == 2000


def test_faults_reach_the_task_and_the_gateway(app: Emulator, call: Call) -> None:
    from emulator.engine import Rule

    app.engine.faults.add(Rule.from_json({"match": {"vendor": "nls", "operation": "SubmitTask", "times": 1},
                                          "action": {"type": "fail_job", "code": "51050002"}}))
    assert transcribe(call, magic("hi."))["StatusText"] == "RECOGNIZE_FAILED"
    app.engine.faults.add(Rule.from_json({"match": {"vendor": "nls", "operation": "GetTaskResult"},
                                          "action": {"type": "error", "code": "ServiceUnavailable"}}))
    resp = pop(call, "GetTaskResult", method="GET", TaskId="a")
    assert (resp.status_code, resp.json()["Code"]) == (503, "ServiceUnavailable")


def test_magic_urls_name_a_status(call: Call) -> None:
    assert transcribe(call, magic(fail="41050007"))["StatusText"] == "MKV_PARSE_FAILED"


def test_daily_quota(app: Emulator, call: Call) -> None:
    call("POST", "/_emulator/settings", json={"nls": {"daily_quota_s": 5}})
    assert transcribe(call, magic("one.", duration=3))["StatusCode"] == 21050000
    assert transcribe(call, magic("two.", duration=3))["StatusText"] == "USER_BIZDURATION_QUOTA_EXCEED"


# ---- parameters that change the result -------------------------------------------------------------------------

def sentences(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body["StatusCode"] == 21050000, body
    out: list[dict[str, Any]] = body["Result"]["Sentences"]
    return out


def test_inverse_text_normalization_and_disfluency_need_unify_post(call: Call) -> None:
    url = magic("嗯，我有二十三个苹果。")
    plain = sentences(transcribe(call, url, enable_inverse_text_normalization=True, enable_disfluency=True))
    assert plain[0]["Text"] == "嗯，我有二十三个苹果。"
    post = transcribe(call, url, enable_unify_post=True, enable_inverse_text_normalization=True,
                      enable_disfluency=True, enable_words=True)
    assert sentences(post)[0]["Text"] == "我有23个苹果。"
    assert "二" in [w["Word"] for w in post["Result"]["Words"]]          # ITN is not applied to words


def test_punctuation_can_be_switched_off(call: Call) -> None:
    texts = [s["Text"] for s in sentences(transcribe(call, magic("Hello, world. Bye now."),
                                                     enable_punctuation_prediction=False))]
    assert " ".join(texts) == "Hello world Bye now"


def test_channels(call: Call) -> None:
    stereo16 = magic(channels=2)
    assert {s["ChannelId"] for s in sentences(transcribe(call, stereo16))} == {0}
    assert {s["ChannelId"] for s in sentences(transcribe(call, stereo16, first_channel_only=False))} == {0, 1}
    stereo8 = magic(channels=2, rate=8000)
    assert {s["ChannelId"] for s in sentences(transcribe(call, stereo8, appkey="asr-emulator-appkey-8k"))} == {0, 1}
    assert {s["ChannelId"] for s in sentences(transcribe(call, stereo8, appkey="asr-emulator-appkey-8k",
                                                         first_channel_only=True))} == {0}


def test_auto_split_puts_speakers_on_channel_ids(call: Call) -> None:
    url = magic("你好。请问有什么可以帮您？我想查账单。好的。", rate=8000, duration=8)
    split = sentences(transcribe(call, url, appkey="asr-emulator-appkey-8k", auto_split=True))
    # 004: "Usually, the value of the ChannelId parameter is 1 for the first speaker" — always, here
    assert [s["ChannelId"] for s in split] == [1, 0, 1, 0]
    # 004: SilenceDuration is the silence since the previous sentence (whoever spoke it), in seconds: the speakers
    # here take turns without pausing
    assert [s["SilenceDuration"] for s in split] == [0, 0, 0, 0]
    assert {s["ChannelId"] for s in sentences(transcribe(call, url, appkey="asr-emulator-appkey-8k"))} == {0}


def _long_speech_url(app: Emulator, seconds: float) -> str:
    """One long span of speech (no pauses) with a scripted text, served from the emulator's own media store."""
    from emulator.engine import Blob

    pcm = voiced_signal([(0.2, False), (seconds, True), (0.2, False)], 16000, seed=1)
    text = "".join(f"第{i}句话说完了。" for i in range(12))
    data = wav_bytes([pcm], 16000, {"text": text})
    app.engine.store.put_blob("media", "a" * 32, Blob(data, "audio/wav", "long.wav"))
    return "http://emulator.local/_emulator/media/" + "a" * 32


def test_sentence_splitting(app: Emulator, call: Call) -> None:
    url = _long_speech_url(app, 30.0)
    default = sentences(transcribe(call, url))
    assert default == sentences(transcribe(call, url, max_end_silence=450))     # 004: "Default value: 450"
    # the synthetic voice never pauses 450 ms: sentences end only at max_single_segment_time (20 s by default)
    assert all(s["EndTime"] - s["BeginTime"] <= 20_000 for s in default) and len(default) == 2
    hello = "http://files.local/_emulator/fixtures/hello_zh.wav"      # two sentences, a 420 ms pause between
    assert [s["Text"] for s in sentences(transcribe(call, hello))] == ["你好，欢迎使用语音识别模拟器。今天天气很好。"]
    assert [s["Text"] for s in sentences(transcribe(call, hello, max_end_silence=300))] == [
        "你好，欢迎使用语音识别模拟器。", "今天天气很好。"]
    short = sentences(transcribe(call, url, max_end_silence=800, max_single_segment_time=10_000))
    assert len(short) >= 3 and all(s["EndTime"] - s["BeginTime"] <= 10_000 for s in short)
    assert "".join(s["Text"] for s in short) == "".join(s["Text"] for s in default)
    capped = sentences(transcribe(call, url, sentence_max_length=4))
    assert all(len(s["Text"].replace("。", "").replace("，", "")) <= 4 for s in capped)     # characters, not marks


def test_valid_times_limit_recognition(app: Emulator, call: Call) -> None:
    url = _long_speech_url(app, 30.0)
    only = sentences(transcribe(call, url, valid_times=[{"begin_time": 5000, "end_time": 9000, "channel_id": 0}]))
    assert only and all(s["BeginTime"] >= 5000 and s["EndTime"] <= 9000 for s in only)


def test_silence_duration_counts_whole_seconds_between_sentences(app: Emulator, call: Call) -> None:
    pcm = voiced_signal([(0.3, False), (1.5, True), (2.6, False), (1.5, True), (0.3, False)], 16000, seed=2)
    app.engine.store.put_blob("media", "b" * 32, _blob(wav_bytes([pcm], 16000, {"text": "一。二。"})))
    first, second = sentences(transcribe(call, "http://emulator.local/_emulator/media/" + "b" * 32))
    assert first["SilenceDuration"] == 0 and second["SilenceDuration"] == 2


def _blob(data: bytes) -> Any:
    from emulator.engine import Blob

    return Blob(data, "audio/wav", "a.wav")


def test_same_seed_same_bytes() -> None:
    def run() -> bytes:
        call = caller(Emulator(Settings(lifecycle="instant", seed=7)))
        task_id = submit(call, magic(duration=5)).json()["TaskId"]
        body = result(call, task_id)
        body.pop("SolveTime")
        return json.dumps(body, ensure_ascii=False).encode()

    assert run() == run()


def test_a_file_over_512_mb(call: Call) -> None:
    with respx.mock(assert_all_called=False) as router:
        router.get("http://files.example.com/huge.wav").respond(
            200, headers={"Content-Length": str(513 * 1024 * 1024)}, content=b"RIFF")
        body = transcribe(call, "http://files.example.com/huge.wav")
    assert (body["StatusCode"], body["StatusText"]) == (41050004, "FILE_TOO_LARGE")


_json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                            max_leaves=6)
_fields = sorted(["appkey", "file_link", "version", "enable_words", "enable_callback", "callback_url", "auto_split",
                  "enable_unify_post", "enable_inverse_text_normalization", "valid_times", "max_end_silence",
                  "max_single_segment_time", "first_channel_only", "sentence_max_length", "speaker_num", "x"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=st.dictionaries(st.sampled_from(_fields), _json_values, max_size=6), keep_basics=st.booleans())
@example(task={"valid_times": None}, keep_basics=True)          # a null optional field is an absent one
def test_any_task_gets_a_status_code_never_a_500(call: Call, task: dict[str, Any], keep_basics: bool) -> None:
    if keep_basics:
        task = {"appkey": APPKEY, "file_link": magic("hi."), **task}
    resp = pop(call, "SubmitTask", form={"Task": json.dumps(task)})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["StatusCode"] in STATUS
    if body["StatusCode"] == 21050000:
        assert result(call, body["TaskId"])["StatusCode"] in STATUS


@pytest.mark.parametrize("host", ["localhost", "127.1", "2130706433", "0x7f000001", "[::1]", "0177.0.0.1",
                                  "192.168.1.1", "[fe80::1]"])
def test_strict_urls_refuse_every_form_of_a_private_address(call: Call, host: str) -> None:
    call("POST", "/_emulator/settings", json={"nls": {"strict_urls": True}})
    assert submit(call, f"http://{host}:9/a.wav").json()["StatusCode"] == 41050011
    assert submit(call, magic("hi."), enable_callback=True,
                  callback_url=f"http://{host}/cb").json()["StatusCode"] == 41050012
    call("POST", "/_emulator/settings", json={"nls": {"strict_urls": False}})
    assert submit(call, magic("hi.")).json()["StatusCode"] == 21050000


def test_leniency_says_so_and_strict_refuses(app: Emulator, call: Call) -> None:
    accepted = submit(call, "http://127.0.0.1:9/sample.wav", appkey="myUnregisteredKey1")
    assert accepted.json()["StatusCode"] == 21050000
    warnings = accepted.headers.get_list("x-asr-emulator-warning")
    assert any("nls/ip_address_url" in w and "41050011" in w for w in warnings)
    assert any("nls/unregistered_appkey" in w and "41050015" in w for w in warnings)
    entry = app.engine.journal.entries(vendor="nls", operation="SubmitTask")[-1]
    assert entry.warnings == ["nls/ip_address_url", "nls/unregistered_appkey"]
    summary = call("GET", "/_emulator/warnings").json()
    assert {(a["rule"], a["count"]) for a in summary["accepted"]} == {("unregistered_appkey", 1),
                                                                      ("ip_address_url", 1)}
    rules = {(r["vendor"], r["rule"]) for r in summary["rules"]}
    assert {("nls", "ip_address_url"), ("dashscope", "unregistered_key"), ("tencent_asr", "unknown_secret_id"),
            ("tencent_ci", "unknown_secret_id")} <= rules
    assert call("POST", "/_emulator/settings", json={"strict": True}).json()["strict"] is True
    assert submit(call, "http://127.0.0.1:9/sample.wav").json()["StatusCode"] == 41050011
    assert submit(call, magic("hi."), appkey="myUnregisteredKey1").json()["StatusCode"] == 41050015
    assert pop(call, "GetTaskResult", method="GET", akid="someoneElse", TaskId="x").json()["Code"] == \
        "InvalidAccessKeyId.NotFound"
    call("POST", "/_emulator/reset")
    assert call("GET", "/_emulator/warnings").json() == {**call("GET", "/_emulator/warnings").json(), "total": 0,
                                                         "strict": False, "accepted": []}


def test_a_clean_request_carries_no_warning(app: Emulator, call: Call) -> None:
    answer = submit(call, magic("hi."))
    assert answer.json()["StatusCode"] == 21050000 and "x-asr-emulator-warning" not in answer.headers
    assert app.engine.journal.entries(vendor="nls")[-1].warnings is None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_task_with_a_huge_integer_is_refused_not_a_500(call: Call, method: str) -> None:
    """Python's integer-string limit (4,300 digits) raised inside the Task's JSON: an HTTP 500 before the JSON
    reader bounded numbers."""
    task = json.dumps({"appkey": APPKEY, "file_link": magic("hi."), "max_end_silence": 1}).replace(
        '"max_end_silence": 1', '"max_end_silence": ' + "9" * 5000)
    resp = (pop(call, "SubmitTask", method="GET", Task=task) if method == "GET"
            else pop(call, "SubmitTask", form={"Task": task}))
    assert resp.status_code == 200 and resp.json()["StatusCode"] == 41050013


@pytest.mark.parametrize(("field", "value", "status"), [
    ("appkey", "", 41050014), ("version", "9.0", 41050013), ("max_end_silence", "450", 41050013),
    ("enable_words", "true", 41050013), ("speaker_num", 1, 41050013), ("valid_times", {"a": 1}, 41050013)])
def test_task_fields_are_checked_by_their_declaration(call: Call, field: str, value: Any, status: int) -> None:
    assert submit(call, magic("hi."), **{field: value}).json()["StatusCode"] == status
