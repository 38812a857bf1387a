"""Flash recognition over a real socket, sent the way TencentCloud's speech SDK (``asr/flash_recognizer.py``, not on
PyPI) sends it: ``requests.post`` to the emulator with ``Host: asr.cloud.tencent.com`` forced, the sorted query, no
Content-Type, and the body text parsed by the user's code."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
import requests

from contract_tests.conftest import FIXTURES
from emulator.testing import ControlClient
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.flash import sign, string_to_sign

pytestmark = pytest.mark.sdk


@pytest.mark.parametrize(("engine", "fixture"), [("16k_zh", "hello_zh"), ("16k_en", "hello_en")])
def test_flash_recognition_as_the_speech_sdk_sends_it(emulator: ControlClient, engine: str, fixture: str) -> None:
    params = {"convert_num_mode": "1", "customization_id": "", "engine_type": engine, "filter_dirty": "0",
              "filter_modal": "0", "filter_punc": "0", "first_channel_only": "1", "reinforce_hotword": "0",
              "secretid": cat.DEFAULT_SECRET_ID, "sentence_max_length": "0", "speaker_diarization": "0",
              "timestamp": str(int(time.time())), "voice_format": "wav", "word_info": "1"}
    signature = sign(cat.DEFAULT_SECRET_KEY, string_to_sign("1250000000", params))
    query = "&".join(f"{k}={quote(params[k], safe='')}" for k in sorted(params))
    session = requests.Session()
    session.trust_env = False
    r = session.post(f"{emulator.url}/asr/flash/v1/1250000000?{query}",
                     headers={"Host": "asr.cloud.tencent.com", "Authorization": signature},
                     data=FIXTURES.joinpath(f"{fixture}.wav").read_bytes())
    body = json.loads(r.text)                     # what the SDK's example does with recognize()'s return
    assert body["code"] == 0 and body["request_id"]
    text = "".join(c["text"] for c in body["flash_result"])
    assert text == FIXTURES.joinpath(f"{fixture}.txt").read_text("utf-8").strip()     # English: sentences spaced
    session.close()
