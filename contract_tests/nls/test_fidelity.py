"""What the NLS recording-file document (004) says a task's parameters do, checked through aliyun-python-sdk-core."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.nls.conftest import Filetrans
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk

MAGIC = "http://media.asr-emulator.test/audio.wav"


def texts(body: dict[str, Any]) -> list[str]:
    assert body["StatusText"] == "SUCCESS", body
    return [s["Text"] for s in body["Result"]["Sentences"]]


def test_valid_times_recognise_only_the_speech_inside_them(filetrans: Filetrans, emulator: ControlClient) -> None:
    hello = emulator.fixture_url("hello_zh.wav")       # two sentences: 0.3–5.4 s, then 5.8–8.8 s
    whole = filetrans.transcribe(file_link=hello, max_end_silence=300)
    first, second = whole["Result"]["Sentences"]
    window = {"begin_time": second["BeginTime"] - 100, "end_time": second["EndTime"] + 100, "channel_id": 0}
    inside = filetrans.transcribe(file_link=hello, max_end_silence=300, valid_times=[window])
    assert texts(inside) == [second["Text"]]
    assert inside["Result"]["Sentences"][0]["BeginTime"] == second["BeginTime"]
    # a window over the first half of the first sentence hears only the words spoken there
    half = (first["BeginTime"] + first["EndTime"]) // 2
    part = filetrans.transcribe(file_link=hello, max_end_silence=300,
                                valid_times=[{"begin_time": 0, "end_time": half, "channel_id": 0}])
    heard = "".join(texts(part))
    assert heard and first["Text"].startswith(heard.rstrip("，。")) and len(heard) < len(first["Text"])
    # a window on a channel the file does not have, or outside the speech, hears nothing
    none = filetrans.transcribe(file_link=hello, valid_times=[{"begin_time": 0, "end_time": 200, "channel_id": 0}])
    assert (none["StatusText"], none["Result"]["Sentences"]) == ("SUCCESS_WITH_NO_VALID_FRAGMENT", [])


def test_sample_rates_must_match_the_appkey(filetrans: Filetrans) -> None:
    eight = f"{MAGIC}?text=hello.&rate=8000"
    body = filetrans.transcribe(file_link=eight)                        # a 16 kHz appkey
    assert (body["StatusCode"], body["StatusText"]) == (41050008, "UNSUPPORTED_SAMPLE_RATE")
    adaptive = filetrans.transcribe(file_link=f"{MAGIC}?text=hello.&rate=48000", enable_sample_rate_adaptive=True)
    assert texts(adaptive) == ["hello."]


def test_max_end_silence_defaults_to_450_ms(filetrans: Filetrans, emulator: ControlClient) -> None:
    hello = emulator.fixture_url("hello_zh.wav")       # its two sentences are 420 ms apart
    assert texts(filetrans.transcribe(file_link=hello)) == texts(
        filetrans.transcribe(file_link=hello, max_end_silence=450)) == ["你好，欢迎使用语音识别模拟器。今天天气很好。"]
    assert len(texts(filetrans.transcribe(file_link=hello, max_end_silence=300))) == 2


def test_auto_split_gives_the_first_speaker_channel_1(filetrans: Filetrans) -> None:
    dialogue = f"{MAGIC}?text=你好。请问有什么可以帮您？我想查账单。&rate=8000&duration=6"
    body = filetrans.transcribe(file_link=dialogue, appkey="asr-emulator-appkey-8k", auto_split=True)
    assert body["StatusText"] == "SUCCESS", body
    assert [s["ChannelId"] for s in body["Result"]["Sentences"]] == [1, 0, 1]
    # the silence before a sentence is counted from the previous sentence, whoever spoke it, in whole seconds
    assert all(isinstance(s["SilenceDuration"], int) and s["SilenceDuration"] < 2
               for s in body["Result"]["Sentences"])
