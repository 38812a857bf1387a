"""``serve --workers 2``: two processes on one port sharing the state directory behave as one emulator — through the
vendors' SDKs, across workers, under concurrent load, and after a ``kill -9`` of the whole server mid-load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.conftest import FIXTURES
from contract_tests.tencent.conftest import BUCKET, make_cos
from emulator.testing import ControlClient
from emulator.testing.server import ServerProcess

pytestmark = pytest.mark.sdk
ROOT = Path(__file__).resolve().parents[1]
WORKER = "x-asr-emulator-worker"
AUTH = {"Authorization": "Bearer sk-workers"}
SUBSET = ["contract_tests/dashscope/test_transcription.py", "contract_tests/nls/test_filetrans.py",
          "contract_tests/tencent/test_asr.py", "contract_tests/tencent/test_ci.py",
          "contract_tests/eas/test_queue.py", "contract_tests/test_accounts.py"]


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(["--workers", "2", "--state-dir", str(tmp_path / "state"), "--lifecycle", "instant"]) as server:
        yield server


def worker_clients(url: str) -> dict[str, httpx.Client]:
    """A kept-alive connection to each worker (new connections until both have answered)."""
    found: dict[str, httpx.Client] = {}
    for _ in range(400):
        client = httpx.Client(base_url=url, trust_env=False, timeout=30)
        pid = client.get("/_emulator/health").headers[WORKER]
        if pid in found:
            client.close()
        else:
            found[pid] = client
        if len(found) == 2:
            return found
    raise AssertionError(f"only workers {list(found)} answered 400 new connections")


def cos_client(url: str) -> Any:
    control = ControlClient(url)
    control.close()
    return make_cos(control)


def submit(client: httpx.Client, url: str) -> str:
    answer = client.post("/api/v1/services/audio/asr/transcription", headers={**AUTH, "X-DashScope-Async": "enable"},
                         json={"model": "paraformer-v2", "input": {"file_urls": [url]}})
    assert answer.status_code == 200, answer.text
    task_id: str = answer.json()["output"]["task_id"]
    return task_id


def test_a_job_made_through_one_worker_is_read_driven_and_configured_through_the_other(
        two_workers: ServerProcess) -> None:
    one, other = worker_clients(two_workers.url).values()
    audio = f"{two_workers.url}/_emulator/fixtures/hello_zh.wav"
    try:
        assert other.post("/_emulator/lifecycle", json={"policy": "manual"}).status_code == 200
        task_id = submit(one, audio)                                    # the lifecycle set through the other
        assert other.get(f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["task_status"] == "PENDING"
        assert other.post(f"/_emulator/jobs/{task_id}/complete").status_code == 200
        done = one.get(f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]
        assert done["task_status"] == "SUCCEEDED"
        result = other.get(done["results"][0]["transcription_url"].replace(two_workers.url, "")).json()
        assert result["transcripts"][0]["text"] == FIXTURES.joinpath("hello_zh.txt").read_text("utf-8").strip()
        # a fault rule with a count, added through one worker, counted across both
        rule = {"match": {"vendor": "dashscope", "operation": "query", "times": 2}, "action": "throttle"}
        assert one.post("/_emulator/faults", json=rule).status_code == 201
        statuses = [c.get(f"/api/v1/tasks/{task_id}", headers=AUTH).status_code for c in (one, other, one, other)]
        assert statuses == [429, 429, 200, 200]
        assert [r["hits"] for r in other.get("/_emulator/faults").json()["rules"]] == [2]
        journal = one.get("/_emulator/journal", params={"operation": "query"}).json()["entries"]
        assert len(journal) == 6 and len({e["seq"] for e in journal}) == 6     # both workers' entries, numbered
        one.post("/_emulator/reset")
        assert other.get("/_emulator/jobs").json()["jobs"] == []
        assert other.get("/_emulator/lifecycle").json()["overrides"] == {}
    finally:
        one.close()
        other.close()


def test_ids_are_unique_across_workers_under_concurrent_load(two_workers: ServerProcess) -> None:
    audio = f"{two_workers.url}/_emulator/fixtures/hello_zh.wav"
    made: list[str] = []
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(base_url=two_workers.url, trust_env=False, timeout=30,
                          headers={"Connection": "close"}) as client:       # each request may reach either worker
            for _ in range(15):
                task_id = submit(client, audio)
                with lock:
                    made.append(task_id)

    threads = [threading.Thread(target=client_loop) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 120 and len(set(made)) == 120
    control = ControlClient(two_workers.url)
    try:
        assert {j["id"] for j in control.jobs()} == set(made)
        page = control._call("GET", "/jobs", params={"order": "newest", "limit": "50", "after": "50"})
        assert (page["total"], len(page["jobs"]), page["next"]) == (120, 50, "100")   # paged in SQL
        assert all(j["id"] in made for j in page["jobs"])
        rows = httpx.get(f"{two_workers.url}/_emulator/ui/rows", params={"vendor": "dashscope"}, timeout=30).text
        assert sum(task_id in rows for task_id in made) == 50                      # the dashboard's first page
    finally:
        control.close()


def test_the_sdk_contract_tests_pass_against_two_workers(two_workers: ServerProcess) -> None:
    """The same SDK contract tests as against one process (DashScope, NLS, Tencent ASR and CI, the EAS queue,
    accounts), with the suite aimed at the two-worker server."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           *SUBSET], cwd=ROOT, env={**env, "ASR_EMULATOR_URL": two_workers.url},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout and "failed" not in done.stdout.splitlines()[-1]


def test_kill_9_under_load_keeps_every_acknowledged_job_object_and_queue_entry(tmp_path: Path) -> None:
    state = ["--workers", "2", "--state-dir", str(tmp_path / "state"), "--lifecycle", "instant"]
    acknowledged: dict[str, list[Any]] = {"tasks": [], "objects": [], "queue": []}
    stop = threading.Event()
    lock = threading.Lock()
    with ServerProcess(state) as first:
        audio = f"{first.url}/_emulator/fixtures/hello_zh.wav"
        eas_body = json.dumps({"input": {"url": audio}}).encode()
        cos = cos_client(first.url)

        def load(kind: str) -> None:
            with httpx.Client(base_url=first.url, trust_env=False, timeout=10) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    try:
                        if kind == "tasks":
                            done: Any = submit(client, audio)
                        elif kind == "objects":
                            key = f"load/{threading.get_ident()}-{n}.bin"
                            cos.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
                            done = key
                        else:
                            answer = client.post("/api/predict/asr_general_express_async", content=eas_body,
                                                 headers={"Authorization": "asr-emulator-eas-token"})
                            if answer.status_code != 200:
                                continue
                            done = (int(answer.text), answer.headers["x-eas-queueservice-request-id"])
                    except Exception:                # the server died mid-request: not acknowledged
                        return
                    with lock:
                        acknowledged[kind].append(done)

        threads = [threading.Thread(target=load, args=(kind,)) for kind in ("tasks", "tasks", "objects", "queue")]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60            # under load at least a few of each kind, however busy the machine
        while time.monotonic() < deadline and not all(len(v) >= 3 for v in acknowledged.values()):
            time.sleep(0.05)
        time.sleep(0.5)
        first.kill()                                 # the whole server and its workers, mid-load
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert all(acknowledged.values()), {k: len(v) for k, v in acknowledged.items()}
    with ServerProcess(state) as second:
        with httpx.Client(base_url=second.url, trust_env=False, timeout=30) as client:
            for task_id in acknowledged["tasks"]:
                assert client.get(f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["task_status"] in (
                    "SUCCEEDED", "FAILED"), task_id            # FAILED: its media were being fetched at the kill
        cos = cos_client(second.url)
        for key in acknowledged["objects"]:
            assert cos.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read() == key.encode(), key
        with httpx.Client(base_url=second.url, trust_env=False, timeout=30) as client:
            attrs = client.get("/api/predict/asr_general_express_async",
                               params={"_attrs_": "true"}, headers={"Authorization": "asr-emulator-eas-token"})
            assert int(attrs.json()["stream.lastEntry"]) >= max(i for i, _ in acknowledged["queue"])
            fresh = submit(client, f"{second.url}/_emulator/fixtures/hello_zh.wav")
            assert fresh not in acknowledged["tasks"]                # ids never handed out twice
