import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.cli import env_lines, main
from emulator.engine.audio import probe
from emulator.engine.recognizer import Options, Recognizer, ScriptRegistry


@pytest.mark.parametrize("engine", ["synthetic", "espeak"])
def test_make_audio_writes_a_wav_the_emulator_transcribes_exactly(tmp_path: Path, engine: str) -> None:
    if engine == "espeak":
        from emulator.audiogen import espeak_available

        if not espeak_available():
            pytest.skip("espeak-ng is not installed")
    out = tmp_path / "a.wav"
    args = ["make-audio", "今天天气很好。我们去公园吧。", "-o", str(out), "--engine", engine, "--rate", "8000"]
    assert main(args) == 0
    data = out.read_bytes()
    info = probe(data)
    assert info.sample_rate == 8000 and 2000 < info.duration_ms < 15000
    t = Recognizer(ScriptRegistry()).transcribe(info, hashlib.sha256(data).hexdigest(), Options())
    assert [s.text for s in t.channels[0].sentences] == ["今天天气很好。", "我们去公园吧。"]
    first, second = t.channels[0].sentences
    assert first.end_ms <= second.begin_ms


def test_make_audio_with_several_texts_makes_channels(tmp_path: Path) -> None:
    out = tmp_path / "stereo.wav"
    assert main(["make-audio", "左边。", "Right side.", "-o", str(out), "--engine", "synthetic"]) == 0
    info = probe(out.read_bytes())
    assert info.channels == 2 and info.script == {"channels": ["左边。", "Right side."], "language": "zh"}


def test_env_points_every_dashscope_variable_at_the_url() -> None:
    lines = "\n".join(env_lines("http://10.0.0.5:9000/"))
    assert "DASHSCOPE_HTTP_BASE_URL=http://10.0.0.5:9000/api/v1" in lines
    assert "DASHSCOPE_WEBSOCKET_BASE_URL=ws://10.0.0.5:9000/api-ws/v1/inference" in lines
    assert "DASHSCOPE_BASE_URL=http://10.0.0.5:9000/api/v1" in lines
    assert "DASHSCOPE_API_KEY=sk-" in lines


def test_serve_prints_its_url_and_answers_health() -> None:
    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--port", "0", "--lifecycle", "polls:2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line and "lifecycle polls:2" in line
        url = line.split("listening on ")[1].split()[0]
        health = httpx.get(f"{url}/_emulator/health", trust_env=False, timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.headers["x-asr-emulator"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_serve_refuses_a_bad_lifecycle() -> None:
    assert main(["serve", "--lifecycle", "sometimes"]) == 2


@pytest.mark.parametrize(("args", "says"), [
    (["make-audio", "好。", "-o", "/nonexistent-dir/x.wav"], "cannot write /nonexistent-dir/x.wav: No such file"),
    (["make-audio", "好。", "-o", "{tmp}/x.wav", "--rate", "-5"], "--rate -5: the sample rate is between 8000"),
    (["make-audio", "好。", "-o", "{tmp}/x.wav", "--rate", "1"], "--rate 1: the sample rate is between 8000"),
    (["make-audio", " ", "-o", "{tmp}/x.wav"], "the text is empty"),
    (["make-audio", "好。", "-o", "{tmp}/x.wav", "--lang", "xx"], "--lang xx: unknown language; one of zh, en"),
])
def test_cli_errors_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                       says: str) -> None:
    assert main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("asr-emulator: ") and says in err


@pytest.mark.parametrize(("env", "says"), [
    ({"ASR_EMULATOR_PORT": "abc"}, "ASR_EMULATOR_PORT='abc': not a whole number"),
    ({"ASR_EMULATOR_RATE_LIMITS": "maybe"}, "ASR_EMULATOR_RATE_LIMITS='maybe': not true or false"),
    ({"ASR_EMULATOR_PORT": "70000"}, "port 70000 is not between 0 and 65535"),
    ({"ASR_EMULATOR_FETCH_TIMEOUT": "nan"}, "ASR_EMULATOR_FETCH_TIMEOUT='nan': not a finite number"),
    ({"ASR_EMULATOR_EAS_SERVICES": "broken"}, "eas service 'broken'"),
])
def test_serve_refuses_bad_configuration_in_one_line(env: dict[str, str], says: str) -> None:
    done = subprocess.run([sys.executable, "-m", "emulator", "serve", "--port", "0"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **env})
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and says in done.stderr


def test_routes_lists_methods_paths_and_vendors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[:3] == ["POST", "/api/v1/services/audio/asr/transcription", "dashscope"] for line in lines)
    assert any(line.split()[:3] == ["GET,POST", "Action=SubmitTask", "nls"] for line in lines)


def test_serve_beyond_loopback_locks_the_control_plane_with_a_printed_token() -> None:
    import httpx

    def start(*extra: str, lines: int) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--host", "0.0.0.0", "--port", "0",
                                 *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        return proc, "".join(proc.stdout.readline() for _ in range(lines))

    proc, banner = start(lines=3)
    try:
        url = banner.split("listening on ")[1].split()[0]
        token = banner.split("ASR_EMULATOR_CONTROL_TOKEN=")[1].split()[0]
        assert "generated" in banner and len(token) >= 24
        assert httpx.get(f"{url}/_emulator/jobs", trust_env=False).status_code == 401
        assert httpx.get(f"{url}/_emulator/jobs", trust_env=False,
                         headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    proc, banner = start("--no-control-token", lines=2)
    try:
        url = banner.split("listening on ")[1].split()[0]
        assert "ASR_EMULATOR_CONTROL_TOKEN" not in banner
        assert httpx.get(f"{url}/_emulator/jobs", trust_env=False).status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_ca_prints_the_path_of_a_ca_made_on_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASR_EMULATOR_CA_DIR", str(tmp_path / "ca"))
    assert main(["ca", "-q"]) == 0
    path = capsys.readouterr().out.strip()
    assert path == str(tmp_path / "ca" / "ca.pem") and Path(path).exists()
    assert main(["ca", "--pem"]) == 0
    assert capsys.readouterr().out.startswith("-----BEGIN CERTIFICATE-----")
    assert main(["ca"]) == 0
    assert "NODE_EXTRA_CA_CERTS=" in capsys.readouterr().err
