"""The examples of the README and of the documentation site (``docs/``), executed: configured only through
``asr-emulator env``, as a user would, and what each prints compared with what the page says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.testing import ControlClient

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent


def documents() -> str:
    """The README and every page of the documentation site, as one text (an example's name is unique in it)."""
    return "\n".join(page.read_text("utf-8") for page in PAGES)


def example(name: str, language: str = "python") -> str:
    marker = "//" if language == "js" else "#"
    found = set(re.findall(rf"```{language}\n{marker} readme-example: {name}\n(.*?)```", documents(), re.S))
    assert len(found) == 1, f"the documents have {len(found)} different examples named {name!r} (the README may " \
                            "repeat a page's example, word for word)"
    return str(found.pop())


def shown(name: str) -> list[str]:
    """What the documents say an example prints (the ``readme-output`` block after it)."""
    found = set(re.findall(rf"<!-- readme-output: {name} -->\n```text\n(.*?)```", documents(), re.S))
    assert len(found) == 1, f"the documents show {len(found)} different outputs for {name!r}"
    return str(found.pop()).splitlines()


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


def direct_env(emulator: ControlClient) -> dict[str, str]:
    """The CLI's environment without proxy variables (clients that ignore NO_PROXY, or need no proxy)."""
    return {k: v for k, v in env_from_cli(emulator.url).items() if "proxy" not in k.lower()}


def printed(code: str, env: dict[str, str], cwd: Path | None = None) -> list[str]:
    """What an example prints, run as a user runs it; it must exit 0."""
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.sdk
def test_readme_dashscope_example_runs_against_the_emulator(emulator: ControlClient) -> None:
    code = example("dashscope").replace("http://127.0.0.1:8000", emulator.url)
    emulator.lifecycle("polls:1")
    assert printed(code, env_from_cli(emulator.url)) == shown("dashscope")


@pytest.mark.sdk
def test_readme_realtime_example_runs_from_any_directory(emulator: ControlClient, tmp_path: Path) -> None:
    code = example("realtime").replace("http://127.0.0.1:8000", emulator.url)
    assert printed(code, env_from_cli(emulator.url), tmp_path) == shown("realtime")


@pytest.mark.sdk
def test_readme_nls_example_runs_against_the_emulator(emulator: ControlClient) -> None:
    host = emulator.url.split("//", 1)[1]
    code = example("nls").replace("127.0.0.1:8000", host)
    emulator.lifecycle("polls:1")
    assert printed(code, direct_env(emulator)) == shown("nls")


@pytest.mark.sdk
def test_readme_eas_example_runs_against_the_emulator(emulator: ControlClient) -> None:
    code = example("eas").replace("127.0.0.1:8000", emulator.url.split("//", 1)[1])
    emulator.lifecycle("instant")
    assert printed(code, env_from_cli(emulator.url)) == shown("eas")


@pytest.mark.sdk
@pytest.mark.parametrize("name", ["tencent-asr", "tencent-ci"])
def test_readme_tencent_examples_run_against_the_emulator(emulator: ControlClient, name: str) -> None:
    code = example(name).replace("127.0.0.1:8000", emulator.url.split("//", 1)[1])
    emulator.lifecycle("polls:1")
    assert printed(code, direct_env(emulator)) == shown(name)


@pytest.mark.sdk
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_readme_pytest_plugin_example_passes(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makepyfile(test_readme_plugin=example("pytest"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers)
    result.assert_outcomes(passed=1)


@pytest.mark.sdk
def test_readme_replay_example_passes(pytester: pytest.Pytester) -> None:
    """The replay example, beside a folder of the sample's DashScope cassettes (examples/cassettes)."""
    import shutil

    folder = pytester.path / "cassettes"
    folder.mkdir()
    for path in (ROOT / "examples" / "cassettes").glob("*-dashscope-*.json"):
        shutil.copy(path, folder / path.name)
    pytester.makepyfile(test_readme_replay=example("replay"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.sdk
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_readme_fuzzing_example_finds_the_throttling_bug(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makepyfile(test_readme_fuzz=example("fuzzing"))
    # schemathesis (this suite's own dependency, not the users') swaps Hypothesis's printer for one that prints
    # nothing, in every process its pytest plugin loads in: a user's run does not have it
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", *workers)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*KeyError: 'output'*", "*scenario=Scenario(dashscope, instant, media=*"])


def test_readme_own_audio_curl_line_works(emulator: ControlClient, tmp_path: Path) -> None:
    import shlex
    import shutil

    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    line = re.search(r"`(curl -F [^`]+)`", documents())
    assert line, "README has no curl line for your own audio"
    from emulator.fixtures import fixtures_dir

    folder = fixtures_dir()
    assert folder is not None
    shutil.copy(folder / "hello_en.wav", tmp_path / "my.wav")
    args = shlex.split(line.group(1).replace("http://127.0.0.1:8000", emulator.url))
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=60, env={
        k: v for k, v in os.environ.items() if "proxy" not in k.lower()})
    assert done.returncode == 0, done.stderr
    import json

    uploaded = json.loads(done.stdout)
    assert uploaded["url"].startswith(emulator.url) and uploaded["url"].endswith("/my.wav")
    emulator.lifecycle("instant")
    transcript = subprocess.run([str(BIN / "python"), "-c", f"""
import httpx, time
base = {emulator.url!r}
auth = {{"Authorization": "Bearer sk-asr-emulator-local"}}
task = httpx.post(base + "/api/v1/services/audio/asr/transcription", headers={{**auth, "X-DashScope-Async": "enable"}},
                  json={{"model": "paraformer-v2", "input": {{"file_urls": [{uploaded["url"]!r}]}}}}).json()
done = httpx.get(base + "/api/v1/tasks/" + task["output"]["task_id"], headers=auth).json()
print(httpx.get(done["output"]["results"][0]["transcription_url"]).json()["transcripts"][0]["text"])
"""], capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()})
    assert transcript.stdout.strip() == "你好。", transcript.stderr


def test_fixtures_command_names_each_fixture_and_what_it_says() -> None:
    out = subprocess.run([str(BIN / "asr-emulator"), "fixtures"], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("hello_zh.wav"))
    path = Path(line.split()[1])
    assert path.is_file() and line.endswith("你好，欢迎使用语音识别模拟器。今天天气很好。")
    one = subprocess.run([str(BIN / "asr-emulator"), "fixtures", "hello_zh.wav"], capture_output=True, text=True)
    assert Path(one.stdout.strip()) == path


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("name", ["nls-realtime", "tencent-sentence"])
def test_readme_gateway_and_sentence_examples(emulator: ControlClient, name: str) -> None:
    code = example(name).replace("127.0.0.1:8000", emulator.url.split("//", 1)[1])
    assert printed(code, direct_env(emulator)) == shown(name)


def test_readme_account_curl_example_scopes_a_fault(emulator: ControlClient) -> None:
    import shlex
    import shutil

    import httpx

    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    text = documents()
    block = re.search(r"```bash\n(curl -X POST [^`]+X-ASR-Emulator-Account[^`]+)```", text)
    assert block, "README has no account curl example"
    args = shlex.split(block.group(1).replace("\\\n", " ").replace("http://127.0.0.1:8000", emulator.url))
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env={
        k: v for k, v in os.environ.items() if "proxy" not in k.lower()})
    assert done.returncode == 0 and '"account":"sk-team-a"' in done.stdout.replace(" ", ""), done.stdout
    body = {"model": "paraformer-v2", "input": {"file_urls": [emulator.fixture_url("hello_zh.wav")]}}
    answers = {key: httpx.post(emulator.url + "/api/v1/services/audio/asr/transcription", json=body, headers={
        "Authorization": f"Bearer {key}", "X-DashScope-Async": "enable"}).status_code
        for key in ("sk-team-a", "sk-team-b")}
    assert answers == {"sk-team-a": 429, "sk-team-b": 200}


@pytest.mark.sdk
def test_readme_tencent_realtime_example(emulator: ControlClient) -> None:
    code = example("tencent-realtime").replace("127.0.0.1:8000", emulator.url.split("//", 1)[1])
    assert printed(code, direct_env(emulator)) == shown("tencent-realtime")


@pytest.mark.sdk
def test_readme_qwen_openai_example(emulator: ControlClient) -> None:
    code = example("qwen-openai").replace("http://127.0.0.1:8000", emulator.url)
    assert printed(code, direct_env(emulator)) == shown("qwen-openai")


@pytest.mark.sdk
def test_fault_drill_recipe(emulator: ControlClient) -> None:
    code = example("fault-drill").replace("http://127.0.0.1:8000", emulator.url)
    assert printed(code, direct_env(emulator)) == shown("fault-drill")
