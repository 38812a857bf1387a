"""The pytest plugin as a user meets it: installed through its entry point, in a fresh pytest run (pytester)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.testing import ControlClient, ServerProcess

pytestmark = pytest.mark.sdk

USER_TEST = '''
import pytest
from dashscope.audio.asr import Transcription


@pytest.mark.asr_emulator(lifecycle="polls:2", fast_polling=True)
def test_my_transcription(asr_emulator):
    asr_emulator.dashscope()
    task = Transcription.async_call(model="paraformer-v2", file_urls=[asr_emulator.fixture_url("hello_zh.wav")])
    result = Transcription.wait(task=task.output.task_id)
    assert result.output.task_status == "SUCCEEDED"
'''


def test_a_ten_line_user_test_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_each_test_starts_from_a_reset_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_isolation='''
        import httpx

        def submit(handle):
            r = httpx.post(handle.url + "/api/v1/services/audio/asr/transcription",
                           headers={"Authorization": "Bearer sk-asr-emulator-local", "X-DashScope-Async": "enable"},
                           json={"model": "paraformer-v2",
                                 "input": {"file_urls": [handle.fixture_url("hello_zh.wav")]}})
            assert r.status_code == 200, r.text

        def test_one(asr_emulator):
            submit(asr_emulator)
            assert len(asr_emulator.jobs()) == 1

        def test_two(asr_emulator):
            assert asr_emulator.jobs() == []
            submit(asr_emulator)
            assert [j["test_id"] for j in asr_emulator.jobs()] == [None]
    ''')
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_marker_configures_faults_seed_and_credentials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marker='''
        import httpx
        import pytest

        RULE = {"match": {"vendor": "dashscope", "operation": "submit"},
                "action": {"type": "error", "code": "Throttling.RateQuota"}}

        @pytest.mark.asr_emulator(faults=[RULE], seed=7, credentials="strict")
        def test_marked(asr_emulator):
            r = httpx.post(asr_emulator.url + "/api/v1/services/audio/asr/transcription",
                           headers={"Authorization": "Bearer sk-asr-emulator-local", "X-DashScope-Async": "enable"},
                           json={"model": "paraformer-v2", "input": {"file_urls": ["http://a/b.wav"]}})
            assert r.status_code == 429 and r.json()["code"] == "Throttling.RateQuota"
            settings = httpx.get(asr_emulator.url + "/_emulator/settings").json()
            assert settings["seed"] == 7 and settings["credentials"] == "strict"

        @pytest.mark.asr_emulator(colour="red")
        def test_misused(asr_emulator):
            pass
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*asr_emulator takes keywords*colour*"])


def test_parallel_workers_each_get_a_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_parallel='''
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_job(asr_emulator, n):
            asr_emulator.script("第%d个。" % n, url="http://media.asr-emulator.test/%d.wav" % n)
            assert asr_emulator.jobs() == []
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=6)


def test_an_external_emulator_by_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_external='''
        def test_url(asr_emulator, asr_emulator_server):
            assert asr_emulator.url == asr_emulator_server
            assert asr_emulator.health()["status"] == "ok"
    ''')
    with ServerProcess() as server:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--asr-emulator-url={server.url}", "-s")
    result.assert_outcomes(passed=1)


def test_vendor_helpers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_helpers='''
        import json

        from eas_prediction import StringRequest
        from tencentcloud.asr.v20190614 import models

        def test_helpers(asr_emulator):
            out = asr_emulator.predict_client("asr_general_express").predict(
                StringRequest(json.dumps({"input": {"url": asr_emulator.fixture_url("hello_zh.wav")}})))
            assert json.loads(out.response_data)["0"]
            req = models.CreateRecTaskRequest()
            req.from_json_string(json.dumps({"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0,
                                             "SourceType": 0, "Url": asr_emulator.fixture_url("hello_zh.wav")}))
            assert asr_emulator.asr_client().CreateRecTask(req).Data.TaskId
            cos = asr_emulator.cos_client()
            cos.put_object(Bucket="b-1250000000", Key="k", Body=b"x")
            assert cos.get_object(Bucket="b-1250000000", Key="k")["Body"].get_raw_stream().read() == b"x"
            assert asr_emulator.env()["EAS_TOKEN"] == "asr-emulator-eas-token"
            from pathlib import Path
            import emulator
            wav = Path(emulator.__file__).parent.parent / "fixtures" / "hello_en.wav"
            url = asr_emulator.script_media(wav.read_bytes(), text="脚本。")
            out = asr_emulator.predict_client("asr_general_express").predict(
                StringRequest(json.dumps({"input": {"url": url}})))
            assert json.loads(out.response_data) == {"0": "脚本"}
            assert asr_emulator.acs_client()
            wav = (Path(emulator.__file__).parent.parent / "fixtures" / "hello_zh.wav").read_bytes()
            flash = asr_emulator.flash(wav, word_info=1)
            assert flash["code"] == 0 and flash["flash_result"][0]["sentence_list"][0]["word_list"]
            assert len(asr_emulator.nls_token()) == 32 and asr_emulator.nls_ws_url.endswith("/ws/v1")
            import websocket
            ws = websocket.create_connection(asr_emulator.tencent_ws_url(engine_model_type="16k_en"))
            assert json.loads(ws.recv())["code"] == 0            # signed as the SDKs sign: acknowledged
            ws.close()
            answer = asr_emulator.openai_client().chat.completions.create(model="qwen3-asr-flash", messages=[
                {"role": "user", "content": [{"type": "input_audio", "input_audio": {
                    "data": asr_emulator.fixture_url("hello_zh.wav")}}]}])
            assert answer.choices[0].message.content == "你好，欢迎使用语音识别模拟器。今天天气很好。"
            assert asr_emulator.qwen_realtime_url.endswith("/api-ws/v1/realtime")
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_server_of_the_runs_own_is_left_as_the_test_found_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_shared='''
        import httpx
        import pytest

        @pytest.mark.asr_emulator(lifecycle="manual", faults=[{"vendor": "nls", "action": "throttle"}],
                                  settings={"rate_limits": True})
        def test_changes_things(asr_emulator):
            asr_emulator.script("脚本。", url="http://media.asr-emulator.test/x.wav")
            asr_emulator.clock(mode="manual")
            r = httpx.post(asr_emulator.url + "/api/v1/services/audio/asr/transcription",
                           headers={"Authorization": "Bearer sk-asr-emulator-local", "X-DashScope-Async": "enable"},
                           json={"model": "paraformer-v2",
                                 "input": {"file_urls": ["http://media.asr-emulator.test/x.wav"]}})
            assert r.status_code == 200
    ''')
    with ServerProcess() as server:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--asr-emulator-url={server.url}",
                                               "--asr-emulator-account=none")
        result.assert_outcomes(passed=1)
        after = ControlClient(server.url)
        try:
            assert after._call("GET", "/lifecycle")["overrides"] == {}
            assert after._call("GET", "/faults")["rules"] == []
            assert after._call("GET", "/settings")["rate_limits"] is False
            assert after._call("GET", "/clock")["mode"] == "real"
            jobs = after.jobs()
            assert len(jobs) == 1 and jobs[0]["phase"] == "queued"      # what it submitted stays to look at
        finally:
            after.close()


def test_misuse_is_reported_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_misuse='''
        import pytest

        @pytest.mark.asr_emulator(lifecycle="polls:2")
        def test_without_a_fixture():
            pass
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*uses neither fixture (asr_emulator, asr_emulator_respx)*"])
    pytester.makepyfile(test_misuse='''
        def test_closed(asr_emulator):
            pass
    ''')
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--asr-emulator-url=http://127.0.0.1:{port}")
    result.stdout.fnmatch_lines([f"*--asr-emulator-url http://127.0.0.1:{port}: no emulator answers there*"])
    assert result.ret != 0


def test_strict_option_fails_a_test_the_emulator_was_lenient_in(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_lenient='''
        import httpx
        import pytest

        def tasks(handle, key):
            return httpx.get(handle.url + "/api/v1/tasks", headers={"Authorization": f"Bearer {key}"})

        def test_uses_an_unregistered_key(asr_emulator):
            assert tasks(asr_emulator, "sk-someone-else").status_code == 200

        def test_uses_the_configured_key(asr_emulator):
            assert tasks(asr_emulator, "sk-asr-emulator-local").status_code == 200

        @pytest.mark.asr_emulator(strict=True)
        def test_strict_refuses(asr_emulator):
            assert tasks(asr_emulator, "sk-someone-else").status_code == 401
    ''')
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=3)
    strict = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--asr-emulator-strict")
    strict.assert_outcomes(passed=3, errors=1)
    strict.stdout.fnmatch_lines(["*dashscope/unregistered_key x1 (the vendor answers InvalidApiKey*"])


SIDE_BY_SIDE = '''
    import json
    import os
    import time
    from pathlib import Path

    import pytest
    from tencentcloud.asr.v20190614 import models
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    RUN, OTHER = os.environ["RUN"], {"a": "b", "b": "a"}[os.environ["RUN"]]
    MEETING = Path(os.environ["MEETING"])
    URL = "http://media.asr-emulator.test/same-name.wav"   # both runs script the same URL, each its own words

    def meet(step):
        """Wait until the other run has reached the same step: the two runs are in the same test at once."""
        (MEETING / f"{RUN}{step}").touch()
        deadline = time.monotonic() + 30
        while not (MEETING / f"{OTHER}{step}").exists():
            assert time.monotonic() < deadline, f"the other run never reached step {step}"
            time.sleep(0.02)

    FAULTS = [{"vendor": "tencent_asr", "operation": "CreateRecTask", "action": "throttle"}] if RUN == "a" else []

    @pytest.mark.asr_emulator(lifecycle="manual" if RUN == "a" else "instant", faults=FAULTS)
    def test_side_by_side(asr_emulator):
        asr_emulator.script(f"这是{RUN}的脚本。", url=URL)
        dashscope = asr_emulator.dashscope(fast_polling=True)
        submitted = dashscope.audio.asr.Transcription.async_call(model="paraformer-v2", file_urls=[URL])
        task_id = submitted.output.task_id
        meet(1)                                        # both runs' jobs exist now
        [job] = asr_emulator.jobs()                    # only this run's
        assert job["id"] == task_id
        status = dashscope.audio.asr.Transcription.fetch(task=task_id).output.task_status
        assert status == ("PENDING" if RUN == "a" else "SUCCEEDED")      # each run's own lifecycle
        req = models.CreateRecTaskRequest()
        req.from_json_string(json.dumps({"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0,
                                         "SourceType": 0, "Url": URL}))
        if RUN == "a":                                 # its own fault, which the other run does not meet
            with pytest.raises(TencentCloudSDKException):
                asr_emulator.asr_client().CreateRecTask(req)
        else:
            assert asr_emulator.asr_client().CreateRecTask(req).Data.TaskId
        entries = asr_emulator.journal(vendor="dashscope")
        assert entries and {e["account"] for e in entries} == {dashscope.api_key}     # its own requests only
        meet(2)
        if RUN == "a":
            asr_emulator.job_action(task_id, "complete")
        done = dashscope.audio.asr.Transcription.wait(task=task_id)
        result = json.loads(__import__("urllib.request").request.urlopen(
            done.output.results[0]["transcription_url"]).read())
        assert result["transcripts"][0]["text"] == f"这是{RUN}的脚本。"      # its own script for the same URL
        meet(3)
        asr_emulator.reset()                           # its own reset: the other run's jobs stay
        assert asr_emulator.jobs() == []
        meet(4)
'''


def test_two_runs_share_one_server_in_accounts_of_their_own(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Two pytest runs against one server at the same time (each waits for the other inside the test): each sees
    its own jobs, scripts, lifecycle and faults, and its reset leaves the other's state alone."""
    pytester.makepyfile(test_side=SIDE_BY_SIDE)
    with ServerProcess() as server:
        runs = {}
        for run in ("a", "b"):
            env = {**os.environ, "RUN": run, "MEETING": str(tmp_path)}
            runs[run] = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                                          f"--asr-emulator-url={server.url}", "test_side.py"],
                                         cwd=pytester.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True)
        outputs = {run: proc.communicate(timeout=120)[0] for run, proc in runs.items()}
        for run, proc in runs.items():
            assert proc.returncode == 0, outputs[run]
        everything = ControlClient(server.url)         # without an account: every account's jobs
        try:
            assert everything.jobs() == []             # each run reset its own after its checks
        finally:
            everything.close()


def test_the_marker_replays_a_folder_of_cassettes_for_one_test(pytester: pytest.Pytester) -> None:
    """``replay=`` (a folder beside the test file): that test's requests are answered from the cassettes — the
    dashscope SDK polls a recorded task to its recorded end — and the next test's emulator is itself again."""
    import shutil

    sample = Path(__file__).resolve().parents[2] / "examples" / "cassettes"
    folder = pytester.path / "cassettes"
    folder.mkdir()
    for path in sample.glob("*-dashscope-*.json"):
        if "stream" not in path.name:
            shutil.copy(path, folder / path.name)
    import json

    submit = json.loads(next(folder.glob("*-submit.json")).read_text("utf-8"))
    task_id = json.loads(submit["response"]["body"])["output"]["task_id"]
    pytester.makepyfile(test_replay=f'''
        import httpx
        import pytest
        from dashscope.audio.asr import Transcription

        @pytest.mark.asr_emulator(replay="cassettes", replay_strict=True)
        def test_replayed(asr_emulator):
            asr_emulator.dashscope()
            done = Transcription.wait(task="{task_id}")
            assert done.output.task_status == "SUCCEEDED"
            state = httpx.get(asr_emulator.url + "/_emulator/replay").json()
            assert state["replaying"] and state["served"] >= 3

        def test_not_replayed(asr_emulator):
            asr_emulator.dashscope()
            assert httpx.get(asr_emulator.url + "/_emulator/replay").json() == {{"replaying": False}}
            done = Transcription.fetch(task="{task_id}")
            assert done.output.task_status == "UNKNOWN"
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
