"""DashScope wire details in-process; the SDK-level proof lives in contract_tests/dashscope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import Emulator
from emulator.config import Settings
from tests.conftest import ASYNC, AUTH, SUBMIT, Call, caller, magic


def submit(call: Call, urls: list[str] | None = None, **parameters: Any) -> dict[str, Any]:
    resp = call("POST", SUBMIT, headers=ASYNC, json={
        "model": parameters.pop("model", "paraformer-v2"), "parameters": parameters,
        "input": {"file_urls": urls or [magic("你好。")]}})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def error_of(resp: Any) -> tuple[int, str]:
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"request_id", "code", "message"} and body["message"]
    return resp.status_code, body["code"]


def test_submit_answers_task_id_and_status_and_every_response_is_stamped(call: Call) -> None:
    resp = call("POST", SUBMIT, headers=ASYNC, json={"model": "paraformer-v2", "parameters": {},
                                                     "input": {"file_urls": [magic("你好。")]}})
    body = resp.json()
    assert set(body) == {"request_id", "output"}
    assert body["output"]["task_status"] == "PENDING" and len(body["output"]["task_id"]) == 36
    assert resp.headers["x-asr-emulator"]


@pytest.mark.parametrize(("headers", "expected"), [
    ({"X-DashScope-Async": "enable"}, (401, "InvalidApiKey")),
    ({"X-DashScope-Async": "enable", "Authorization": "Bearer"}, (401, "InvalidApiKey")),
    ({"X-DashScope-Async": "enable", "Authorization": "Basic sk-abcdefgh"}, (401, "InvalidApiKey")),
    (AUTH, (403, "AccessDenied")),
])
def test_submit_needs_a_bearer_key_and_the_async_header(call: Call, headers: dict[str, str],
                                                        expected: tuple[int, str]) -> None:
    resp = call("POST", SUBMIT, headers=headers, json={"model": "paraformer-v2", "input": {"file_urls": ["http://a/b"]}})
    assert error_of(resp) == expected


def test_sync_call_message_is_the_documented_one(call: Call) -> None:
    resp = call("POST", SUBMIT, headers=AUTH, json={})
    assert resp.json()["message"] == "current user api does not support synchronous calls"


BAD_BODIES: list[tuple[Any, str]] = [
    (b"{not json", "InvalidParameter"),
    (b"[1, 2]", "InvalidParameter"),
    (b'{"model": "paraformer-v2", "input": {"file_urls": ["http://a/b"]}, "parameters": {"speaker_count": NaN}}',
     "InvalidParameter"),
    ("{\"model\": \"\udc00\"}".encode("utf-8", "surrogatepass"), "InvalidParameter"),
    (b'{"model": "\\udc00", "input": {"file_urls": ["http://a/b"]}}', "InvalidParameter"),
    ({"input": {"file_urls": ["http://a/b.wav"]}}, "BadRequest.EmptyModel"),
    ({"model": 7, "input": {"file_urls": ["http://a/b.wav"]}}, "InvalidParameter"),
    ({"model": "paraformer-v2"}, "BadRequest.EmptyInput"),
    ({"model": "paraformer-v2", "input": "x"}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": []}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": "http://a/b.wav"}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": [1]}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["http://a/b.wav"] * 101}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["ftp://a/b.wav"]}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["oss://bucket/b.wav"]}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["http://[::1/b.wav"]}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["http://a/b.wav"]}, "parameters": []}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["http://a/b.wav"]},
      "parameters": {"channel_id": "0"}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["http://a/b.wav"]},
      "parameters": {"diarization_enabled": "yes"}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["http://a/b.wav"]},
      "parameters": {"diarization_enabled": True, "speaker_count": 1}}, "InvalidParameter"),
    ({"model": "paraformer-v2", "input": {"file_urls": ["http://a/b.wav"]},
      "parameters": {"language_hints": "zh"}}, "InvalidParameter"),
    ({"model": "whisper-1", "input": {"file_urls": ["http://a/b.wav"]}}, "ModelNotFound"),
]


@pytest.mark.parametrize(("body", "code"), BAD_BODIES)
def test_bad_submits_get_a_clear_vendor_error(call: Call, body: Any, code: str) -> None:
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    status, found = error_of(call("POST", SUBMIT, headers=ASYNC, **kwargs))
    assert found == code and status in (400, 404)


def test_huge_bodies_are_413(call: Call) -> None:
    body = json.dumps({"model": "paraformer-v2", "input": {"file_urls": ["http://a/" + "x" * 2_000_000]}})
    assert error_of(call("POST", SUBMIT, headers=ASYNC, content=body)) == (413, "BadRequest.TooLarge")


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=20)
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=st.sampled_from(["paraformer-v2", "sensevoice-v1", "nope", None]) | JSONISH,
       inp=st.fixed_dictionaries({}, optional={"file_urls": JSONISH | st.lists(st.sampled_from(
           [magic("好。"), "http://", "https://x/\u0000", "http://[::1/", "oss://b/k", magic(status=500), ""]),
           max_size=3)}),
       parameters=st.dictionaries(st.sampled_from(["channel_id", "language_hints", "speaker_count",
                                                   "diarization_enabled", "timestamp_alignment_enabled", "x"]),
                                  JSONISH, max_size=4) | JSONISH)
def test_no_submit_body_gives_a_500(call: Call, model: Any, inp: Any, parameters: Any) -> None:
    resp = call("POST", SUBMIT, headers=ASYNC, json={"model": model, "input": inp, "parameters": parameters})
    assert resp.status_code in (200, 400, 404), resp.text
    if resp.status_code != 200:
        error_of(resp)


def test_query_by_get_and_post_and_unknown_ids(call: Call) -> None:
    task_id = submit(call)["output"]["task_id"]
    for method in ("GET", "POST"):
        body = call(method, f"/api/v1/tasks/{task_id}", headers=AUTH).json()
        assert body["output"]["task_status"] == "SUCCEEDED"
        assert "code" not in body
    unknown = call("GET", "/api/v1/tasks/1111", headers=AUTH)
    assert unknown.status_code == 200
    assert unknown.json()["output"] == {"task_id": "1111", "task_status": "UNKNOWN"}
    other_key = call("GET", f"/api/v1/tasks/{task_id}", headers={"Authorization": "Bearer sk-someone-else"})
    assert other_key.json()["output"]["task_status"] == "UNKNOWN"


def test_pending_output_has_times_and_metrics_but_no_results(app: Emulator) -> None:
    app.engine.set_policy("manual")
    call = caller(app)
    task_id = submit(call)["output"]["task_id"]
    out = call("GET", f"/api/v1/tasks/{task_id}", headers=AUTH).json()
    assert out["usage"] is None
    assert set(out["output"]) == {"task_id", "task_status", "submit_time", "scheduled_time", "task_metrics"}
    assert out["output"]["task_metrics"] == {"TOTAL": 1, "SUCCEEDED": 0, "FAILED": 0}


def test_result_links_are_signed_and_expire_after_24_hours(app: Emulator) -> None:
    call = caller(app)
    task_id = submit(call)["output"]["task_id"]
    url = call("GET", f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["results"][0]["transcription_url"]
    assert url.startswith("http://emulator.local/dashscope-result/")
    assert call("GET", url).status_code == 200
    tampered = call("GET", url.replace("Signature=", "Signature=0"))
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content
    app.engine.clock.advance(24 * 3600 + 1)
    expired = call("GET", url)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_same_seed_same_bytes() -> None:
    def run() -> list[bytes]:
        app = Emulator(Settings(lifecycle="instant", seed=42))
        app.engine.clock.set_mode("manual", 1_700_000_000.0)
        call = caller(app)
        task = submit(call, [magic(duration=4)], language_hints=["en"])
        query = call("GET", f"/api/v1/tasks/{task['output']['task_id']}", headers=AUTH)
        result = call("GET", query.json()["output"]["results"][0]["transcription_url"])
        return [json.dumps(task).encode(), query.content, result.content]

    assert run() == run()


def test_absolute_form_targets_route_like_origin_form(call: Call) -> None:
    resp = call("GET", "http://emulator.local/api/v1/tasks/abc", headers=AUTH)
    assert resp.json()["output"]["task_status"] == "UNKNOWN"


def test_unmatched_requests_name_the_closest_routes(call: Call) -> None:
    resp = call("POST", "/api/v1/services/audio/asr/transcriptions", headers=ASYNC)
    assert resp.status_code == 404
    assert "/api/v1/services/audio/asr/transcription" in resp.json()["closest_routes"]


def test_cancel_unknown_and_list_bad_paging(call: Call) -> None:
    assert error_of(call("POST", "/api/v1/tasks/nope/cancel", headers=AUTH)) == (400, "UnsupportedOperation")
    assert error_of(call("GET", "/api/v1/tasks?page_size=0", headers=AUTH)) == (400, "InvalidParameter")
    assert error_of(call("GET", "/api/v1/tasks?page_no=x", headers=AUTH)) == (400, "InvalidParameter")
    assert error_of(call("GET", "/api/v1/tasks?start_time=yesterday", headers=AUTH)) == (400, "InvalidParameter")


def test_magic_failure_codes_reach_the_subtask(call: Call) -> None:
    task_id = submit(call, [magic(fail="DataInspectionFailed"), magic("好。")])["output"]["task_id"]
    results = call("GET", f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["results"]
    assert results[0]["code"] == "DataInspectionFailed"
    assert results[0]["message"] == "Input or output data may contain inappropriate content."


def test_a_fault_error_answers_with_the_catalogue_status(app: Emulator) -> None:
    from emulator.engine import Rule

    app.engine.faults.add(Rule.from_json({"match": {"operation": "list"}, "action": {"type": "error",
                                                                                    "code": "ServiceUnavailable"}}))
    resp = caller(app)("GET", "/api/v1/tasks", headers=AUTH)
    assert error_of(resp) == (503, "ServiceUnavailable")
    assert app.engine.journal.entries(operation="list")[0].code == "ServiceUnavailable"


def test_any_sk_key_works_in_permissive_mode_and_refusals_say_why(app: Emulator, call: Call) -> None:
    for key in ("sk-test", "sk-1"):
        assert call("GET", "/api/v1/tasks", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert call("GET", "/api/v1/tasks", headers={"Authorization": "Bearer sk-"}).status_code == 401
    call("GET", "/api/v1/tasks")
    call("GET", "/api/v1/tasks", headers={"Authorization": "Bearer abc"})
    refused = [e for e in app.engine.journal.entries(vendor="dashscope") if e.code == "InvalidApiKey"]
    assert [e.reason for e in refused] == ["the key is not of the form sk-…", "no 'Authorization: Bearer <key>' header",
                                           "the key is not of the form sk-…"]
    app.engine.credentials.mode = "strict"
    call("GET", "/api/v1/tasks", headers={"Authorization": "Bearer sk-unknown"})
    assert app.engine.journal.entries(vendor="dashscope")[-1].reason == "the key is not configured (strict credentials)"


@pytest.mark.parametrize("body", [
    {"model": "paraformer-v2", "input": {"file_urls": [magic("好。")]}, "extra": 1},
    {"model": "paraformer-v2", "input": {"file_urls": [magic("好。")]}, "parameters": {"no_such_option": True}},
])
def test_undeclared_fields_are_ignored_and_said_or_refused_in_strict_mode(app: Emulator, call: Call,
                                                                          body: dict[str, Any]) -> None:
    resp = call("POST", SUBMIT, headers=ASYNC, json=body)
    assert resp.status_code == 200 and "dashscope/unknown_parameter" in resp.headers["X-ASR-Emulator-Warning"]
    app.engine.leniency.strict = True
    from emulator.config import DEFAULT_DASHSCOPE_KEY

    registered = {**ASYNC, "Authorization": f"Bearer {DEFAULT_DASHSCOPE_KEY}"}
    assert error_of(call("POST", SUBMIT, headers=registered, json=body)) == (400, "InvalidParameter")
