"""Tencent ASR API 3.0's SentenceRecognition and hot-word vocabulary actions through tencentcloud-sdk-python-asr."""

from __future__ import annotations

import base64
import json
import time
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
    assert out.Result == script("hello_en.wav") == "Hello world. This is a test of the speech emulator."
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


ENCODINGS = [("TC3-HMAC-SHA256", "POST"), ("TC3-HMAC-SHA256", "GET"), ("HmacSHA1", "POST"), ("HmacSHA256", "GET"),
             ("HmacSHA256", "POST")]


def client_for(emulator: ControlClient, sign_method: str, method: str) -> asr_client.AsrClient:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    http = HttpProfile(protocol="http", endpoint=emulator.url.split("//", 1)[1], reqMethod=method)
    return asr_client.AsrClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                ClientProfile(signMethod=sign_method, httpProfile=http))


@pytest.mark.parametrize(("sign_method", "method"), ENCODINGS)
def test_arrays_and_objects_in_every_encoding(emulator: ControlClient, sign_method: str, method: str) -> None:
    """GET and the older signatures send arrays of objects flattened (``WordWeights.0.Word``): rebuilt into the
    structures a JSON body carries, for every action that takes them."""
    asr = client_for(emulator, sign_method, method)
    made = call(asr, "CreateAsrVocab", Name="词表",
                WordWeights=[{"Word": "智聆", "Weight": 10}, {"Word": "滨海大厦", "Weight": 11}])
    got = call(asr, "GetAsrVocab", VocabId=made.VocabId)
    assert [(w.Word, w.Weight) for w in got.WordWeights] == [("智聆", 10), ("滨海大厦", 11)]
    call(asr, "UpdateAsrVocab", VocabId=made.VocabId, WordWeights=[{"Word": "腾讯云", "Weight": 100}])
    got = call(asr, "GetAsrVocab", VocabId=made.VocabId)
    assert [(w.Word, w.Weight) for w in got.WordWeights] == [("腾讯云", 100)]
    other = call(asr, "CreateAsrVocab", Name="其他").VocabId
    assert call(asr, "GetAsrVocabList").TotalCount == 2
    assert call(asr, "GetAsrVocabList", TagInfos=["团队", "7"], Offset=0, Limit=5).TotalCount == 0   # none tagged so
    url = f"{MAGIC}?duration=4"
    biased = call(asr, "SentenceRecognition", EngSerViceType="16k_zh", SourceType=0, VoiceFormat="wav", Url=url,
                  HotwordId=made.VocabId)
    assert "腾讯云" in biased.Result
    for vocab in (made.VocabId, other):
        call(asr, "DeleteAsrVocab", VocabId=vocab)
    task = call(asr, "CreateRecTask", EngineModelType="16k_zh", ChannelNum=1, ResTextFormat=0, SourceType=0, Url=url,
                KeyWordLibIdList=["lib-1", "lib-2"], SpeakerRoles=[{"RoleAudioUrl": url, "RoleName": "客服"}])
    assert task.Data.TaskId > 0


@pytest.mark.parametrize("query", ["WordWeights.1.Word=a&WordWeights.1.Weight=10",
                                   "Name=n&Name.0=m", "WordWeights.0.Word=a&WordWeights.x.Word=b"])
def test_malformed_flattened_names_are_the_vendors_invalid_parameter(emulator: ControlClient, query: str) -> None:
    from urllib.parse import urlencode

    import httpx

    signed = {"Action": "CreateAsrVocab", "Version": "2019-06-14", "SecretId": "AKIDsomebodyelse00000000000000000000",
              "Timestamp": str(int(time.time())), "Nonce": "1", "Signature": "x"}
    with httpx.Client() as http:
        answer = http.get(f"{emulator.url}/?{query}&{urlencode(signed)}", headers={"Host": "asr.tencentcloudapi.com"})
    error = answer.json()["Response"]["Error"]
    assert answer.status_code == 200 and error["Code"] == "InvalidParameter", error      # an unknown key: unverified
    assert "malformed" in error["Message"]
