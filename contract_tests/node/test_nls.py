"""Alibaba NLS through @alicloud/pop-core (filetrans, CreateToken; GET and POST) and alibabacloud-nls (realtime)."""

from __future__ import annotations

import pytest

from contract_tests.node.conftest import AUDIO, NLS, scenario
from emulator.testing import ControlClient

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
