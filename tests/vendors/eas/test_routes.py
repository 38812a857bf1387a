"""The EAS dialect in-process: service lookup, the token and the ``EAS`` HMAC, input parsing, statuses, the queue
service's sink options, and the control plane's service registry."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from eas_prediction import PredictClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import Emulator
from emulator.config import Settings
from emulator.vendors.eas import catalogue as cat
from emulator.vendors.eas import parse_service
from emulator.vendors.eas.gateway import EasError, eas_signature, parse_input, string_to_sign
from tests.conftest import Call, caller, magic

TOKEN = cat.DEFAULT_TOKEN
RAW = {"Authorization": TOKEN}
SVC = "/api/predict/asr_general_express"


def body(url: str | None = None, **extra: Any) -> bytes:
    return json.dumps({"input": {"url": url or magic("你好。"), **extra}}).encode()


def signed(service: str, data: bytes, token: str = TOKEN, content_type: str = "") -> dict[str, str]:
    """Headers exactly as eas-prediction's PredictClient makes them."""
    client = PredictClient("127.0.0.1:1", service)
    client.set_token(token)
    if content_type:
        client.set_content_type(content_type)
    headers: dict[str, str] = client.generate_singaure(bytearray(data))
    return headers


def test_the_briefs_signature_vector() -> None:
    data = b'{"input": {"url": "https://example.com/audio/a.wav", "play_duration": 12.5}}'
    sts = string_to_sign("POST", data, "application/octet-stream", "Thu, 01 Jan 2026 00:00:00 GMT",
                         "/api/predict/asr_svc")
    assert sts == ("POST\n197e6fcddc7f90a7c7b7d03ed38448ce\napplication/octet-stream\n"
                   "Thu, 01 Jan 2026 00:00:00 GMT\n/api/predict/asr_svc")
    assert eas_signature("testToken", sts) == "0jEKIetFu8sD5g+v6UaOBVUx3E0="


def test_the_clients_signature_is_accepted_whatever_its_date(call: Call) -> None:
    data = body()
    headers = signed("asr_general_express", data)
    assert call("POST", SVC, content=data, headers=headers).status_code == 200
    old = {**headers, "Date": "Mon, 01 Jan 2001 00:00:00 GMT"}
    old["Authorization"] = "EAS " + eas_signature(TOKEN, string_to_sign(
        "POST", data, headers["Content-Type"], old["Date"], SVC))
    assert call("POST", SVC, content=data, headers=old).status_code == 200


def test_a_tampered_body_or_another_token_is_401(call: Call) -> None:
    data = body()
    headers = signed("asr_general_express", data)
    r = call("POST", SVC, content=data + b" ", headers=headers)
    assert (r.status_code, r.text, r.headers["content-type"]) == (401, "Authorization Failed",
                                                                   "text/plain; charset=utf-8")
    assert call("POST", SVC, content=data, headers=signed("asr_general_express", data, "x")).status_code == 401
    assert call("POST", SVC, content=data, headers={"Authorization": "Bearer " + TOKEN}).status_code == 401
    assert call("POST", SVC, content=data).status_code == 401


def test_the_signature_covers_the_content_type(call: Call) -> None:
    data = body()
    headers = signed("asr_general_express", data, content_type="application/json")
    assert call("POST", SVC, content=data, headers=headers).status_code == 200
    assert call("POST", SVC, content=data, headers={**headers, "Content-Type": "text/plain"}).status_code == 401


def test_credentials_modes_and_services_without_a_token() -> None:
    app = Emulator(Settings(lifecycle="instant", eas_services=("mine=zh-speech-detection",)))
    call = caller(app)
    data = body()
    assert call("POST", "/api/predict/mine", content=data, headers={"Authorization": "anything"}).status_code == 200
    assert call("POST", "/api/predict/mine", content=data,
                headers=signed("mine", data, token="whatever")).status_code == 200
    assert call("POST", "/api/predict/mine", content=data,
                headers={"Authorization": "EAS not-base64!"}).status_code == 401
    app.engine.credentials.mode = "strict"
    assert call("POST", "/api/predict/mine", content=data, headers={"Authorization": "anything"}).status_code == 401
    assert call("POST", SVC, content=data, headers=RAW).status_code == 200
    app.engine.credentials.mode = "off"
    assert call("POST", SVC, content=data).status_code == 200


def test_not_found_method_and_size(call: Call) -> None:
    r = call("POST", "/api/predict/nope", content=body(), headers=RAW)
    assert (r.status_code, r.text) == (404, "Not Found")
    assert call("GET", SVC, headers=RAW).status_code == 405
    assert call("POST", SVC, content=b"x" * (cat.MAX_BODY_BYTES + 1), headers=RAW).status_code == 413
    assert call("POST", SVC + "/v2/extra", content=body(), headers=RAW).status_code == 200   # a sub-path


def test_every_model_has_a_sync_and_an_async_service(call: Call) -> None:
    listed = call("GET", "/_emulator/settings").json()["eas"]["services"]
    for model in cat.MODELS.values():
        assert listed[model.default_service] == {"model": model.id, "token": TOKEN, "async": False}
        assert listed[model.default_service + "_async"]["async"] is True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode())
       | st.fixed_dictionaries({"url": json_values, "play_duration": json_values}).map(
           lambda d: json.dumps({"input": d}).encode()))
def test_any_body_is_read_or_refused_with_400(raw: bytes) -> None:
    try:
        parsed = parse_input(raw)
    except EasError as exc:
        assert exc.status == 400 and exc.message.startswith("invalid request")
    else:
        assert parsed.url and (parsed.play_us is None or parsed.play_us > 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({"url": json_values | st.just(magic("你好。")), "play_duration": json_values}))
def test_over_http_bad_input_is_never_a_500(call: Call, payload: dict[str, Any]) -> None:
    r = call("POST", SVC, content=json.dumps({"input": payload}).encode(), headers=RAW)
    assert r.status_code in (200, 400), r.text


def test_play_duration_forms(call: Call) -> None:
    long = magic("今天天气很好。我们去公园吧。", duration="45")
    for value in (21_000_000, "21000000", 2.1e7, " 21000000 "):
        r = call("POST", SVC, content=body(long, play_duration=value), headers=RAW)
        assert list(r.json()) == ["0", "20031996"], value
    for value in (0, -1, "NaN", True, "1e400", [1]):
        r = call("POST", SVC, content=body(long, play_duration=value), headers=RAW)
        assert r.status_code == 400, value


def test_vectorization_reads_the_url_only(call: Call) -> None:
    url = magic("你好。", duration="45")
    whole = call("POST", "/api/predict/speech_vectorization_zh", content=body(url), headers=RAW).json()
    cut = call("POST", "/api/predict/speech_vectorization_zh", content=body(url, play_duration=1000),
               headers=RAW).json()
    assert whole == cut


def test_a_slow_synchronous_call_is_408_past_the_keepalive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cat, "KEEPALIVE_S", 0.05)
    app = Emulator(Settings(lifecycle="timed:queue=0,speed=10"))
    call = caller(app)
    r = call("POST", SVC, content=body(magic("你好。", duration="3")), headers=RAW)
    assert (r.status_code, r.text) == (408, "Request Timeout")
    fast = Emulator(Settings(lifecycle="timed:queue=0,speed=1000"))
    assert caller(fast)("POST", SVC, content=body(magic("你好。", duration="3")), headers=RAW).status_code == 200


def test_play_duration_limits_the_processing_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # 000: the model processes only play_duration of the medium, so it takes the time of that much audio
    monkeypatch.setattr(cat, "KEEPALIVE_S", 0.05)
    call = caller(Emulator(Settings(lifecycle="timed:queue=0,speed=10")))
    long = magic("你好。", duration="3")                                          # 0.3 s of processing: 408
    assert call("POST", SVC, content=body(long), headers=RAW).status_code == 408
    r = call("POST", SVC, content=body(long, play_duration=200_000), headers=RAW)  # 0.02 s
    assert r.status_code == 200, r.text


def test_play_duration_limits_a_queued_jobs_running_time(call: Call) -> None:
    call("POST", "/_emulator/clock", json={"mode": "manual"})
    call("POST", "/_emulator/lifecycle", json={"policy": "timed:queue=0,speed=10"})
    long = magic("你好。", duration="30")                                         # 3 s of processing
    for extra in ({}, {"play_duration": 5_000_000}):                              # 0.5 s
        assert call("POST", ASYNC, content=body(long, **extra), headers=RAW).status_code == 200
    call("POST", "/_emulator/clock", json={"advance": 1.0})
    jobs = call("GET", "/_emulator/jobs", params={"vendor": "eas"}).json()["jobs"]
    assert sorted(j["phase"] for j in jobs) == ["running", "succeeded"]


def test_the_journal_names_the_model(call: Call) -> None:
    call("POST", SVC, content=body(), headers=RAW)
    (entry,) = call("GET", "/_emulator/journal", params={"vendor": "eas"}).json()["entries"]
    assert (entry["operation"], entry["model"], entry["status"]) == ("predict", "zh-asr-general-express", 200)


# ---- the queue service -------------------------------------------------------------------------------------------

ASYNC = "/api/predict/asr_general_express_async"


def test_sink_answers_json_raw_or_protobuf(call: Call) -> None:
    r = call("POST", ASYNC + "?biz=1", content=body(magic("你好。")), headers=RAW)
    assert r.status_code == 200 and r.text == "1"
    rid = r.headers[cat.REQUEST_ID_HEADER]
    frames = call("GET", ASYNC + "/sink", params={"requestId": rid, "_auto_delete_": "false"}, headers=RAW).json()
    assert frames[0]["index"] == 1 and frames[0]["tags"] == {"biz": "1", "requestId": rid, "lastCode": "200"}
    assert json.loads(base64.b64decode(frames[0]["data"])) == {"0": "你好"}
    raw = call("GET", ASYNC + "/sink", params={"_raw_": "true", "_auto_delete_": "false"}, headers=RAW)
    assert json.loads(raw.content) == {"0": "你好"}
    proto = call("GET", ASYNC + "/sink", headers={**RAW, "Accept": cat.PROTOBUF})
    assert proto.headers["content-type"] == cat.PROTOBUF and rid.encode() in proto.content
    assert call("GET", ASYNC + "/sink", headers=RAW).status_code == 204


def test_sink_commit_truncate_and_bad_parameters(call: Call) -> None:
    for _ in range(3):
        call("POST", ASYNC, content=body(), headers=RAW)
    assert call("PUT", ASYNC + "/sink", params={"_indexes_": "1"}, headers=RAW).text == "OK"
    assert call("DELETE", ASYNC + "/sink", params={"_index_": "3", "_trunc_": "true"}, headers=RAW).text == "OK"
    assert [f["index"] for f in call("GET", ASYNC + "/sink", params={"_length_": "9"}, headers=RAW).json()] == [3]
    for params in ({"_timeout_": "soon"}, {"_index_": "x"}, {"_watch_": "true"}):
        assert call("GET", ASYNC + "/sink", params=params, headers=RAW).status_code == 400
    assert call("DELETE", ASYNC + "/sink", params={"_indexes_": "a"}, headers=RAW).status_code == 400
    assert call("GET", ASYNC + "/elsewhere", headers=RAW).status_code == 404
    assert call("GET", ASYNC, headers=RAW).status_code == 400
    assert call("GET", ASYNC + "/sink", headers={"Authorization": "wrong"}).status_code == 401


# ---- the registry ------------------------------------------------------------------------------------------------

def test_services_from_the_control_plane(call: Call) -> None:
    r = call("POST", "/_emulator/settings", json={"eas": {"services": {
        "team.asr": {"model": "zh-asr-general-transformer", "token": "t1"},
        "asr_general_express": None}}})
    assert r.status_code == 200 and "team.asr" in r.json()["eas"]["services"]
    assert call("POST", "/api/predict/team.asr", content=body(), headers={"Authorization": "t1"}).status_code == 200
    assert call("POST", SVC, content=body(), headers=RAW).status_code == 404
    for bad in ({"services": {"Bad Name": {"model": "zh-speech-detection"}}},
                {"services": {"ok": {"model": "nope"}}}, {"services": {"ok": {"model": "bgm-detection", "token": 5}}},
                {"services": []}, "x"):
        assert call("POST", "/_emulator/settings", json={"eas": bad}).status_code == 400, bad
    call("POST", "/_emulator/reset")
    assert call("POST", SVC, content=body(), headers=RAW).status_code == 200
    assert call("POST", "/api/predict/team.asr", content=body(), headers={"Authorization": "t1"}).status_code == 404


def test_service_entries_from_settings() -> None:
    svc = parse_service("live=zh-asr-ecommerce-express:tok:async")
    assert (svc.name, svc.model.id, svc.token, svc.is_async) == ("live", "zh-asr-ecommerce-express", "tok", True)
    assert parse_service("x=bgm-detection", "dflt").token == "dflt"
    for bad in ("novalue", "x=unknown-model", "X Y=bgm-detection", "x=bgm-detection:t:sometimes"):
        with pytest.raises(ValueError):
            parse_service(bad)
    with pytest.raises(ValueError, match="broken"):      # the dialect checks its settings when it is built
        Emulator(Settings(eas_services=("broken",)))
    assert Settings.from_env({"ASR_EMULATOR_EAS_SERVICES": "a=bgm-detection,b=zh-speech-detection"}).eas_services \
        == ("a=bgm-detection", "b=zh-speech-detection")


def test_scripts_refuse_malformed_labels(call: Call) -> None:
    r = call("POST", "/_emulator/scripts", json={"text": "x", "url": "http://a", "labels": {"k": 5}})
    assert r.status_code == 400
    r = call("POST", "/_emulator/scripts", json={"text": "x", "url": "http://a", "labels": {"k": ["是", "否"]}})
    assert r.status_code == 201 and r.json()["script"]["labels"] == {"k": ["是", "否"]}
