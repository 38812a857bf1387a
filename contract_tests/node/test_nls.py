"""Alibaba NLS through @alicloud/pop-core (filetrans, CreateToken; GET and POST) and alibabacloud-nls (realtime)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contract_tests.conftest import ca_file
from contract_tests.node.conftest import AUDIO, NLS, scenario
from emulator.testing import ControlClient, ServerProcess

pytestmark = pytest.mark.sdk
SAID = "你好，欢迎使用语音识别模拟器。今天天气很好。"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_filetrans_token_and_realtime(emulator: ControlClient, method: str) -> None:
    out = scenario("nls", emulator.url, METHOD=method, AUDIO=AUDIO, **NLS)
    assert (out["submitted"], out["status"]) == ("SUCCESS", "SUCCESS")
    assert "".join(out["sentences"]) == SAID and out["words"] > 0
    assert out["badAppkey"] == [41050014, "REQUEST_EMPTY_APPKEY_VALUE"]
    assert out["wrongSecret"]["error"]["code"] == "SignatureDoesNotMatch"
    assert out["token"] == {"id": "string", "expires": True}
    # SpeechTranscription, with ctrl() mid-stream (its directive is ControlTranscription): no failure
    transcription = out["transcription"]
    assert transcription["started"] is True and transcription["closed"] is True
    assert "".join(transcription["sentences"]) == SAID
    assert "failed" not in transcription["names"] and "completed" in transcription["names"]
    assert out["recognition"] == {"started": True, "result": SAID}


def test_a_refused_token_rejects_start(emulator: ControlClient) -> None:
    """The gateway's 403 on the handshake: the Node.js SDK's start() rejects (with TaskFailed it would never
    settle)."""
    emulator.settings(strict=True)
    out = scenario("nls", emulator.url, PART="refused", AUDIO=AUDIO, timeout=30, **NLS)
    assert "403" in out["started"]["error"]["message"]
    assert out["names"] == ["closed"] or "started" not in out["names"]


def test_https_and_wss_with_serve_tls(node_server: str, ca_dir: Path) -> None:
    """pop-core to https://…, alibabacloud-nls to wss://…: the emulator's own HTTPS (serve --tls), trusted through
    NODE_EXTRA_CA_CERTS."""
    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    with ServerProcess(["--tls", "--lifecycle", "instant"], env=env) as server:
        assert server.url.startswith("https://")
        out = scenario("nls", server.url, METHOD="POST", AUDIO=AUDIO, NODE_EXTRA_CA_CERTS=ca_file(ca_dir), **NLS)
    assert (out["submitted"], out["status"]) == ("SUCCESS", "SUCCESS")
    assert "".join(out["transcription"]["sentences"]) == SAID
    assert out["recognition"] == {"started": True, "result": SAID}
