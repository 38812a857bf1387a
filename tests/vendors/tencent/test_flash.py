"""Flash recognition: the brief's signature vectors, and requests signed as the vendor's speech SDK signs them."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.flash import sign, string_to_sign
from tests.conftest import FIXTURES, Call

KEY = "EXAMPLEsecretKeyEXAMPLEsecretKey"
VECTOR = {"convert_num_mode": "1", "customization_id": "", "engine_type": "16k_zh", "filter_dirty": "0",
          "filter_modal": "0", "filter_punc": "0", "first_channel_only": "1", "reinforce_hotword": "0",
          "secretid": "AKIDEXAMPLEEXAMPLEEXAMPLEEXAMPLE1234", "sentence_max_length": "0", "speaker_diarization": "0",
          "timestamp": "1700000000", "voice_format": "wav", "word_info": "1"}


def test_the_briefs_vectors() -> None:
    assert sign(KEY, string_to_sign("1259228442", VECTOR)) == "P8tb927f50tFCZG8ybyfBgYg+uM="
    second = {**VECTOR, "speaker_diarization": "1", "hotword_list": "腾讯云|10,语音识别|5"}
    assert sign(KEY, string_to_sign("1259228442", second)) == "Awy/n2MBUcD8EnTGEtMCiMifytc="


def flash(call: Call, audio: bytes, secret_key: str = cat.DEFAULT_SECRET_KEY, **params: Any) -> Any:
    """As the SDK sends it: the sorted query percent-encoded on the wire, the literal host, no Content-Type."""
    query = {"engine_type": "16k_zh", "voice_format": "wav", "secretid": cat.DEFAULT_SECRET_ID,
             "timestamp": str(int(time.time())), "customization_id": "", "word_info": "0",
             **{k: str(v) for k, v in params.items()}}
    signature = sign(secret_key, string_to_sign("1250000000", query))
    wire = "&".join(f"{k}={quote(query[k], safe='')}" for k in sorted(query))
    return call("POST", f"/asr/flash/v1/1250000000?{wire}", content=audio,
                headers={"Host": "asr.cloud.tencent.com", "Authorization": signature})


def test_a_signed_request_gets_sentences_and_words(call: Call) -> None:
    audio = (FIXTURES / "hello_zh.wav").read_bytes()
    body = flash(call, audio, word_info=1, hotword_list="腾讯云|10").json()
    assert (body["code"], body["message"]) == (0, "") and body["audio_duration"] > 1000
    [channel] = body["flash_result"]
    assert channel["channel_id"] == 0 and channel["text"] == (FIXTURES / "hello_zh.txt").read_text("utf-8").strip()
    assert channel["sentence_list"] and all(s["word_list"] for s in channel["sentence_list"])
    assert set(channel["sentence_list"][0]["word_list"][0]) == {"word", "start_time", "end_time", "stable_flag"}
    plain = flash(call, audio).json()["flash_result"][0]["sentence_list"][0]
    assert "word_list" not in plain


def test_failures_are_json_with_a_code(call: Call) -> None:
    audio = (FIXTURES / "hello_zh.wav").read_bytes()
    wrong = flash(call, audio, secret_key="wrong")
    assert wrong.status_code == 200 and wrong.json()["code"] == 4002
    assert flash(call, b"").json()["code"] == 4012
    assert flash(call, audio, engine_type="99k_xx").json()["code"] == 4001
    assert flash(call, b"not audio at all").json()["code"] == 4007
    assert flash(call, audio, word_info=9).json()["code"] == 4001
    stale = flash(call, audio, timestamp=str(int(time.time()) - 3600))     # lenient by default, and said
    assert stale.json()["code"] == 0 and "tencent_flash/stale_timestamp" in stale.headers["X-ASR-Emulator-Warning"]
