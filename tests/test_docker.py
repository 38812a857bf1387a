"""The Docker image: its layers as users expect them, and — where a container engine is available — the image
itself: built, healthy by its own health check, answering a dashscope SDK call, speaking through espeak-ng."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text("utf-8")


def test_dependencies_are_a_layer_of_their_own_and_espeak_is_inside() -> None:
    lines = [line.strip() for line in DOCKERFILE.splitlines()]
    deps = next(i for i, line in enumerate(lines) if "pip install" in line and "requirements" in line)
    code = lines.index("COPY emulator ./emulator")
    assert deps < code, "the dependencies must be installed before the code is copied"
    assert all(not line.startswith("COPY") or "pyproject.toml" in line for line in lines[:deps])
    assert "espeak-ng" in DOCKERFILE and "HEALTHCHECK" in DOCKERFILE
    assert "ARG PYTHON_IMAGE=" in DOCKERFILE and "FROM ${PYTHON_IMAGE}" in DOCKERFILE


def _engine() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


def _docker(*args: str, timeout: float = 60) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True, timeout=timeout).stdout


@pytest.fixture(scope="module")
def container() -> Iterator[tuple[str, str]]:
    if not _engine():
        pytest.skip("no container engine here (docker info fails): the image is not built or run")
    _docker("build", "-t", "asr-emulator:test", str(ROOT), timeout=1200)
    name = _docker("run", "-d", "-p", "127.0.0.1::8000", "asr-emulator:test").strip()
    try:
        port = _docker("port", name, "8000").splitlines()[0].rsplit(":", 1)[1]
        deadline = time.monotonic() + 90
        while _docker("inspect", "--format", "{{.State.Health.Status}}", name).strip() != "healthy":
            if time.monotonic() > deadline:
                pytest.fail("the container never became healthy")
            time.sleep(1)
        yield name, f"http://127.0.0.1:{port}"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)


@pytest.mark.sdk
def test_the_image_is_healthy_and_answers_the_sdk(container: tuple[str, str]) -> None:
    name, url = container
    health = json.loads(_docker("inspect", "--format", "{{json .State.Health}}", name))
    assert health["Status"] == "healthy"
    code = f"""
import dashscope
from dashscope.audio.asr import Transcription
dashscope.base_http_api_url = "{url}/api/v1"
dashscope.api_key = "sk-asr-emulator-local"
task = Transcription.async_call(model="paraformer-v2", file_urls=["{url}/_emulator/fixtures/hello_zh.wav"])
print(Transcription.wait(task=task.output.task_id).output.task_status)
"""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "SUCCEEDED", done.stderr
    _docker("exec", name, "asr-emulator", "make-audio", "你好。", "-o", "/tmp/x.wav", "--engine", "espeak")
