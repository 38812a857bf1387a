"""The README's examples, executed: configured only through ``asr-emulator env``, as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.testing import ControlClient

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = Path(sys.executable).parent


def example(name: str) -> str:
    found = re.search(rf"```python\n# readme-example: {name}\n(.*?)```", README.read_text("utf-8"), re.S)
    assert found, f"README has no example {name!r}"
    return found.group(1)


def env_from_cli(url: str) -> dict[str, str]:
    out = subprocess.run([str(BIN / "asr-emulator"), "env", "--url", url], check=True, capture_output=True,
                         text=True).stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHSCOPE_")}
    for line in out.splitlines():
        if line.startswith("export ") and "NO_PROXY" not in line:
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = value
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


@pytest.mark.sdk
def test_readme_dashscope_example_runs_against_the_emulator(emulator: ControlClient) -> None:
    code = example("dashscope").replace("http://127.0.0.1:8000", emulator.url)
    emulator.lifecycle("polls:1")
    done = subprocess.run([sys.executable, "-c", code], env=env_from_cli(emulator.url), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["SUCCEEDED", "你好，欢迎使用语音识别模拟器。今天天气很好。"]


@pytest.mark.sdk
def test_readme_realtime_example_runs_against_the_emulator(emulator: ControlClient) -> None:
    done = subprocess.run([sys.executable, "-c", example("realtime")], env=env_from_cli(emulator.url),
                          cwd=README.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['你好，欢迎使用语音识别模拟器。今天天气很好。']",
                                        "['你好，欢迎使用语音识别模拟器。', '今天天气很好。']"]


@pytest.mark.sdk
def test_readme_nls_example_runs_against_the_emulator(emulator: ControlClient) -> None:
    host = emulator.url.split("//", 1)[1]
    code = example("nls").replace("127.0.0.1:8000", host)
    emulator.lifecycle("polls:1")
    env = {k: v for k, v in env_from_cli(emulator.url).items() if "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["SUCCESS", "你好，欢迎使用语音识别模拟器。今天天气很好。"]


@pytest.mark.sdk
def test_readme_eas_example_runs_against_the_emulator(emulator: ControlClient) -> None:
    code = example("eas").replace("127.0.0.1:8000", emulator.url.split("//", 1)[1])
    emulator.lifecycle("instant")
    done = subprocess.run([sys.executable, "-c", code], env=env_from_cli(emulator.url), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["0 你好;欢迎使用语音识别模拟器;今天天气很好"]


def _tencent_env(emulator: ControlClient) -> dict[str, str]:
    return {k: v for k, v in env_from_cli(emulator.url).items() if "proxy" not in k.lower()}


@pytest.mark.sdk
@pytest.mark.parametrize(("name", "first"), [("tencent-asr", "success"), ("tencent-ci", "Success")])
def test_readme_tencent_examples_run_against_the_emulator(emulator: ControlClient, name: str, first: str) -> None:
    code = example(name).replace("127.0.0.1:8000", emulator.url.split("//", 1)[1])
    emulator.lifecycle("polls:1")
    done = subprocess.run([sys.executable, "-c", code], env=_tencent_env(emulator), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    status, *lines = done.stdout.splitlines()
    assert status == first
    assert "".join(line.split("]  ", 1)[1] for line in lines) == "你好，欢迎使用语音识别模拟器。今天天气很好。"


@pytest.mark.sdk
def test_readme_pytest_plugin_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_plugin=example("pytest"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.sdk
def test_readme_fuzzing_example_finds_the_throttling_bug(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_fuzz=example("fuzzing"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*KeyError: 'output'*", "*scenario=Scenario(dashscope, instant, media=*"])
