"""NLS recording-file recognition through aliyun-python-sdk-core (the vendor's sample) and the Tea client."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient

from contract_tests.conftest import FIXTURES, LocalFiles
from contract_tests.nls.conftest import AKID, APPKEY, SECRET, Filetrans
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk


def script(name: str) -> str:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").strip()


def wait_for(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def test_the_samples_polling_loop(filetrans: Filetrans, emulator: ControlClient) -> None:
    submitted = filetrans.submit({"file_link": emulator.fixture_url("hello_zh.wav"), "enable_words": True})
    assert (submitted["StatusCode"], submitted["StatusText"]) == (21050000, "SUCCESS")
    seen, final = filetrans.wait(submitted["TaskId"])
    assert seen == ["QUEUEING", "RUNNING", "SUCCESS"]
    assert final["TaskId"] == submitted["TaskId"] and final["BizDuration"] > 0
    assert "".join(s["Text"] for s in final["Result"]["Sentences"]) == script("hello_zh.wav")
    words = final["Result"]["Words"]
    assert "".join(w["Word"] for w in words) == "".join(ch for ch in script("hello_zh.wav") if ch not in "，。")


def test_an_unknown_task_is_not_an_exception(filetrans: Filetrans) -> None:
    body = filetrans.result("4b56f0c4b7e611e88f34c33c2a600000")
    assert (body["StatusCode"], body["StatusText"]) == (41050010, "FILE_TRANS_TASK_EXPIRED")


def test_a_wrong_secret(emulator: ControlClient, filetrans: Filetrans) -> None:
    wrong = Filetrans(AcsClient(AKID, "not-the-secret", "cn-shanghai"), filetrans.domain)
    with pytest.raises(ServerException) as err:
        wrong.result("4b56f0c4b7e611e88f34c33c2a600000")
    assert err.value.get_http_status() == 400
    assert err.value.get_error_code() == "SignatureDoesNotMatch"
    assert err.value.get_error_msg().startswith(
        "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&")
    assert err.value.get_request_id()


def test_an_unknown_access_key_in_strict_mode(emulator: ControlClient, filetrans: Filetrans) -> None:
    emulator.settings(credentials="strict")
    stranger = Filetrans(AcsClient("LTAI5tSomeoneElse", "secret", "cn-shanghai"), filetrans.domain)
    with pytest.raises(ServerException) as err:
        stranger.result("4b56f0c4b7e611e88f34c33c2a600000")
    assert (err.value.get_http_status(), err.value.get_error_code()) == (404, "InvalidAccessKeyId.NotFound")


def test_the_sdk_sent_both_signed_actions(filetrans: Filetrans, emulator: ControlClient) -> None:
    filetrans.transcribe(file_link=emulator.fixture_url("hello_en.wav"))
    entries = emulator.journal(vendor="nls")
    assert [(e["method"], e["operation"], e["status"]) for e in entries][:2] == [
        ("POST", "SubmitTask", 200), ("GET", "GetTaskResult", 200)]


@pytest.mark.parametrize(("path", "code", "text"), [
    ("/missing.wav", 41050024, "FILE_404_NOT_FOUND"),
    ("/forbidden.wav", 41050025, "FILE_403_FORBIDDEN"),
    ("/broken.wav", 41050026, "FILE_SERVER_ERROR"),
    ("/short.wav", 41050023, "CONTENT_LENGTH_CHECK_FAILED"),
    ("/notes.txt", 41050003, "FILE_CHECK_FAILED"),
])
def test_media_failures(filetrans: Filetrans, local_files: LocalFiles, path: str, code: int, text: str) -> None:
    final = filetrans.transcribe(file_link=local_files.url + path)
    assert (final["StatusCode"], final["StatusText"]) == (code, text)
    assert "Result" not in final


def test_a_file_from_a_local_server(filetrans: Filetrans, local_files: LocalFiles) -> None:
    final = filetrans.transcribe(file_link=local_files.url + "/hello.wav")
    assert " ".join(s["Text"] for s in final["Result"]["Sentences"]) == script("hello_en.wav")


def test_callback_in_version_4(filetrans: Filetrans, emulator: ControlClient, local_files: LocalFiles) -> None:
    url = f"{local_files.url}/callback/v4"
    local_files.fail_first.add("/callback/v4")                  # the first attempt fails: it is retried
    emulator.settings(callback_retry_delays=[0.05, 0.05])
    submitted = filetrans.submit({"file_link": emulator.fixture_url("hello_en.wav"), "enable_callback": True,
                                  "callback_url": url})
    _, polled = filetrans.wait(submitted["TaskId"])
    posts = wait_for(lambda: len(local_files.posts("/callback/v4")) >= 2 and local_files.posts("/callback/v4"))
    body = posts[-1]
    assert list(body) == ["Result", "TaskId", "StatusCode", "StatusText", "RequestTime", "SolveTime", "BizDuration"]
    assert body["Result"] == polled["Result"] and body["TaskId"] == submitted["TaskId"]
    assert (body["StatusCode"], body["SolveTime"], body["BizDuration"]) == (
        21050000, polled["SolveTime"], polled["BizDuration"])


    def journaled() -> list[tuple[int, int]] | None:      # an attempt is journaled once its answer is in: a moment
        found = [(e["attempt"], e["status"]) for e in emulator.journal(operation="callback")   # after the post
                 if e["job_id"] == submitted["TaskId"]]
        return found if len(found) >= 2 else None

    assert wait_for(journaled) == [(1, 500), (2, 200)]
    (delivery,) = emulator.callbacks(job_id=submitted["TaskId"])
    assert delivery["state"] == "delivered"


def test_callback_in_version_2(filetrans: Filetrans, emulator: ControlClient, local_files: LocalFiles) -> None:
    url = f"{local_files.url}/callback/v2"
    submitted = filetrans.submit({"file_link": emulator.fixture_url("hello_en.wav"), "version": "2.0",
                                  "enable_callback": True, "callback_url": url})
    filetrans.wait(submitted["TaskId"])
    (body,) = wait_for(lambda: local_files.posts("/callback/v2"))
    assert set(body) == {"result", "task_id", "status_code", "status_text", "request_time", "solve_time",
                         "biz_duration"}
    assert (body["task_id"], body["status_code"], body["status_text"]) == (submitted["TaskId"], 21050000, "SUCCESS")
    assert set(body["result"][0]) == {"begin_time", "channel_id", "emotion_value", "end_time", "silence_duration",
                                      "speech_rate", "text"}
    assert " ".join(s["text"] for s in body["result"]) == script("hello_en.wav")


def test_a_failed_task_calls_back_too(filetrans: Filetrans, local_files: LocalFiles) -> None:
    url = f"{local_files.url}/callback/failed"
    submitted = filetrans.submit({"file_link": local_files.url + "/missing.wav", "enable_callback": True,
                                  "callback_url": url})
    filetrans.wait(submitted["TaskId"])
    (body,) = wait_for(lambda: local_files.posts("/callback/failed"))
    assert (body["StatusCode"], body["StatusText"], body["BizDuration"]) == (41050024, "FILE_404_NOT_FOUND", 0)
    assert "Result" not in body


def test_the_unmodified_domain_through_http_proxy(emulator: ControlClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """With HTTP_PROXY set, the SDK sends absolute-form requests for filetrans.cn-shanghai.aliyuncs.com."""
    emulator.lifecycle("instant")
    monkeypatch.setenv("HTTP_PROXY", emulator.url)
    sample = Filetrans(AcsClient(AKID, SECRET, "cn-shanghai"), "filetrans.cn-shanghai.aliyuncs.com")
    final = sample.transcribe(file_link=emulator.fixture_url("hello_en.wav"))
    assert final["StatusText"] == "SUCCESS"
    assert emulator.journal(vendor="nls")[0]["path"] == "/"


def test_business_errors_through_the_sdk(filetrans: Filetrans, emulator: ControlClient) -> None:
    bad_json = filetrans.request("SubmitTask", "POST")
    bad_json.add_body_params("Task", "{appkey: nope")
    body = json.loads(filetrans.client.do_action_with_exception(bad_json))
    assert (body["StatusCode"], body["StatusText"]) == (41050013, "REQUEST_PARAMETER_INVALID")
    assert filetrans.submit({"appkey": "", "file_link": emulator.fixture_url("hello_en.wav")})["StatusCode"] == 41050014
    no_link = filetrans.submit({"file_link": ""})
    assert (no_link["StatusCode"], no_link["StatusText"]) == (41050011, "REQUEST_INVALID_FILE_URL_VALUE")


# ---- the Tea client (alibabacloud-tea-openapi) -----------------------------------------------------------------

@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["acs3-hmac-sha256", "rpc-v1"])
def test_the_tea_client(emulator: ControlClient, algorithm: str | None) -> None:
    from alibabacloud_tea_openapi import models, utils_models
    from alibabacloud_tea_openapi.client import Client
    from alibabacloud_tea_openapi.exceptions import ClientException
    from darabonba.runtime import RuntimeOptions

    emulator.lifecycle("polls:1")
    host = emulator.url.split("//", 1)[1]

    def client(secret: str) -> Any:
        config = models.Config(access_key_id=AKID, access_key_secret=secret, endpoint=host, protocol="http")
        if algorithm:
            config.signature_algorithm = algorithm
        return Client(config)

    def params(action: str, method: str) -> Any:
        return utils_models.Params(action=action, version="2018-08-17", protocol="HTTP", pathname="/",
                                   method=method, auth_type="AK", style="RPC", req_body_type="formData",
                                   body_type="json")

    tea = client(SECRET)
    task = json.dumps({"appkey": APPKEY, "file_link": emulator.fixture_url("hello_en.wav"), "version": "4.0"})
    submitted = tea.call_api(params("SubmitTask", "POST"), utils_models.OpenApiRequest(body={"Task": task}),
                             RuntimeOptions())["body"]
    assert submitted["StatusCode"] == 21050000
    seen = []
    for _ in range(5):
        query = utils_models.OpenApiRequest(query={"TaskId": submitted["TaskId"]})
        body = tea.call_api(params("GetTaskResult", "GET"), query, RuntimeOptions())["body"]
        seen.append(body["StatusText"])
        if body["StatusCode"] == 21050000:
            break
    assert seen == ["QUEUEING", "RUNNING", "SUCCESS"]
    assert " ".join(s["Text"] for s in body["Result"]["Sentences"]) == script("hello_en.wav")
    with pytest.raises(ClientException) as err:
        client("wrong").call_api(params("GetTaskResult", "GET"),
                                 utils_models.OpenApiRequest(query={"TaskId": "x"}), RuntimeOptions())
    assert (err.value.code, err.value.status_code) == ("SignatureDoesNotMatch", 400)
