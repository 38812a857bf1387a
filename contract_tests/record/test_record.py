"""Record and replay through the vendors' SDKs: an emulator recording (``serve --record DIR --upstream …``), the SDK
sending to the vendor's own host through it as a proxy, and a second emulator on loopback playing the real service
(``--upstream-address``). The SDK gets the upstream's answers; the cassettes hold every exchange — in order, named
by operation — without a single secret; and a fresh emulator replaying them (``--replay DIR``) gives the same SDK
the same results, poll by poll, with nothing upstream."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.conftest import FIXTURES, ca_file
from contract_tests.record.flows import (
    API_KEY,
    EAS_HOST,
    NLS_GATEWAY,
    Recorded,
    cos_flow,
    dashscope_flow,
    eas_flow,
    nls_flow,
    nls_realtime_flow,
    realtime_flow,
    record,
    tencent_client,
    tencent_flow,
)
from emulator.testing import ServerProcess

pytestmark = pytest.mark.sdk


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, ca_dir: Path) -> Iterator[Recorded]:
    with record(tmp_path_factory.mktemp("cassettes"), ca_dir) as done:
        yield done


def cassettes(folder: Path, vendor: str) -> list[dict[str, Any]]:
    found = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]
    return [c for c in found if c["vendor"] == vendor]


def test_the_dashscope_sdk_is_recorded_through_the_proxy(recorded: Recorded) -> None:
    task_id, status = recorded.dashscope
    assert status == "SUCCEEDED"
    found = [c for c in cassettes(recorded.folder, "dashscope") if "frames" not in c]
    assert [c["operation"] for c in found] == ["submit"] + ["query"] * (len(found) - 1)
    assert len(found) >= 3                     # polls:1 upstream: PENDING, RUNNING, SUCCEEDED — each poll kept
    submit, *polls = found
    assert submit["request"]["url"] == "https://dashscope.aliyuncs.com/api/v1/services/audio/asr/transcription"
    assert json.loads(submit["response"]["body"])["output"]["task_id"] == task_id
    assert json.loads(polls[-1]["response"]["body"])["output"]["task_status"] == "SUCCEEDED"
    assert polls[-1]["result_links"] == ["$.output.results[0].transcription_url"]       # kept, and marked
    assert "authorization: <redacted>" in submit["request"]["headers"]


def test_the_tencent_sdk_is_recorded_with_its_signature_left_out(recorded: Recorded) -> None:
    task_id, states, _ = recorded.tencent
    assert states == ["waiting", "doing", "success"]
    found = cassettes(recorded.folder, "tencent_asr")
    assert [c["operation"] for c in found] == ["CreateRecTask"] + ["DescribeTaskStatus"] * 4
    assert json.loads(found[0]["response"]["body"])["Response"]["Data"]["TaskId"] == task_id
    assert [json.loads(c["response"]["body"])["Response"]["Data"]["StatusStr"] for c in found[1:4]] == states
    assert "authorization: <redacted>" in found[0]["request"]["headers"]


def test_nls_filetrans_is_recorded_poll_by_poll(recorded: Recorded) -> None:
    seen, text = recorded.nls
    assert seen[-1] == "SUCCESS" and text
    found = cassettes(recorded.folder, "nls")
    assert [c["operation"] for c in found] == ["SubmitTask"] + ["GetTaskResult"] * (len(found) - 1)
    assert found[0]["request"]["url"].startswith("https://filetrans.cn-shanghai.aliyuncs.com/")     # sent over TLS
    assert [json.loads(c["response"]["body"])["StatusText"] for c in found[1:]] == seen


def test_cos_objects_and_ci_jobs_are_recorded(recorded: Recorded) -> None:
    data, state, result = recorded.cos
    assert data == FIXTURES.joinpath("hello_zh.wav").read_bytes() and state == "Success" and result
    operations = [c["operation"] for c in cassettes(recorded.folder, "tencent_ci")]
    assert operations[:2] == ["put_object", "get_object"] or len(operations) >= 5, operations
    put = cassettes(recorded.folder, "tencent_ci")[0]
    assert put["request"]["encoding"] == "base64"                     # the audio, as bytes
    assert cassettes(recorded.folder, "tencent_ci")[-1]["response"]["headers"]


def test_pai_eas_is_recorded_under_the_host_it_was_given(recorded: Recorded) -> None:
    from contract_tests.eas.conftest import TOKEN

    assert json.loads(recorded.eas) == {"0": "你好;欢迎使用语音识别模拟器;今天天气很好"}
    (found,) = cassettes(recorded.folder, "eas")
    assert found["operation"] == "predict"
    assert found["request"]["url"] == f"https://{EAS_HOST}/api/predict/asr_general_express"
    assert f"host: {EAS_HOST}" in found["request"]["headers"]
    assert TOKEN not in json.dumps(found)


def test_a_realtime_session_is_recorded_message_by_message(recorded: Recorded) -> None:
    assert recorded.realtime == ["你好，欢迎使用语音识别模拟器。今天天气很好。"]
    (session,) = [c for c in cassettes(recorded.folder, "dashscope") if "frames" in c]
    assert session["operation"] == "stream"
    assert session["request"]["url"] == "wss://dashscope.aliyuncs.com/api-ws/v1/inference"
    frames = session["frames"]
    first = json.loads(frames[0]["text"])
    assert frames[0]["by"] == "client" and first["header"]["action"] == "run-task"
    events = [json.loads(f["text"])["header"]["event"] for f in frames if f["by"] == "server"]
    assert events[0] == "task-started" and events[-1] == "task-finished" and "result-generated" in events
    assert any("data" in f for f in frames if f["by"] == "client")           # the audio, as bytes
    assert [f["t_ms"] for f in frames] == sorted(f["t_ms"] for f in frames)
    assert session["close_code"] in (1000, 1005) and session["closed_by"] in ("client", "server")


def test_an_nls_realtime_session_is_recorded_without_its_token(recorded: Recorded) -> None:
    assert recorded.nls_realtime and "今天天气很好" in "".join(recorded.nls_realtime)
    (session,) = cassettes(recorded.folder, "nls_gateway")
    assert session["request"]["url"] == f"wss://{NLS_GATEWAY}/ws/v1"
    names = [json.loads(f["text"])["header"]["name"] for f in session["frames"] if "text" in f]
    assert names[0] == "StartTranscription" and "TranscriptionCompleted" in names
    assert "a-token-never-written" not in json.dumps(session)
    assert "asr-emulator-appkey" not in json.dumps(session)


def test_no_secret_is_written(recorded: Recorded) -> None:
    from contract_tests.nls.conftest import AKID, SECRET
    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    seqs = [json.loads(p.read_text("utf-8"))["seq"] for p in sorted(recorded.folder.glob("*.json"))]
    assert seqs == list(range(1, len(seqs) + 1))                   # every exchange, in the order it happened
    for path in recorded.folder.glob("*.json"):
        text = path.read_text("utf-8")
        for secret in (API_KEY, API_KEY[3:], SECRET_KEY, SECRET_ID, AKID, SECRET, "asr-emulator-appkey"):
            assert secret not in text, (path.name, secret)


def test_replayed_cassettes_give_the_sdks_the_same_results(recorded: Recorded, ca_dir: Path) -> None:
    ca = ca_file(ca_dir)
    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    with ServerProcess(["--replay", str(recorded.folder), "--replay-strict", "--replay-pace", "0"],
                       env=env) as replaying:
        assert dashscope_flow(replaying.url, ca) == recorded.dashscope
        assert tencent_flow(replaying.url, ca) == recorded.tencent
        assert nls_flow(replaying.url) == recorded.nls
        assert cos_flow(replaying.url) == recorded.cos
        assert eas_flow(replaying.url) == recorded.eas
        assert realtime_flow(replaying.url) == recorded.realtime
        assert nls_realtime_flow(replaying.url) == recorded.nls_realtime


def test_strict_replay_refuses_what_was_not_recorded_naming_the_closest(recorded: Recorded, ca_dir: Path) -> None:
    from tencentcloud.asr.v20190614 import models
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    with ServerProcess(["--replay", str(recorded.folder), "--replay-strict"], env=env) as replaying:
        status = models.DescribeTaskStatusRequest()
        status.TaskId = 88888888                               # never polled while recording
        with pytest.raises(TencentCloudSDKException) as refused:
            tencent_client(replaying.url, ca_file(ca_dir)).DescribeTaskStatus(status)
        assert refused.value.code == "ReplayMismatch"
        assert "closest: #" in refused.value.message and "DescribeTaskStatus" in refused.value.message


def test_without_strict_an_unrecorded_request_gets_the_emulators_answer_and_a_warning(recorded: Recorded) -> None:
    import httpx

    with ServerProcess(["--replay", str(recorded.folder)]) as replaying:
        answer = httpx.get(f"{replaying.url}/api/v1/tasks/not-recorded", headers={"Authorization": f"Bearer {API_KEY}"})
        assert answer.json()["output"]["task_status"] == "UNKNOWN"
        assert "replay: no recorded dashscope query matches" in answer.headers["x-asr-emulator-warning"]


def test_a_request_to_the_emulators_own_address_is_not_recorded_and_said(tmp_path: Path) -> None:
    import httpx

    folder = tmp_path / "none"
    with ServerProcess(["--record", str(folder), "--upstream", "all"]) as server:
        answer = httpx.get(f"{server.url}/api/v1/tasks/nope", headers={"Authorization": f"Bearer {API_KEY}"})
        assert answer.json()["output"]["task_status"] == "UNKNOWN"
        assert "not recorded" in answer.headers["x-asr-emulator-warning"]
    assert not folder.exists() or not list(folder.glob("*.json"))


def drift_of(folder: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run([sys.executable, "-m", "emulator", "drift", str(folder), *extra], capture_output=True,
                          text=True, timeout=120)
    report = json.loads(done.stdout) if "--json" in extra else {}
    return done.returncode, report, done.stdout


def test_drift_finds_none_in_what_the_emulator_itself_answered(recorded: Recorded) -> None:
    status, report, _ = drift_of(recorded.folder, "--json", "-")
    assert status == 0, json.dumps(report, indent=1)[:3000]
    assert not report["drifted"] and report["states"] == []
    assert len(report["exchanges"]) == len(list(recorded.folder.glob("*.json")))


def test_drift_reports_exactly_what_the_service_changed(recorded: Recorded, tmp_path: Path) -> None:
    """A service that renamed a field of its query answer and of its realtime results, and answers another error
    code: drift names those paths, nothing else."""
    import shutil

    changed = tmp_path / "changed"
    shutil.copytree(recorded.folder, changed)
    for path in changed.glob("*-dashscope-query.json"):
        cassette = json.loads(path.read_text("utf-8"))
        body = json.loads(cassette["response"]["body"])
        body["output"]["taskStatus"] = body["output"].pop("task_status")          # a renamed field
        cassette["response"]["body"] = json.dumps(body, ensure_ascii=False)
        path.write_text(json.dumps(cassette, ensure_ascii=False), "utf-8")
    missing = sorted(changed.glob("*-tencent_asr-DescribeTaskStatus.json"))[-1]      # the poll of no task
    cassette = json.loads(missing.read_text("utf-8"))
    body = json.loads(cassette["response"]["body"])
    recorded_code = body["Response"]["Error"]["Code"]
    body["Response"]["Error"]["Code"] = "InvalidParameterValue.TaskId"                # another code
    cassette["response"]["body"] = json.dumps(body)
    missing.write_text(json.dumps(cassette), "utf-8")
    session = next(p for p in changed.glob("*-dashscope-stream.json"))
    cassette = json.loads(session.read_text("utf-8"))
    for frame in cassette["frames"]:
        message = json.loads(frame["text"]) if "text" in frame else {}
        if message.get("header", {}).get("event") == "result-generated":
            message["payload"]["output"]["sentences"] = message["payload"]["output"].pop("sentence")
            frame["text"] = json.dumps(message, ensure_ascii=False)
    session.write_text(json.dumps(cassette, ensure_ascii=False), "utf-8")
    status, report, _ = drift_of(changed, "--json", "-")
    assert status == 1 and report["drifted"] and report["states"] == []
    found = {(e["operation"], d["path"], d["kind"], d["recorded"], d["emulated"]) for e in report["exchanges"]
             for d in e["differences"]}
    assert found == {("query", "$.output.taskStatus", "missing", "string", "-"),
                     ("query", "$.output.task_status", "extra", "-", "string"),
                     ("DescribeTaskStatus", "$.Response.Error.Code", "value", "InvalidParameterValue.TaskId",
                      recorded_code),
                     ("stream", "messages[result-generated].payload.output.sentences", "missing", "object", "-"),
                     ("stream", "messages[result-generated].payload.output.sentence", "extra", "-", "object")}
    _, _, table = drift_of(changed)
    assert "dashscope        query" in table and "$.output.taskStatus (missing" in table and table.endswith("drift\n")


SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cassettes"


def test_the_shipped_cassettes_replay_to_the_sdks_and_show_no_drift(ca_dir: Path) -> None:
    """``examples/cassettes`` (made by ``python -m contract_tests.record.flows examples/cassettes``): a set a user can
    replay at once — and one that keeps up with the emulator (no drift; else make it again)."""
    submit = json.loads(next(SAMPLE.glob("*-dashscope-submit.json")).read_text("utf-8"))
    task_id = json.loads(submit["response"]["body"])["output"]["task_id"]
    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    with ServerProcess(["--replay", str(SAMPLE), "--replay-strict", "--replay-pace", "0"], env=env) as replaying:
        assert dashscope_flow(replaying.url, ca_file(ca_dir)) == [task_id, "SUCCEEDED"]
        assert realtime_flow(replaying.url) == ["你好，欢迎使用语音识别模拟器。今天天气很好。"]
    status, report, _ = drift_of(SAMPLE, "--json", "-")
    assert status == 0, json.dumps(report, ensure_ascii=False)[:3000]
