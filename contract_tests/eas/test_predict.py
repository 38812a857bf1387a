"""The nine PAI Model Hub speech models through eas-prediction's PredictClient, as the document shows their outputs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from eas_prediction import PredictClient, PredictException, StringRequest

from contract_tests.conftest import FIXTURES
from contract_tests.eas.conftest import Predict
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk

ASR = ["asr_general_express", "asr_general_transformer", "asr_ecommerce_express", "asr_ecommerce_transformer"]
VECTORS = ["speech_vectorization_zh", "speech_vectorization_en"]
CLIP_KEYS = ["0", "20031996", "40063991"]          # the document's clip starts, in µs
LONG_TEXT = ("今天天气很好，我们去公园。第3名是谁？沐浴露很好用。"
             "再见了朋友们，明天见！主播今天凌晨发货。")


def script(name: str) -> str:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").strip()


def magic(seconds: float, text: str) -> str:
    return f"http://media.asr-emulator.test/live.wav?duration={seconds}&text={quote(text)}"


def short_sentences(text: str) -> str:
    return ";".join(p for p in re.split(r"[，。！？,.!?]", text) if p)


@pytest.fixture(autouse=True)
def _instant(emulator: ControlClient) -> None:
    emulator.lifecycle("instant")


@pytest.mark.parametrize("service", ASR)
def test_asr_models_answer_the_scripted_text_by_clip(service: str, predict: Predict,
                                                     emulator: ControlClient) -> None:
    raw = predict(service, emulator.fixture_url("hello_zh.wav"))
    assert re.fullmatch(rb'\{"0": "[\\u0-9a-f;]*"\}', raw), raw       # JSON with Unicode escapes only
    assert json.loads(raw) == {"0": short_sentences(script("hello_zh.wav"))}


def test_long_audio_is_cut_into_clips_of_about_twenty_seconds(predict: Predict) -> None:
    out = json.loads(predict("asr_general_transformer", magic(45, LONG_TEXT)))
    assert list(out) == CLIP_KEYS
    assert ";".join(out.values()).replace(";", "") == short_sentences(
        LONG_TEXT.replace("3", "三").replace("沐", "*")).replace(";", "")


def test_characters_outside_the_models_set_become_asterisks(predict: Predict) -> None:
    text = "沐浴露很好用。"          # 沐 is outside the general models' ~4,000 characters, inside E-commerce's ~6,000
    url = magic(3, text)
    assert json.loads(predict("asr_general_express", url)) == {"0": "*浴露很好用"}
    assert json.loads(predict("asr_ecommerce_express", url)) == {"0": "沐浴露很好用"}
    assert json.loads(predict("asr_general_express", magic(3, "OK, go now."))) == {"0": "**;*****"}


@pytest.mark.parametrize("play_duration", [21_000_000, "21000000", 21e6])
def test_play_duration_cuts_the_output(play_duration: object, predict: Predict) -> None:
    whole = json.loads(predict("asr_general_express", magic(45, LONG_TEXT)))
    cut = json.loads(predict("asr_general_express", magic(45, LONG_TEXT), play_duration=play_duration))
    assert list(cut) == CLIP_KEYS[:2]
    assert cut["0"] == whole["0"]
    assert len(cut["20031996"]) < len(whole["20031996"])
    assert json.loads(predict("asr_general_express", magic(45, LONG_TEXT), play_duration=1_000_000))["0"] != \
        whole["0"]


@pytest.mark.parametrize("service", VECTORS)
def test_vectorization_models_answer_a_fixed_length_vector(service: str, predict: Predict,
                                                           emulator: ControlClient) -> None:
    first = json.loads(predict(service, emulator.fixture_url("hello_zh.wav")))
    values = first.split(",")
    assert isinstance(first, str) and len(values) == 768
    assert all(re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", v) for v in values)
    assert json.loads(predict(service, emulator.fixture_url("hello_zh.wav"))) == first      # per audio, stable
    other = json.loads(predict(service, emulator.fixture_url("hello_en.wav")))
    assert len(other.split(",")) == 768 and other != first


def labels(raw: bytes) -> dict[str, str]:
    out = {}
    for key, value in json.loads(raw).items():
        assert value.endswith("\n")
        out[key] = json.loads(value)["class"]
    return out


def test_chinese_speech_detection(predict: Predict, emulator: ControlClient) -> None:
    raw = predict("speech_detection_zh", emulator.fixture_url("hello_zh.wav"))
    assert raw == b'{"0": "{\\"class\\":\\"\\u662f\\"}\\n"}'                  # as the document prints it
    assert labels(predict("speech_detection_zh", emulator.fixture_url("hello_en.wav"))) == {"0": "否"}
    mostly_english = magic(45, "你好。Hello there, how are you today? I am fine, thanks a lot for asking me.")
    found = labels(predict("speech_detection_zh", mostly_english))
    assert found == dict(zip(CLIP_KEYS, ["是", "否", "否"], strict=True))


def test_background_music_detection_follows_the_script(predict: Predict, emulator: ControlClient) -> None:
    url = magic(45, "欢迎来到直播间。")
    assert set(labels(predict("bgm_detection", url)).values()) == {"否"}
    emulator.script("欢迎来到直播间。", url=url, labels={"background_music": ["是", "否", "是"]})
    assert labels(predict("bgm_detection", url)) == dict(zip(CLIP_KEYS, ["是", "否", "是"], strict=True))


def test_speaker_attribute_classification(predict: Predict, emulator: ControlClient) -> None:
    url = emulator.fixture_url("hello_zh.wav")
    found = labels(predict("speaker_attributes_zh", url))
    assert list(found) == ["0"] and found["0"] in ("男", "女")
    assert labels(predict("speaker_attributes_zh", url)) == found
    emulator.script(script("hello_zh.wav"), url=url, labels={"speaker_attribute": "成年女性"})
    assert labels(predict("speaker_attributes_zh", url)) == {"0": "成年女性"}


# ---- the gateway -------------------------------------------------------------------------------------------------

def test_a_wrong_token_is_401(predict: Predict, emulator: ControlClient) -> None:
    with pytest.raises(PredictException) as err:
        predict("asr_general_express", emulator.fixture_url("hello_zh.wav"), token="not-the-token")
    assert err.value.code == 401
    assert len(emulator.journal(vendor="eas")) == 1          # 4xx is not retried


def test_no_token_is_401(predict: Predict, emulator: ControlClient) -> None:
    with pytest.raises(PredictException) as err:
        predict("asr_general_express", emulator.fixture_url("hello_zh.wav"), token=None)
    assert err.value.code == 401


def test_an_unknown_service_is_404(predict: Predict, emulator: ControlClient) -> None:
    with pytest.raises(PredictException) as err:
        predict("no_such_service", emulator.fixture_url("hello_zh.wav"))
    assert err.value.code == 404


def test_raw_token_through_custom_url(predict: Predict, emulator: ControlClient) -> None:
    url = f"{emulator.url}/api/predict/asr_general_express"
    assert json.loads(predict("asr_general_express", emulator.fixture_url("hello_zh.wav"), custom_url=url))["0"]


def test_json_content_type_is_part_of_the_signature(predict: Predict, emulator: ControlClient) -> None:
    out = predict("asr_general_express", emulator.fixture_url("hello_zh.wav"), content_type="application/json")
    assert json.loads(out) == {"0": short_sentences(script("hello_zh.wav"))}


def test_a_service_added_at_run_time(predict: Predict, emulator: ControlClient) -> None:
    emulator.settings(eas={"services": {"grp.live_asr": {"model": "zh-asr-ecommerce-transformer",
                                                         "token": "my-token"}}})
    assert json.loads(predict("grp.live_asr", magic(3, "沐浴露。"), token="my-token")) == {"0": "沐浴露"}
    with pytest.raises(PredictException) as err:
        predict("grp.live_asr", magic(3, "沐浴露。"))
    assert err.value.code == 401


@pytest.mark.parametrize(("body", "needle"), [
    (b"{not json", b"not JSON"),
    (b'{"input": {}}', b"input.url is required"),
    (b'{"input": {"url": 7}}', b"input.url must be"),
    (b'{"input": {"url": "http://media.asr-emulator.test/a.wav", "play_duration": "soon"}}', b"play_duration"),
    (b'{"input": {"url": "http://media.asr-emulator.test/a.wav?status=404"}}', b"failed to download"),
    (b'[1, 2]', b"input"),
])
def test_bad_input_is_400_and_never_retried(body: bytes, needle: bytes,
                                            make_client: Callable[..., PredictClient],
                                            emulator: ControlClient) -> None:
    with pytest.raises(PredictException) as err:
        make_client("asr_general_express").predict(StringRequest(body.decode()))
    assert err.value.code == 400 and needle in err.value.message
    assert len(emulator.journal(vendor="eas")) == 1


def test_undecodable_media_is_400(predict: Predict, emulator: ControlClient) -> None:
    with pytest.raises(PredictException) as err:
        predict("asr_general_express", f"{emulator.url}/_emulator/openapi.json")
    assert err.value.code == 400 and b"decode" in err.value.message


@pytest.mark.parametrize("status", [408, 429, 450, 503, 504])
def test_gateway_statuses_from_faults_are_raised_after_one_attempt(status: int, predict: Predict,
                                                                   emulator: ControlClient) -> None:
    emulator.fault({"type": "error", "code": str(status)}, vendor="eas")
    with pytest.raises(PredictException) as err:
        predict("asr_general_express", emulator.fixture_url("hello_zh.wav"))
    assert err.value.code == status
    assert len(emulator.journal(vendor="eas")) == 1


def test_a_500_is_retried_by_the_client(predict: Predict, emulator: ControlClient) -> None:
    emulator.fault({"type": "error", "code": "500"}, vendor="eas", times=2)
    assert json.loads(predict("asr_general_express", emulator.fixture_url("hello_zh.wav")))["0"]
    assert [e["status"] for e in emulator.journal(vendor="eas")] == [500, 500, 200]


def test_throttling_is_429(predict: Predict, emulator: ControlClient) -> None:
    emulator.fault("throttle", vendor="eas")
    with pytest.raises(PredictException) as err:
        predict("asr_general_express", emulator.fixture_url("hello_zh.wav"))
    assert err.value.code == 429



@pytest.mark.filterwarnings("ignore:URLs without a scheme:FutureWarning")     # the client calls "ip:port/…"
def test_the_direct_endpoint_type_discovers_the_service(emulator: ControlClient) -> None:
    from eas_prediction.predict_client import ENDPOINT_TYPE_DIRECT

    client = PredictClient(emulator.url.split("//", 1)[1], "asr_general_express")
    client.set_endpoint_type(ENDPOINT_TYPE_DIRECT)
    client.set_token("asr-emulator-eas-token")
    client.init()
    try:
        out = client.predict(StringRequest(json.dumps({"input": {"url": emulator.fixture_url("hello_zh.wav")}})))
    finally:
        client.destroy()
    assert json.loads(out.response_data) == {"0": short_sentences(script("hello_zh.wav"))}
    assert [e["operation"] for e in emulator.journal(vendor="eas")][:2] == ["discovery", "predict"]


def test_play_duration_limits_the_processing_time(predict: Predict, emulator: ControlClient) -> None:
    # 300 s of audio at 50x takes 6 s, past the gateway's 5 s keep-alive; its first 10 s take 0.2 s (000: the model
    # processes only play_duration), so the synchronous call answers instead of raising the gateway's 408
    emulator.lifecycle("timed:queue=0,speed=50", vendor="eas")
    out = json.loads(predict("asr_general_express", magic(300, LONG_TEXT), play_duration=10_000_000))
    assert list(out) == ["0"]
