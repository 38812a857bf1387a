"""The Docker image: its layers as users expect them, and the image itself, built and run with the container engine
here (podman, with the flags these machines need — see container/base-image.sh — or docker): healthy by its own
health check, running as a user of its own, its control plane locked by the token it prints (it listens on
0.0.0.0), speaking through espeak-ng, and answering each vendor family's SDK — the documents' examples — through
the published port. Where python:3.11-slim cannot be pulled, the base is made here from Debian's packages and passed
as PYTHON_IMAGE: the same Dockerfile."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text("utf-8")
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]
LIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"]
TAG = "asr-emulator:test"


def test_dependencies_are_a_layer_of_their_own_and_espeak_is_inside() -> None:
    lines = [line.strip() for line in DOCKERFILE.splitlines()]
    deps = next(i for i, line in enumerate(lines) if "pip install" in line and "requirements" in line)
    code = lines.index("COPY emulator ./emulator")
    assert deps < code, "the dependencies must be installed before the code is copied"
    assert all(not line.startswith("COPY") or "pyproject.toml" in line for line in lines[:deps])
    assert "espeak-ng" in DOCKERFILE and "HEALTHCHECK" in DOCKERFILE
    assert "ARG PYTHON_IMAGE=" in DOCKERFILE and "FROM ${PYTHON_IMAGE}" in DOCKERFILE


def _engine() -> list[str] | None:
    """The container engine's command: podman (as root, with the runtime and cgroup flags), else docker."""
    if shutil.which("podman") and shutil.which("runc") and subprocess.run(
            [*PODMAN, "info"], capture_output=True, timeout=60).returncode == 0:
        return PODMAN
    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode == 0:
        return ["docker"]
    return None


@dataclass
class Running:
    engine: list[str]
    name: str
    url: str
    token: str
    build_s: float
    start_s: float

    def run(self, *args: str, timeout: float = 60) -> str:
        return subprocess.run([*self.engine, *args], check=True, capture_output=True, text=True,
                              timeout=timeout).stdout


def _healthy(engine: list[str], name: str) -> bool:
    if engine is PODMAN:       # no systemd timers here: the image's HEALTHCHECK is run on demand
        return subprocess.run([*engine, "healthcheck", "run", name], capture_output=True, timeout=30).returncode == 0
    status = subprocess.run([*engine, "inspect", "--format", "{{.State.Health.Status}}", name], capture_output=True,
                            text=True, timeout=30).stdout.strip()
    return status == "healthy"


@pytest.fixture(scope="module")
def container() -> Iterator[Running]:
    engine = _engine()
    if engine is None:
        pytest.skip("no container engine runs here (podman info and docker info fail): the image is not built")
    build = [*engine, "build", "-t", TAG]
    if engine is PODMAN:
        base = subprocess.run(["bash", str(ROOT / "container" / "base-image.sh")], capture_output=True, text=True,
                              timeout=900)
        assert base.returncode == 0, base.stderr
        build += ["--format", "docker", *LIMITS, "--network", "host",
                  "--build-arg", f"PYTHON_IMAGE={base.stdout.strip()}"]
    started = time.monotonic()
    built = subprocess.run([*build, str(ROOT)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    build_s = time.monotonic() - started
    started = time.monotonic()
    name = subprocess.run([*engine, "run", "-d", *(LIMITS if engine is PODMAN else []), "-p", "127.0.0.1::8000", TAG],
                          check=True, capture_output=True, text=True, timeout=120).stdout.strip()
    try:
        port = subprocess.run([*engine, "port", name, "8000"], check=True, capture_output=True, text=True,
                              timeout=30).stdout.splitlines()[0].rsplit(":", 1)[1]
        deadline = time.monotonic() + 90
        while not _healthy(engine, name):
            if time.monotonic() > deadline:
                pytest.fail("the container never became healthy")
            time.sleep(0.2)
        start_s = time.monotonic() - started
        logs = subprocess.run([*engine, "logs", name], capture_output=True, text=True, timeout=30)
        token = re.search(r"ASR_EMULATOR_CONTROL_TOKEN=(\S+)", logs.stdout + logs.stderr)
        assert token, logs.stdout + logs.stderr
        size = subprocess.run([*engine, "image", "inspect", "--format", "{{.Size}}", TAG], capture_output=True,
                              text=True, timeout=30).stdout.strip()
        from tests.conftest import REPORT

        REPORT.append(f"the image {TAG} ({engine[0]}): built in {build_s:.1f} s, {int(size or 0) / 1e6:.0f} MB, "
                      f"healthy {start_s:.2f} s after `run`; the tests in tests/test_docker.py ran it")
        yield Running(engine, name, f"http://127.0.0.1:{port}", token.group(1), build_s, start_s)
    finally:
        subprocess.run([*engine, "rm", "-f", name], capture_output=True, timeout=60)


def _get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_the_image_runs_as_a_user_of_its_own(container: Running) -> None:
    assert container.run("exec", container.name, "id", "-u").strip() == "10001"
    assert container.run("exec", container.name, "asr-emulator", "--version").strip()


def test_the_control_plane_is_locked_by_the_token_it_prints(container: Running) -> None:
    assert _get(container.url + "/_emulator/health") == 200
    assert _get(container.url + "/_emulator/jobs") == 401
    assert _get(container.url + "/_emulator/jobs", container.token) == 200


def test_make_audio_speaks_through_espeak_inside(container: Running) -> None:
    out = container.run("exec", container.name, "asr-emulator", "make-audio", "你好。", "-o", "/tmp/x.wav",
                        "--engine", "espeak")
    assert out.startswith("wrote /tmp/x.wav")


@pytest.mark.sdk
@pytest.mark.parametrize("name", ["dashscope", "nls", "eas", "tencent-asr", "tencent-ci"])
def test_each_vendor_family_answers_its_sdk_through_the_published_port(container: Running, name: str) -> None:
    """The documents' example for each family, run as a user runs it against the container."""
    from contract_tests.test_readme import env_from_cli, example, printed, shown

    req = urllib.request.Request(container.url + "/_emulator/lifecycle", data=json.dumps(
        {"policy": "instant"}).encode(), method="POST", headers={"Authorization": f"Bearer {container.token}",
                                                                 "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200
    code = example(name).replace("http://127.0.0.1:8000", container.url).replace(
        "127.0.0.1:8000", container.url.split("//", 1)[1])
    env = env_from_cli(container.url)
    if name != "dashscope":                  # the clients that need no proxy (as the README's tests run them)
        env = {k: v for k, v in env.items() if "proxy" not in k.lower()}
    assert printed(code, env) == shown(name)
