"""DashScope file transcription through the real ``dashscope`` SDK (``Transcription``), unmodified."""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def script(name: str) -> list[str]:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").splitlines()


def result_file(url: str) -> dict[str, Any]:
    resp = httpx.get(url, trust_env=False)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


@pytest.mark.parametrize(("model", "fixture", "lang"), [
    ("paraformer-v2", "hello_zh.wav", ["zh", "en"]),
    ("paraformer-v2", "hello_en.wav", ["en"]),
    ("paraformer-v1", "mixed_zh_en.wav", None),
    ("paraformer-8k-v2", "phone_8k.wav", None),
    ("paraformer-8k-v1", "phone_8k.wav", None),
    ("paraformer-mtl-v1", "hello_zh.wav", None),
    ("fun-asr", "hello_zh.wav", None),
])
def test_async_call_and_wait_give_the_scripted_text(dashscope_sdk: Any, emulator: ControlClient,
                                                    model: str, fixture: str, lang: list[str] | None) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    url = emulator.fixture_url(fixture)
    submitted = Transcription.async_call(model=model, file_urls=[url], language_hints=lang)
    assert submitted.status_code == HTTPStatus.OK
    assert submitted.output.task_status == "PENDING"

    done = Transcription.wait(task=submitted.output.task_id)

    assert done.status_code == HTTPStatus.OK
    assert done.output.task_status == "SUCCEEDED"
    [result] = done.output["results"]
    assert result["subtask_status"] == "SUCCEEDED" and result["file_url"] == url
    body = result_file(result["transcription_url"])
    assert body["file_url"] == url
    assert body["transcripts"][0]["text"] == "".join(script(fixture))
    assert done.output["task_metrics"] == {"TOTAL": 1, "SUCCEEDED": 1, "FAILED": 0}
    # 001: only speech content is metered ("非语音内容不计量、不计费"): usage agrees with content_duration
    content = sum(t["content_duration_in_milliseconds"] for t in body["transcripts"])
    assert done.usage["duration"] == content // 1000
    assert content < body["properties"]["original_duration_in_milliseconds"]


def test_result_file_has_the_documented_structure(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    done = Transcription.wait(task=Transcription.async_call(
        model="paraformer-v2", file_urls=[emulator.fixture_url("hello_en.wav")], language_hints=["en"]))
    body = result_file(done.output["results"][0]["transcription_url"])

    props = body["properties"]
    assert props["audio_format"] == "pcm_s16le"
    assert props["channels"] == [0]
    assert props["original_sampling_rate"] == 16000
    assert 4000 < props["original_duration_in_milliseconds"] < 5000
    [transcript] = body["transcripts"]
    assert transcript["channel_id"] == 0
    assert 0 < transcript["content_duration_in_milliseconds"] <= props["original_duration_in_milliseconds"]
    sentences = transcript["sentences"]
    assert [s["text"] for s in sentences] == ["Hello world.", "This is a test of the speech emulator."]
    assert [s["sentence_id"] for s in sentences] == [1, 2]
    assert sentences[0]["words"][0] == {**sentences[0]["words"][0], "text": "Hello ", "punctuation": ""}
    assert sentences[0]["words"][1]["text"] == "world" and sentences[0]["words"][1]["punctuation"] == "."
    previous_end = 0
    for sentence in sentences:
        assert "speaker_id" not in sentence
        words = sentence["words"]
        assert "".join(w["text"] + w["punctuation"] for w in words) == sentence["text"]
        assert sentence["begin_time"] == words[0]["begin_time"] >= previous_end
        assert sentence["end_time"] == words[-1]["end_time"] <= props["original_duration_in_milliseconds"]
        for word in words:
            assert set(word) == {"begin_time", "end_time", "text", "punctuation"}
            assert word["begin_time"] < word["end_time"]
        previous_end = sentence["end_time"]


def test_fetch_loop_sees_pending_running_succeeded(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("polls:2")
    task = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")])
    seen = []
    for _ in range(10):
        status = Transcription.fetch(task=task.output.task_id).output.task_status
        seen.append(status)
        if status == "SUCCEEDED":
            break
    assert seen == ["PENDING", "PENDING", "RUNNING", "RUNNING", "SUCCEEDED"]


def test_one_missing_file_fails_its_subtask_only(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    good, missing = emulator.fixture_url("hello_zh.wav"), f"{emulator.url}/_emulator/fixtures/missing.wav"
    done = Transcription.wait(task=Transcription.async_call(model="paraformer-v2", file_urls=[good, missing]))

    assert done.output.task_status == "SUCCEEDED"
    ok, failed = done.output["results"]
    assert ok["subtask_status"] == "SUCCEEDED" and ok["file_url"] == good
    assert failed == {"file_url": missing, "code": "InvalidFile.DownloadFailed",
                      "message": "The audio file cannot be downloaded.", "subtask_status": "FAILED"}
    assert done.output["task_metrics"] == {"TOTAL": 2, "SUCCEEDED": 1, "FAILED": 1}
    assert "code" not in done.output


def test_all_files_failing_fails_the_task_with_the_code_lifted(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    urls = [f"{emulator.url}/_emulator/fixtures/missing.wav", emulator.fixture_url("silence.wav")]
    done = Transcription.wait(task=Transcription.async_call(model="paraformer-v2", file_urls=urls))

    assert done.status_code == HTTPStatus.OK
    assert done.output.task_status == "FAILED"
    assert done.output.code == "InvalidFile.DownloadFailed"
    assert done.output.message == "The audio file cannot be downloaded."
    assert [r["code"] for r in done.output["results"]] == ["InvalidFile.DownloadFailed",
                                                          "SUCCESS_WITH_NO_VALID_FRAGMENT"]
    assert done.output["task_metrics"] == {"TOTAL": 2, "SUCCEEDED": 0, "FAILED": 2}
    assert done.usage is None


def test_cancel_only_while_pending(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("manual")
    first = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")])
    canceled = Transcription.cancel(first.output.task_id)
    assert canceled.status_code == HTTPStatus.OK
    assert Transcription.fetch(task=first.output.task_id).output.task_status == "CANCELED"
    assert Transcription.wait(task=first.output.task_id).output.task_status == "CANCELED"

    second = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")])
    emulator.job_action(second.output.task_id, "advance")
    refused = Transcription.cancel(second.output.task_id)
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.code == "UnsupportedOperation"
    assert refused.message == "Failed to cancel the task, please confirm if the task is in PENDING status."
    assert Transcription.fetch(task=second.output.task_id).output.task_status == "RUNNING"


def test_list_pages_and_filters(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    ids = [Transcription.async_call(model=m, file_urls=[emulator.fixture_url("hello_zh.wav")]).output.task_id
           for m in ("paraformer-v2", "paraformer-v2", "paraformer-v1")]

    page = Transcription.list(page_no=1, page_size=2)
    assert page.status_code == HTTPStatus.OK
    assert page.output["total"] == 3 and page.output["total_page"] == 2
    assert [t["task_id"] for t in page.output["data"]] == ids[::-1][:2]
    assert all(t["status"] == "SUCCEEDED" for t in page.output["data"])

    v1 = Transcription.list(model_name="paraformer-v1")
    assert [t["task_id"] for t in v1.output["data"]] == [ids[2]]
    none = Transcription.list(status="FAILED")
    assert none.output["data"] == [] and none.output["total"] == 0


def test_unknown_task_is_unknown_not_an_error(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    fetched = Transcription.fetch(task="00000000-0000-4000-8000-000000000000")
    assert fetched.status_code == HTTPStatus.OK
    assert fetched.output.task_status == "UNKNOWN"
    started = time.monotonic()
    assert Transcription.wait(task="no-such-task").output.task_status == "UNKNOWN"
    assert time.monotonic() - started < 1.0   # UNKNOWN is terminal: wait() must not sleep


def test_wrong_key_is_401_invalid_api_key(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.settings(credentials="strict")
    response = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")],
                                        api_key="sk-not-a-configured-key")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.code == "InvalidApiKey"
    assert response.message == "Invalid API-key provided."

    emulator.settings(credentials="permissive")
    malformed = Transcription.fetch(task="x", api_key="not-a-key")
    assert malformed.status_code == HTTPStatus.UNAUTHORIZED and malformed.code == "InvalidApiKey"


def test_unknown_model_is_the_vendor_error(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    response = Transcription.async_call(model="paraformer-v9", file_urls=[emulator.fixture_url("hello_zh.wav")])
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.code == "ModelNotFound"


def test_stereo_channels_give_one_transcript_each_and_bill_per_channel(dashscope_sdk: Any,
                                                                       emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    url = emulator.fixture_url("stereo_call.wav")
    one = Transcription.wait(task=Transcription.async_call(model="paraformer-8k-v2", file_urls=[url]))
    both = Transcription.wait(task=Transcription.async_call(model="paraformer-8k-v2", file_urls=[url],
                                                             channel_id=[0, 1]))
    body = result_file(both.output["results"][0]["transcription_url"])
    assert body["properties"]["channels"] == [0, 1]
    assert [t["channel_id"] for t in body["transcripts"]] == [0, 1]
    assert [t["text"] for t in body["transcripts"]] == script("stereo_call.wav")
    assert [t["channel_id"] for t in result_file(one.output["results"][0]["transcription_url"])["transcripts"]] == [0]
    # each channel's speech is billed (001: speech content only)
    assert both.usage["duration"] == sum(t["content_duration_in_milliseconds"] for t in body["transcripts"]) // 1000
    assert both.usage["duration"] > one.usage["duration"] > 0


def test_diarization_puts_speaker_ids_on_sentences(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    done = Transcription.wait(task=Transcription.async_call(
        model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")],
        diarization_enabled=True, speaker_count=2))
    sentences = result_file(done.output["results"][0]["transcription_url"])["transcripts"][0]["sentences"]
    assert [s["speaker_id"] for s in sentences] == [0, 1]


def test_sensevoice_tags_speech_events_and_emotions(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    done = Transcription.wait(task=Transcription.async_call(
        model="sensevoice-v1", file_urls=[emulator.fixture_url("hello_en.wav")], language_hints=["en"]))
    transcript = result_file(done.output["results"][0]["transcription_url"])["transcripts"][0]
    for sentence, text in zip(transcript["sentences"], ["Hello world.", "This is a test of the speech emulator."],
                              strict=True):
        assert sentence["text"].startswith(f"<|Speech|> {text} <|/Speech|>")
        assert "words" not in sentence
    assert transcript["text"] == "".join(s["text"] for s in transcript["sentences"])


def test_rate_limits_answer_throttling(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    emulator.clock(mode="manual")
    emulator.settings(rate_limits=True)
    url = f"{emulator.url}/_emulator/fixtures/missing.wav"   # fast: nothing to transcribe
    codes = [Transcription.async_call(model="paraformer-v2", file_urls=[url]).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    throttled = Transcription.async_call(model="paraformer-v2", file_urls=[url])
    assert throttled.code == "Throttling.RateQuota"
    emulator.clock(advance=1.0)
    assert Transcription.async_call(model="paraformer-v2", file_urls=[url]).status_code == 200


def test_a_fault_fails_the_job_with_a_vendor_code(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    emulator.fault({"type": "fail_job", "code": "DataInspectionFailed"}, vendor="dashscope", times=1)
    done = Transcription.wait(task=Transcription.async_call(
        model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")]))
    assert done.output.task_status == "FAILED"
    assert done.output.code == "DataInspectionFailed"
    assert done.output.message == "Input or output data may contain inappropriate content."
    again = Transcription.wait(task=Transcription.async_call(
        model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")]))
    assert again.output.task_status == "SUCCEEDED"


def test_wait_retries_a_503_and_stops_on_a_429(dashscope_sdk: Any, emulator: ControlClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from dashscope.audio.asr import Transcription

    monkeypatch.setattr(time, "sleep", lambda s: None)   # wait() sleeps between polls; the test need not
    emulator.lifecycle("instant")
    task = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")])
    emulator.fault({"type": "error", "code": "ServiceUnavailable"}, operation="query", times=1)
    assert Transcription.wait(task=task.output.task_id).output.task_status == "SUCCEEDED"
    emulator.fault({"type": "error", "code": "Throttling.RateQuota"}, operation="query", times=1)
    throttled = Transcription.wait(task=task.output.task_id)
    assert throttled.status_code == 429 and throttled.code == "Throttling.RateQuota"


def test_local_file_through_oss_upload(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription
    from dashscope.utils.oss_utils import OssUtils

    emulator.lifecycle("instant")
    oss_url, _certificate = OssUtils.upload(model="paraformer-v2", file_path=str(FIXTURES / "hello_zh.wav"))
    assert oss_url.startswith("oss://dashscope-instant/")
    done = Transcription.wait(task=Transcription.async_call(
        model="paraformer-v2", file_urls=[oss_url], headers={"X-DashScope-OssResourceResolve": "enable"}))
    assert done.output.task_status == "SUCCEEDED"
    assert result_file(done.output["results"][0]["transcription_url"])["transcripts"][0]["text"] == \
        "".join(script("hello_zh.wav"))


def test_timed_lifecycle_follows_the_manual_clock(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription

    emulator.clock(mode="manual")
    emulator.lifecycle("timed:queue=2,speed=10")            # 9.5 s of audio → 0.95 s running
    task = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")])
    tid = task.output.task_id
    statuses = [Transcription.fetch(task=tid).output.task_status]
    for step in (1.9, 0.2, 0.9):
        emulator.clock(advance=step)
        statuses.append(Transcription.fetch(task=tid).output.task_status)
    assert statuses == ["PENDING", "PENDING", "RUNNING", "SUCCEEDED"]
    output = Transcription.fetch(task=tid).output
    submit, end = output["submit_time"], output["end_time"]
    assert json.dumps([submit, end]) and end > submit


@pytest.mark.filterwarnings("ignore:dashscope 2.0 audio API is a preview:FutureWarning")
def test_the_2x_client_transcribes_and_raises_on_failure(emulator: ControlClient) -> None:
    from dashscope import Client
    from dashscope.v2.errors import DashScopeError

    emulator.lifecycle("instant")
    client = Client(api_key="sk-v2-client-key", base_url=f"{emulator.url}/api/v1")
    job = client.audio.asr.transcribe([emulator.fixture_url("hello_zh.wav")], model="paraformer-v2",
                                      parameters={"language_hints": ["zh"]})
    assert job.status == "SUCCEEDED" and job.task_id
    [result] = job.results
    assert result.transcription_url is not None
    assert result_file(result.transcription_url)["transcripts"][0]["text"] == "".join(script("hello_zh.wav"))

    with pytest.raises(DashScopeError) as failed:
        client.audio.asr.transcribe([f"{emulator.url}/_emulator/fixtures/missing.wav"], model="fun-asr")
    assert "InvalidFile.DownloadFailed" in str(failed.value) or "cannot be downloaded" in str(failed.value)
    client.close()


def test_vocabulary_service_round_trip_and_hot_words_in_transcripts(dashscope_sdk: Any,
                                                                    emulator: ControlClient) -> None:
    from dashscope.audio.asr import Transcription, VocabularyService, VocabularyServiceException

    service = VocabularyService()
    vocabulary_id = service.create_vocabulary(target_model="paraformer-v2", prefix="demo",
                                              vocabulary=[{"text": "赛德克巴莱", "weight": 4, "lang": "zh"}])
    assert vocabulary_id.startswith("vocab-demo-")
    listed = service.list_vocabularies(prefix="demo")
    assert [v["vocabulary_id"] for v in listed] == [vocabulary_id] and listed[0]["status"] == "OK"
    queried = service.query_vocabulary(vocabulary_id)
    assert queried["target_model"] == "paraformer-v2"
    assert queried["vocabulary"] == [{"text": "赛德克巴莱", "weight": 4, "lang": "zh"}]
    service.update_vocabulary(vocabulary_id, [{"text": "通义千问", "weight": 5}])
    assert service.query_vocabulary(vocabulary_id)["vocabulary"] == [{"text": "通义千问", "weight": 5}]

    emulator.lifecycle("instant")
    magic_url = "http://media.asr-emulator.test/meeting.wav?duration=6"
    done = Transcription.wait(task=Transcription.async_call(model="paraformer-v2", file_urls=[magic_url],
                                                             vocabulary_id=vocabulary_id))
    text = result_file(done.output["results"][0]["transcription_url"])["transcripts"][0]["text"]
    assert "通义千问" in text

    with pytest.raises(VocabularyServiceException):
        service.create_vocabulary(target_model="paraformer-v2", prefix="Bad_Prefix", vocabulary=[{"text": "x"}])
    service.delete_vocabulary(vocabulary_id)
    with pytest.raises(VocabularyServiceException):
        service.query_vocabulary(vocabulary_id)
    unknown = Transcription.async_call(model="paraformer-v2", file_urls=[magic_url], vocabulary_id=vocabulary_id)
    assert unknown.status_code == HTTPStatus.BAD_REQUEST and unknown.code == "InvalidParameter"


def test_submit_without_the_async_header_is_refused(emulator: ControlClient) -> None:
    import requests  # the SDK's own HTTP library; the SDK itself always sends the header

    resp = requests.post(f"{emulator.url}/api/v1/services/audio/asr/transcription",
                         headers={"Authorization": "Bearer sk-contract-test-key"},
                         json={"model": "paraformer-v2", "parameters": {},
                               "input": {"file_urls": [emulator.fixture_url("hello_zh.wav")]}}, timeout=30)
    assert resp.status_code == 403
    assert resp.json()["code"] == "AccessDenied"
    assert resp.json()["message"] == "current user api does not support synchronous calls"
    missing_key = requests.post(f"{emulator.url}/api/v1/services/audio/asr/transcription",
                                headers={"X-DashScope-Async": "enable"}, json={}, timeout=30)
    assert missing_key.status_code == 401 and missing_key.json()["code"] == "InvalidApiKey"


MAGIC = "http://media.asr-emulator.test/audio.wav"


def transcribe(emulator: ControlClient, model: str, url: str, **params: Any) -> dict[str, Any]:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    done = Transcription.wait(task=Transcription.async_call(model=model, file_urls=[url], **params))
    assert done.output.task_status == "SUCCEEDED", done
    transcript: dict[str, Any] = result_file(done.output["results"][0]["transcription_url"])["transcripts"][0]
    return transcript


def test_numbers_are_written_as_digits_unless_asked_otherwise(dashscope_sdk: Any, emulator: ControlClient) -> None:
    url = str(httpx.URL(MAGIC, params={"text": "我有三百二十个苹果，还有一些梨。", "duration": 6}))
    [sentence] = transcribe(emulator, "paraformer-v2", url)["sentences"]
    assert sentence["text"] == "我有320个苹果，还有一些梨。"
    # the words still spell the sentence: the number's characters are one word over their times
    assert "".join(w["text"] + w["punctuation"] for w in sentence["words"]) == sentence["text"]
    number = next(w for w in sentence["words"] if w["text"] == "320")
    assert number["end_time"] - number["begin_time"] > 0
    [spoken] = transcribe(emulator, "paraformer-v2", url, inverse_text_normalization_enabled=False)["sentences"]
    assert spoken["text"] == "我有三百二十个苹果，还有一些梨。"
    [bare] = transcribe(emulator, "paraformer-v2", url, punctuation_prediction_enabled=False)["sentences"]
    assert bare["text"] == "我有320个苹果还有一些梨"


def test_sensevoice_marks_every_audio_event(dashscope_sdk: Any, emulator: ControlClient) -> None:
    url = str(httpx.URL(MAGIC, params={"duration": 12, "sentences": 4}))
    emulator.script("Music plays. People clap. Someone laughs. Just talking.", url=url, language="en",
                    events=["BGM", "Applause", "Laughter", None])
    texts = [s["text"] for s in transcribe(emulator, "sensevoice-v1", url, language_hints=["en"])["sentences"]]
    assert [t.split("<|Speech|>")[0] for t in texts] == [
        "<|BGM|><|/BGM|>", "<|Applause|><|/Applause|>", "<|Laughter|><|/Laughter|>", ""]
    assert all(" <|/Speech|>" in t for t in texts)
    plain = transcribe(emulator, "sensevoice-v1", url, language_hints=["en"], audio_event_detection_enabled=False)
    assert not any("<|Speech|>" in s["text"] or "<|BGM|>" in s["text"] for s in plain["sentences"])


def test_sensevoice_synthetic_speech_comes_with_events(dashscope_sdk: Any, emulator: ControlClient) -> None:
    url = str(httpx.URL(MAGIC, params={"duration": 120}))
    texts = [s["text"] for s in transcribe(emulator, "sensevoice-v1", url)["sentences"]]
    seen = {tag for t in texts for tag in ("BGM", "Applause", "Laughter") if f"<|{tag}|>" in t}
    assert seen and all("<|Speech|>" in t for t in texts)


def test_parameters_the_documents_do_not_list_are_ignored_and_said(dashscope_sdk: Any,
                                                                   emulator: ControlClient) -> None:
    """As a third-party client built on the SDK sends them: extra keyword arguments (into ``parameters``) and a
    nested ``parameters`` object. Accepted with a declared leniency warning; refused in strict mode."""
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    url = emulator.fixture_url("hello_zh.wav")
    task = Transcription.async_call(model="paraformer-v2", file_urls=[url], enable_words=True,
                                    parameters={"language": "zh", "enable_words": True})
    assert task.status_code == 200, task
    done = Transcription.wait(task=task.output.task_id)
    assert done.output.task_status == "SUCCEEDED"
    # said on the journal entry (shared by every worker of a server, where the warnings' counters are per worker)
    [entry] = [e for e in emulator.journal(vendor="dashscope") if e.get("operation") == "submit"]
    assert "dashscope/unknown_parameter" in entry["warnings"]
    emulator.settings(strict=True)
    from emulator.config import DEFAULT_DASHSCOPE_KEY

    refused = Transcription.async_call(model="paraformer-v2", file_urls=[url], enable_words=True,
                                       api_key=DEFAULT_DASHSCOPE_KEY)
    assert (refused.status_code, refused.code) == (400, "InvalidParameter")
    assert refused.message == "Unknown parameter(s): enable_words."


def test_a_vendor_hosted_url_a_test_names_is_transcribed_offline(dashscope_sdk: Any, emulator: ControlClient) -> None:
    """The program's audio lives in OSS (or on a CDN): the test says what that URL serves, no download happens."""
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    oss = "https://my-bucket.oss-cn-hangzhou.aliyuncs.com/calls/2024/a.wav?Expires=1&Signature=x"
    emulator.upload(FIXTURES.joinpath("hello_zh.wav"), url=oss)
    cdn = "https://cdn.example.com/samples/weather.wav"
    assert emulator.name_media(cdn, "今天天气很好。", duration=2)["url"] == cdn
    done = Transcription.wait(task=Transcription.async_call(model="paraformer-v2", file_urls=[oss, cdn]))
    assert done.output.task_status == "SUCCEEDED"
    texts = [result_file(r["transcription_url"])["transcripts"][0]["text"] for r in done.output["results"]]
    assert texts == ["你好，欢迎使用语音识别模拟器。今天天气很好。", "今天天气很好。"]


def test_a_local_file_uploaded_with_files_then_transcribed(dashscope_sdk: Any, emulator: ControlClient,
                                                           tmp_path: Path) -> None:
    """dashscope.Files: upload, get (its url), list, delete — the url is what a transcription client submits."""
    import shutil

    from dashscope import Files
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    local = tmp_path / "我的 录音.wav"
    shutil.copy(FIXTURES / "hello_zh.wav", local)
    uploaded = Files.upload(file_path=str(local), purpose="inference", description="a call")
    assert uploaded.status_code == 200, uploaded
    [entry] = uploaded.output["uploaded_files"]
    assert entry["name"] == "我的 录音.wav"
    info = Files.get(entry["file_id"]).output
    assert (info["name"], info["description"], info["size"]) == ("我的 录音.wav", "a call", local.stat().st_size)
    assert Files.list(page=1, page_size=10).output["total"] == 1
    done = Transcription.wait(task=Transcription.async_call(model="paraformer-v2", file_urls=[info["url"]]))
    text = result_file(done.output["results"][0]["transcription_url"])["transcripts"][0]["text"]
    assert text == "你好，欢迎使用语音识别模拟器。今天天气很好。"
    assert Files.delete(entry["file_id"]).status_code == 200
    missing = Files.get(entry["file_id"])
    assert (missing.status_code, missing.code) == (404, "NotFound")
