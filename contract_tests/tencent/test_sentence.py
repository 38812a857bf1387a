"""Tencent ASR API 3.0's SentenceRecognition and hot-word vocabulary actions through tencentcloud-sdk-python-asr."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from tencentcloud.asr.v20190614 import asr_client, models
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from contract_tests.conftest import FIXTURES
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
MAGIC = "http://media.asr-emulator.test/audio.wav"


def script(name: str) -> str:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").strip()


def call(client: asr_client.AsrClient, action: str, **fields: Any) -> Any:
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(fields))
    return getattr(client, action)(request)


def test_sentence_recognition_of_base64_data_with_words(asr: asr_client.AsrClient) -> None:
    data = FIXTURES.joinpath("hello_zh.wav").read_bytes()
    out = call(asr, "SentenceRecognition", EngSerViceType="16k_zh", SourceType=1, VoiceFormat="wav",
               Data=base64.b64encode(data).decode(), DataLen=len(data), WordInfo=1)
    assert out.Result == script("hello_zh.wav")
    assert isinstance(out.AudioDuration, int) and out.AudioDuration > 1000
    assert out.WordSize == len(out.WordList) > 0
    assert "".join(w.Word for w in out.WordList) == script("hello_zh.wav").replace("，", "").replace("。", "")
    assert all(w.StartTime <= w.EndTime for w in out.WordList)


def test_sentence_recognition_of_a_url_without_words(asr: asr_client.AsrClient, emulator: ControlClient) -> None:
    out = call(asr, "SentenceRecognition", EngSerViceType="16k_en", SourceType=0, VoiceFormat="wav",
               Url=emulator.fixture_url("hello_en.wav"), ProjectId=0, SubServiceType=2, UsrAudioKey="k")
    assert out.Result.replace(" ", "") == script("hello_en.wav").replace(" ", "")
    assert out.WordSize == 0 and out.WordList is None


@pytest.mark.parametrize(("fields", "code"), [
    ({"EngSerViceType": "99k_xx"}, "InvalidParameterValue.ErrorInvalidEngservice"),
    ({"VoiceFormat": "flac"}, "InvalidParameterValue.ErrorInvalidVoiceFormat"),
    ({"SourceType": 0, "Url": "ftp://x/a.wav"}, "InvalidParameterValue.ErrorInvalidUrl"),
    ({"Data": "not base64!"}, "InvalidParameterValue.ErrorInvalidVoicedata"),
    ({"Url": f"{MAGIC}?duration=61&text=太长了。", "SourceType": 0}, "InvalidParameterValue.ErrorVoicedataTooLong"),
    ({"Url": f"{MAGIC}?silence=1&duration=2", "SourceType": 0}, "InvalidParameterValue.NoHumanVoice"),
    ({"Url": f"{MAGIC}?status=404", "SourceType": 0}, "FailedOperation.ErrorDownFile"),
])
def test_sentence_recognition_errors(asr: asr_client.AsrClient, fields: dict[str, Any], code: str) -> None:
    base = {"EngSerViceType": "16k_zh", "SourceType": 1, "VoiceFormat": "wav",
            "Data": base64.b64encode(b"RIFF").decode()}
    with pytest.raises(TencentCloudSDKException) as err:
        call(asr, "SentenceRecognition", **{**base, **fields})
    assert err.value.get_code() == code


def test_hotwords_bias_recognition(asr: asr_client.AsrClient) -> None:
    url = f"{MAGIC}?duration=4"                           # unscripted speech: synthetic text, biased by hot words
    plain = call(asr, "SentenceRecognition", EngSerViceType="16k_zh", SourceType=0, VoiceFormat="wav", Url=url)
    biased = call(asr, "SentenceRecognition", EngSerViceType="16k_zh", SourceType=0, VoiceFormat="wav", Url=url,
                  HotwordList="腾讯云|10,语音识别|5")
    assert "腾讯云" in biased.Result or "语音识别" in biased.Result
    assert biased.Result != plain.Result


def test_the_vocabulary_lifecycle(asr: asr_client.AsrClient) -> None:
    made = call(asr, "CreateAsrVocab", Name="词表名称", Description="d",
                WordWeights=[{"Word": "智聆", "Weight": 1}, {"Word": "滨海大厦", "Weight": 6}])
    vocab_id = made.VocabId
    assert len(vocab_id) == 32 and all(c in "0123456789abcdef" for c in vocab_id)
    got = call(asr, "GetAsrVocab", VocabId=vocab_id)
    assert (got.Name, got.State) == ("词表名称", 0)
    assert [(w.Word, w.Weight) for w in got.WordWeights] == [("智聆", 1), ("滨海大厦", 6)]
    assert got.CreateTime.endswith("+08:00")
    call(asr, "UpdateAsrVocab", VocabId=vocab_id, Name="新名")        # without words: the words stay
    assert [w.Word for w in call(asr, "GetAsrVocab", VocabId=vocab_id).WordWeights] == ["智聆", "滨海大厦"]
    text = base64.b64encode("你好|5\n腾讯云|11\n".encode()).decode()
    call(asr, "UpdateAsrVocab", VocabId=vocab_id, WordWeightStr=text, WordWeights=[{"Word": "x", "Weight": 1}])
    downloaded = call(asr, "DownloadAsrVocab", VocabId=vocab_id)
    assert base64.b64decode(downloaded.WordWeightStr).decode() == "你好|5\n腾讯云|11\n"   # the Str overrides
    assert call(asr, "SetVocabState", VocabId=vocab_id, State=1).VocabId == vocab_id
    listed = call(asr, "GetAsrVocabList")
    assert listed.TotalCount == 1 and listed.VocabList[0].State == 1 and listed.VocabList[0].Name == "新名"
    call(asr, "DeleteAsrVocab", VocabId=vocab_id)
    with pytest.raises(TencentCloudSDKException) as err:
        call(asr, "GetAsrVocab", VocabId=vocab_id)
    assert err.value.get_code() == "InvalidParameterValue.InvalidVocabId"


def test_a_default_vocabulary_biases_requests_without_hotword_id(asr: asr_client.AsrClient) -> None:
    vocab_id = call(asr, "CreateAsrVocab", Name="默认", WordWeights=[{"Word": "滨海大厦", "Weight": 11}]).VocabId
    call(asr, "SetVocabState", VocabId=vocab_id, State=1)
    out = call(asr, "SentenceRecognition", EngSerViceType="16k_zh", SourceType=0, VoiceFormat="wav",
               Url=f"{MAGIC}?duration=4")
    assert "滨海大厦" in out.Result


@pytest.mark.parametrize(("fields", "code"), [
    ({"Name": "n", "WordWeights": [{"Word": "智聆", "Weight": 12}]}, "InvalidParameterValue.InvalidWordWeight"),
    ({"Name": "n", "WordWeightStr": "!!!"}, "InvalidParameterValue.InvalidWordWeightStr"),
    ({"Name": "x" * 256}, "InvalidParameterValue.InvalidParameterLength"),
    ({"Name": "n", "WordWeights": [{"Word": "一二三四五六七八九十一", "Weight": 1}]},
     "InvalidParameterValue.InvalidParameterLength"),
])
def test_vocabulary_rules(asr: asr_client.AsrClient, fields: dict[str, Any], code: str) -> None:
    with pytest.raises(TencentCloudSDKException) as err:
        call(asr, "CreateAsrVocab", **fields)
    assert err.value.get_code() == code


def test_set_vocab_state_checks_the_state(asr: asr_client.AsrClient) -> None:
    vocab_id = call(asr, "CreateAsrVocab", Name="n").VocabId
    with pytest.raises(TencentCloudSDKException) as err:
        call(asr, "SetVocabState", VocabId=vocab_id, State=7)
    assert err.value.get_code() == "InvalidParameterValue.InvalidVocabState"
