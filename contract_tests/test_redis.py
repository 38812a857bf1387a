"""``serve --store redis://…``: two emulator instances on one Redis (Debian's redis-server, started here) behind a
round-robin load balancer act as one emulator — through the vendors' SDKs, across instances, and after one
instance is killed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests.balancer import Balancer
from contract_tests.conftest import FIXTURES
from contract_tests.test_workers import AUTH, SUBSET, submit
from emulator.testing.server import ServerProcess

pytestmark = [pytest.mark.sdk, pytest.mark.skipif(shutil.which("redis-server") is None,
                                                  reason="redis-server is not installed (make test installs it)")]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def instances(redis_url: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    args = ["--store", redis_url, "--lifecycle", "instant"]
    with ServerProcess(args) as one, ServerProcess(args) as other:
        yield one, other


def backend(server: ServerProcess) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def test_a_job_made_on_one_instance_is_read_and_driven_on_the_other(
        instances: tuple[ServerProcess, ServerProcess]) -> None:
    one, other = (httpx.Client(base_url=s.url, trust_env=False, timeout=30) for s in instances)
    try:
        assert other.post("/_emulator/lifecycle", json={"policy": "manual"}).status_code == 200
        task_id = submit(one, f"{instances[0].url}/_emulator/fixtures/hello_zh.wav")
        assert other.get(f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["task_status"] == "PENDING"
        assert other.post(f"/_emulator/jobs/{task_id}/complete").status_code == 200
        done = one.get(f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]
        assert done["task_status"] == "SUCCEEDED"
        result = other.get(done["results"][0]["transcription_url"].replace(instances[0].url, "")).json()
        assert result["transcripts"][0]["text"] == FIXTURES.joinpath("hello_zh.txt").read_text("utf-8").strip()
        upload = one.post("/_emulator/media", content=FIXTURES.joinpath("hello_en.wav").read_bytes()).json()
        assert other.get(f"/_emulator/media/{upload['id']}").content == FIXTURES.joinpath("hello_en.wav").read_bytes()
        rule = {"match": {"vendor": "dashscope", "operation": "query", "times": 1}, "action": "throttle"}
        assert one.post("/_emulator/faults", json=rule).status_code == 201
        assert [c.get(f"/api/v1/tasks/{task_id}", headers=AUTH).status_code for c in (other, one)] == [429, 200]
    finally:
        one.close()
        other.close()


def test_the_sdk_contract_tests_pass_through_a_load_balancer(instances: tuple[ServerProcess, ServerProcess]) -> None:
    """The same SDK contract tests as against one process, through a balancer that sends each new connection to
    the next instance."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with Balancer([backend(s) for s in instances]) as balancer:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                               *SUBSET], cwd=ROOT, env={**env, "ASR_EMULATOR_URL": balancer.url},
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:]


def test_an_instance_killed_loses_nothing(redis_url: str, instances: tuple[ServerProcess, ServerProcess]) -> None:
    one, other = instances
    with httpx.Client(base_url=one.url, trust_env=False, timeout=30) as client:
        made = [submit(client, f"{one.url}/_emulator/fixtures/hello_zh.wav") for _ in range(5)]
    one.kill()
    with httpx.Client(base_url=other.url, trust_env=False, timeout=30) as client:
        for task_id in made:
            assert client.get(f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["task_status"] == "SUCCEEDED"
    with ServerProcess(["--store", redis_url, "--lifecycle", "instant"]) as again, \
            httpx.Client(base_url=again.url, trust_env=False, timeout=30) as client:
        fresh = submit(client, f"{again.url}/_emulator/fixtures/hello_zh.wav")
        assert fresh not in made and client.get(f"/api/v1/tasks/{made[0]}", headers=AUTH).status_code == 200
