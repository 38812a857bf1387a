"""Tencent realtime recognition (asr/v2) with Node.js's ws, as the vendor's JS SDK drives it."""

from __future__ import annotations

import pytest

from contract_tests.node.conftest import AUDIO, TENCENT, scenario
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk


@pytest.mark.parametrize("hotwords", ["", "腾讯云|10,语音识别|5"])
def test_a_session_from_node(emulator: ControlClient, hotwords: str) -> None:
    out = scenario("tencent_realtime", emulator.url, AUDIO=AUDIO, HOTWORDS=hotwords, **TENCENT)
    assert out["ack"]["code"] == 0 and out["ack"]["message"] == "success"
    assert "".join(out["ends"]) == "你好，欢迎使用语音识别模拟器。今天天气很好。"
    assert all(n > 0 for n in out["words"])
    assert out["last"]["final"] == 1 and out["closeCode"] == 1000
