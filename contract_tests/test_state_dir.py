"""``serve --state-dir``: what the emulator acknowledged survives ``kill -9`` and a restart, and no id is handed out
twice."""

from __future__ import annotations

import gc
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tencentcloud.asr.v20190614 import models

from contract_tests.conftest import FIXTURES
from emulator.engine.sqlite_store import JOURNAL_FLUSH_S
from emulator.testing import ControlClient
from emulator.testing.server import ServerProcess

# the Tencent SDK's requests session keeps its socket to the server this test kills: collected here, its
# ResourceWarning ignored, rather than surfacing in whichever test runs next
pytestmark = [pytest.mark.sdk, pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]
AUTH = {"Authorization": "Bearer sk-asr-emulator"}


@pytest.fixture(autouse=True)
def _collect_clients_of_killed_servers() -> Iterator[None]:
    yield
    gc.collect()          # here, where the ResourceWarning of an SDK's socket to a killed server is ignored


def submit(http: httpx.Client, url: str, source: str) -> str:
    r = http.post(f"{url}/api/v1/services/audio/asr/transcription", headers={**AUTH, "X-DashScope-Async": "enable"},
                  json={"model": "paraformer-v2", "input": {"file_urls": [source]}})
    assert r.status_code == 200, r.text
    task_id: str = r.json()["output"]["task_id"]
    return task_id


def status(http: httpx.Client, url: str, task_id: str) -> dict[str, Any]:
    output: dict[str, Any] = http.get(f"{url}/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]
    return output


def vocab(url: str, action: str, **fields: Any) -> Any:
    from contract_tests.tencent.conftest import make_asr

    client = make_asr(ControlClient(url))
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(fields))
    return getattr(client, action)(request)


def test_acknowledged_state_survives_kill_9(tmp_path: Path) -> None:
    state = tmp_path / "state"
    http = httpx.Client(trust_env=False, timeout=30)
    with ServerProcess(["--state-dir", str(state), "--lifecycle", "instant"]) as first:
        control = ControlClient(first.url)
        upload = control.upload(FIXTURES / "hello_zh.wav", name="hello.wav")
        tasks = [submit(http, first.url, upload["url"]) for _ in range(5)]
        before = {t: status(http, first.url, t) for t in tasks}
        assert all(s["task_status"] == "SUCCEEDED" for s in before.values())
        vocab_id = vocab(first.url, "CreateAsrVocab", Name="kept", WordWeights=[{"Word": "滨海大厦", "Weight": 5}]
                         ).VocabId
        # what a test configured at run time is kept too
        control.fault({"type": "error", "code": "DataInspectionFailed"}, vendor="nls", operation="SubmitTask")
        pinned = float(int(time.time()) + 60)
        control.clock(mode="manual", now=pinned)
        control.settings(nls={"daily_quota_s": 7200}, rate_limits=True)
        control.script("保留的脚本。", url="http://files.example.com/kept.wav")
        control.fault("throttle", vendor="dashscope", operation="query", times=2)
        assert http.get(f"{first.url}/api/v1/tasks/{tasks[0]}", headers=AUTH).status_code == 429   # 1 of 2
        control.settings(eas={"services": {"asr_general_express": None}})     # a default service removed
        control.close()
        # the journal is written a moment behind the answers (JOURNAL_FLUSH_S): what is older than that is kept
        time.sleep(JOURNAL_FLUSH_S * 3)
        assert first._proc is not None
        first._proc.send_signal(signal.SIGKILL)                     # no shutdown, no flush
        first._proc.wait(timeout=10)
    with ServerProcess(["--state-dir", str(state), "--lifecycle", "instant"]) as second:
        assert [http.get(f"{second.url}/api/v1/tasks/{tasks[0]}", headers=AUTH).status_code
                for _ in range(2)] == [429, 200]              # the rule's count went on: 2 of 2, then no more
        for task_id, was in before.items():                        # every acknowledged task, as it was
            now = status(http, second.url, task_id)
            assert now["task_status"] == "SUCCEEDED" and now["results"] == [
                {**r, "transcription_url": now["results"][0]["transcription_url"]} for r in was["results"]]
            link = now["results"][0]["transcription_url"]
            assert link.startswith(second.url), (link, second.url)
            result = http.get(link).json()
            assert result["transcripts"][0]["text"] == FIXTURES.joinpath("hello_zh.txt").read_text("utf-8").strip()
        kept = http.get(upload["url"].replace(first.url, second.url))                            # the upload
        assert kept.content == FIXTURES.joinpath("hello_zh.wav").read_bytes()
        assert vocab(second.url, "GetAsrVocab", VocabId=vocab_id).Name == "kept"
        control = ControlClient(second.url)
        rules = control._call("GET", "/faults")["rules"]
        assert [(r["vendor"], r["operation"], r["code"]) for r in rules] == [
            ("nls", "SubmitTask", "DataInspectionFailed"), ("dashscope", "query", None)]
        assert "asr_general_express" not in control.settings()["eas"]["services"]
        assert control.clock() == {"mode": "manual", "now": pinned}
        kept_settings = control.settings()
        assert kept_settings["nls"]["daily_quota_s"] == 7200 and kept_settings["rate_limits"] is True
        kept_journal = control.journal(vendor="dashscope", operation="submit")
        assert len(kept_journal) == 5 and kept_journal[0]["seq"] >= 1
        control.settings(rate_limits=False)
        control.clock(mode="real")
        fresh = submit(http, second.url, upload["url"])
        assert fresh not in tasks                                  # the same seed, yet a new id
        assert len(ControlClient(second.url).jobs(vendor="dashscope")) == 6
    http.close()


def test_a_callback_due_at_the_kill_is_delivered_after_the_restart(tmp_path: Path, local_files: Any) -> None:
    from aliyunsdkcore.client import AcsClient

    from contract_tests.nls.conftest import AKID, SECRET, Filetrans

    state = ["--state-dir", str(tmp_path / "state"), "--lifecycle", "instant"]
    path = f"/cb-{time.time_ns()}"
    local_files.fail_first.add(path)                     # the first attempt fails: a retry is due
    with ServerProcess(state) as first:
        control = ControlClient(first.url)
        control.settings(callback_retry_delays=[60])     # far away: only a restart can deliver it in time
        filetrans = Filetrans(AcsClient(AKID, SECRET, "cn-shanghai"), first.url.split("//", 1)[1])
        submitted = filetrans.submit({"file_link": control.fixture_url("hello_zh.wav"), "enable_callback": True,
                                      "callback_url": local_files.url + path})
        deadline = time.monotonic() + 10
        while not local_files.posts(path) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(local_files.posts(path)) == 1
        # the receiver sees the post before the emulator records the failed attempt: kill once it is recorded
        # (killed before that, the attempt is simply made again after the restart: at-least-once delivery)
        while time.monotonic() < deadline and not any(
                d["job_id"] == submitted["TaskId"] and d["last_status"] for d in control.callbacks()):
            time.sleep(0.02)
        control.close()
        assert first._proc is not None
        first._proc.send_signal(signal.SIGKILL)
        first._proc.wait(timeout=10)
    with ServerProcess(state) as second:
        ControlClient(second.url).health()                # any request: the resumed deliveries start
        deadline = time.monotonic() + 10
        while len(local_files.posts(path)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        posts = local_files.posts(path)
        assert len(posts) == 2 and posts[1]["TaskId"] == submitted["TaskId"]
        [delivery] = [d for d in ControlClient(second.url).callbacks() if d["job_id"] == submitted["TaskId"]]
        assert (delivery["state"], delivery["attempts"]) == ("delivered", 2)
