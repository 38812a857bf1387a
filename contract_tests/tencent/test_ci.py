"""Cloud Infinite speech jobs and their COS bucket through cos-python-sdk-v5, as a user configures it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos.cos_exception import CosServiceError

from contract_tests.conftest import FIXTURES, LocalFiles
from contract_tests.tencent.conftest import BUCKET, REGION, make_cos
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
SPEECH = {"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0}


def script(name: str) -> str:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").strip()


def queue_id(cos: Any) -> str:
    """The bucket's speech queue, as a user finds it (003 requires a QueueId on every job)."""
    found: str = cos.ci_get_asr_queue(Bucket=BUCKET)["QueueList"][0]["QueueId"]
    return found


def submit(cos: Any, key: str = "input/hello.wav", **options: Any) -> dict[str, Any]:
    speech = {**SPEECH, **options.pop("speech", {})}
    options.setdefault("QueueId", queue_id(cos))
    response: dict[str, Any] = cos.ci_create_asr_job(
        Bucket=BUCKET, OutputBucket=BUCKET, OutputRegion=REGION, OutputObject=options.pop("output", "output/asr.txt"),
        InputObject=key, SpeechRecognition=speech, **options)
    detail: dict[str, Any] = response["JobsDetail"]
    return detail


def wait(cos: Any, job_id: str) -> tuple[list[str], dict[str, Any]]:
    seen = []
    for _ in range(20):
        detail: dict[str, Any] = cos.ci_get_asr_job(Bucket=BUCKET, JobID=job_id)["JobsDetail"][0]
        seen.append(detail["State"])
        if detail["State"] in ("Success", "Failed", "Cancel"):
            return seen, detail
    raise AssertionError(f"job {job_id} never ended: {seen}")


def put_fixture(cos: Any, name: str = "hello_zh.wav", key: str = "input/hello.wav") -> None:
    cos.put_object(Bucket=BUCKET, Key=key, Body=FIXTURES.joinpath(name).read_bytes())


def test_put_submit_poll_and_read_the_output(cos: Any) -> None:
    put_fixture(cos)
    detail = submit(cos, QueueId="pcd463e1467964d39ad2d3f66aacd8199")
    assert detail["State"] == "Submitted" and detail["JobId"].startswith("s") and len(detail["JobId"]) == 33
    assert detail["StartTime"] == "-" and detail["EndTime"] == "-" and detail["Message"] is None
    assert detail["Operation"]["SpeechRecognition"]["ConvertNumMode"] == "1"      # defaults are echoed
    seen, done = wait(cos, detail["JobId"])
    assert seen == ["Submitted", "Running", "Success"]
    result = done["Operation"]["SpeechRecognitionResult"]
    assert float(result["AudioTime"]) > 0
    assert "".join(line.split("]  ", 1)[1] for line in result["Result"].splitlines()) == script("hello_zh.wav")
    assert done["EndTime"].endswith("+0800") and done["QueueId"] == "pcd463e1467964d39ad2d3f66aacd8199"
    output = cos.get_object(Bucket=BUCKET, Key="output/asr.txt")["Body"].get_raw_stream().read().decode()
    assert output == result["Result"] + "\n"


def test_word_level_results(cos: Any) -> None:
    put_fixture(cos)
    _, done = wait(cos, submit(cos, speech={"ResTextFormat": 1, "FlashAsr": "true"})["JobId"])
    result = done["Operation"]["SpeechRecognitionResult"]
    details = result["ResultDetail"]
    details = details if isinstance(details, list) else [details]            # one sentence comes back as a dict
    assert "".join(d["FinalSentence"] for d in details) == script("hello_zh.wav")
    words = details[0]["Words"]
    assert words[0]["OffsetStartMs"] == "0" and details[0]["WordsNum"] == str(len(words))
    assert result["FlashResult"]["channel_id"] == "0"


def details_of(done: dict[str, Any]) -> list[dict[str, Any]]:
    details = done["Operation"]["SpeechRecognitionResult"]["ResultDetail"]
    return details if isinstance(details, list) else [details]


def test_speaker_ids_on_8k_mandarin_jobs(cos: Any) -> None:
    # 003 restricts word-level results to "the 16 kHz Mandarin engine", yet has SpeakerId tell apart the channels of
    # a Dual 8k_zh job and 8k_zh_s diarise: the emulator gives word-level results for both (see the catalogue)
    put_fixture(cos, "stereo_call.wav", "input/call.wav")
    _, done = wait(cos, submit(cos, "input/call.wav", speech={"EngineModelType": "8k_zh", "ChannelNum": 2,
                                                              "ResTextFormat": 1})["JobId"])
    by_speaker = {d["SpeakerId"]: d["FinalSentence"] for d in details_of(done)}
    assert by_speaker == dict(zip(["0", "1"], script("stereo_call.wav").splitlines(), strict=True))
    put_fixture(cos, "phone_8k.wav", "input/phone.wav")
    _, done = wait(cos, submit(cos, "input/phone.wav", speech={"EngineModelType": "8k_zh_s",
                                                               "ResTextFormat": 1})["JobId"])
    assert [d["SpeakerId"] for d in details_of(done)][:2] == ["0", "1"]
    with pytest.raises(CosServiceError) as err:          # other languages' engines still refuse them
        submit(cos, "input/hello.wav", speech={"EngineModelType": "16k_en", "ResTextFormat": 1})
    assert err.value.get_error_code() == "InvalidArgument"


def test_list_and_cancel(cos: Any, emulator: ControlClient) -> None:
    put_fixture(cos)
    first = submit(cos)["JobId"]
    emulator.lifecycle("manual")
    second = submit(cos)["JobId"]
    listed = cos.ci_list_asr_jobs(Bucket=BUCKET, Size=10)
    assert [d["JobId"] for d in listed["JobsDetail"]] == [second, first]             # newest first
    assert cos.ci_list_asr_jobs(Bucket=BUCKET, States="Submitted")["JobsDetail"][0]["JobId"] == second
    page = cos.ci_list_asr_jobs(Bucket=BUCKET, Size=1, OrderByTime="Asc")
    assert [d["JobId"] for d in page["JobsDetail"]] == [first] and page["NextToken"] == "1"
    cos.ci_cancel_jobs(Bucket=BUCKET, JobID=second)
    assert cos.ci_get_asr_job(Bucket=BUCKET, JobID=second)["JobsDetail"][0]["State"] == "Cancel"


def test_a_missing_input_object_fails_the_job(cos: Any) -> None:
    _, done = wait(cos, submit(cos, key="input/nothing-here.wav")["JobId"])
    assert (done["State"], done["Code"]) == ("Failed", "ResourceNotFound")
    assert done["Message"] and "SpeechRecognitionResult" not in done["Operation"]


def test_an_unknown_job_id(cos: Any) -> None:
    assert cos.ci_get_asr_job(Bucket=BUCKET, JobID="s" + "0" * 32) == {"NonExistJobIds": "s" + "0" * 32}


def test_a_wrong_secret_key(emulator: ControlClient) -> None:
    wrong = make_cos(emulator, secret_key="not-the-key")
    with pytest.raises(CosServiceError) as err:
        wrong.ci_list_asr_jobs(Bucket=BUCKET)
    assert err.value.get_status_code() == 403
    assert err.value.get_error_code() == "SignatureDoesNotMatch"
    assert err.value.get_request_id() != "Unknown" and err.value.get_trace_id() != "Unknown"


@pytest.mark.parametrize(("speech", "needle"), [
    ({"ChannelNum": 2}, "8k_zh engine only"),
    ({"EngineModelType": "16k_en", "ResTextFormat": 1}, "Mandarin engines only"),
    ({"EngineModelType": "16k_martian"}, "EngineModelType"),
])
def test_the_documents_rules(cos: Any, speech: dict[str, Any], needle: str) -> None:
    with pytest.raises(CosServiceError) as err:
        submit(cos, speech=speech)
    assert (err.value.get_status_code(), err.value.get_error_code()) == (400, "InvalidArgument")
    assert needle in err.value.get_error_msg()


def test_a_5xx_is_retried_without_duplicate_jobs(cos: Any, emulator: ControlClient) -> None:
    put_fixture(cos)
    emulator.fault({"type": "error", "code": "InternalError"}, vendor="tencent_ci", operation="create_job", times=1)
    submit(cos)
    assert [e["status"] for e in emulator.journal(operation="create_job")] == [500, 200]
    assert len(emulator.jobs(vendor="tencent_ci")) == 1


def test_callbacks_in_json_and_xml(cos: Any, emulator: ControlClient, local_files: LocalFiles) -> None:
    put_fixture(cos)
    emulator.settings(callback_retry_delays=[0.05])
    json_job = submit(cos, CallBack=f"{local_files.url}/ci/json", CallBackFormat="JSON")["JobId"]
    xml_job = submit(cos, CallBack=f"{local_files.url}/ci/xml")["JobId"]
    wait(cos, json_job)
    wait(cos, xml_job)
    posts = _await_posts(local_files, ["/ci/json", "/ci/xml"])
    import json

    body = json.loads(posts["/ci/json"][1])["Response"]
    assert body["EventName"] == "TaskFinish" and body["JobsDetail"]["JobId"] == json_job
    assert body["JobsDetail"]["Operation"]["SpeechRecognitionResult"]["ObjectName"] == "output/asr.txt"
    headers, raw = posts["/ci/xml"]
    assert headers.get("Content-Type", headers.get("content-type")) == "application/xml"
    assert b"<EventName>TaskFinish</EventName>" in raw and xml_job.encode() in raw


def _await_posts(local_files: LocalFiles, paths: list[str]) -> dict[str, tuple[dict[str, str], bytes]]:
    for _ in range(250):
        with local_files.lock:
            found = {p: (h, b) for p, h, b in local_files.received if p in paths}
        if len(found) == len(paths):
            return found
        time.sleep(0.02)
    raise AssertionError(f"callbacks missing: {paths}")


def test_queue_bucket_and_templates(cos: Any) -> None:
    put_fixture(cos)
    opened = cos.ci_open_asr_bucket(Bucket=BUCKET)
    assert opened[1]["AsrBucket"]["BucketId"] == BUCKET          # parsed: Content-Type as the SDK wants it
    assert cos.ci_get_asr_bucket(BucketName=BUCKET)["AsrBucketList"][0]["Name"] == BUCKET
    queues = cos.ci_get_asr_queue(Bucket=BUCKET)["QueueList"]
    queue_id = queues[0]["QueueId"]
    updated = cos.ci_update_asr_queue(Bucket=BUCKET, QueueId=queue_id, Request={
        "Name": "renamed", "QueueID": queue_id, "State": "Active",
        "NotifyConfig": {"Url": "http://127.0.0.1:9/cb", "State": "Off", "Type": "Url", "Event": "TaskFinish"}})
    assert updated["Queue"][0]["Name"] == "renamed"
    made = cos.ci_create_asr_template(Bucket=BUCKET, Name="words", EngineModelType="16k_zh", ChannelNum=1,
                                      ResTextFormat=1)
    template_id = made["Template"]["TemplateId"]
    assert cos.ci_get_asr_template(Bucket=BUCKET)["TemplateList"][0]["TemplateId"] == template_id
    job = cos.ci_create_asr_job(Bucket=BUCKET, OutputBucket=BUCKET, OutputRegion=REGION, OutputObject="o.txt",
                                InputObject="input/hello.wav", TemplateId=template_id,
                                QueueId=queue_id)["JobsDetail"]
    _, done = wait(cos, job["JobId"])
    assert done["Operation"]["TemplateId"] == template_id and done["Operation"]["SpeechRecognitionResult"][
        "ResultDetail"]
    cos.ci_delete_asr_template(Bucket=BUCKET, TemplateId=template_id)
    assert cos.ci_get_asr_template(Bucket=BUCKET)["TemplateList"] == []
    cos.ci_close_asr_bucket(Bucket=BUCKET)


def test_objects_round_trip(cos: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 9000)                   # 2.3 MB: upload_file goes multipart
    cos.upload_file(Bucket=BUCKET, Key="dir/big.bin", LocalFilePath=str(big))
    assert cos.get_object(Bucket=BUCKET, Key="dir/big.bin")["Body"].get_raw_stream().read() == big.read_bytes()
    head = cos.head_object(Bucket=BUCKET, Key="dir/big.bin")
    assert head["Content-Length"] == str(big.stat().st_size)
    cos.put_object(Bucket=BUCKET, Key="dir/a.txt", Body=b"hello", Metadata={"x-cos-meta-who": "me"})
    listed = cos.list_objects(Bucket=BUCKET, Prefix="dir/")
    assert [c["Key"] for c in listed["Contents"]] == ["dir/a.txt", "dir/big.bin"]
    ranged = cos.get_object(Bucket=BUCKET, Key="dir/a.txt", Range="bytes=1-3")
    assert ranged["Body"].get_raw_stream().read() == b"ell"
    cos.delete_object(Bucket=BUCKET, Key="dir/a.txt")
    with pytest.raises(CosServiceError) as err:
        cos.get_object(Bucket=BUCKET, Key="dir/a.txt")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (404, "NoSuchKey")


def test_domain_and_ip_configuration(emulator: ControlClient) -> None:
    """The brief's other proven way: Domain + IP + Port (origin-form requests with the real Host)."""
    emulator.lifecycle("instant")
    port = int(emulator.url.rsplit(":", 1)[1])
    objects = make_cos(emulator, Proxies=None, Domain=f"{BUCKET}.cos.{REGION}.myqcloud.com", IP="127.0.0.1",
                       Port=port)
    objects.put_object(Bucket=BUCKET, Key="input/hello.wav", Body=FIXTURES.joinpath("hello_zh.wav").read_bytes())
    ci = make_cos(emulator, Proxies=None, Domain=f"{BUCKET}.ci.{REGION}.myqcloud.com", IP="127.0.0.1", Port=port)
    _, done = wait(ci, submit(ci)["JobId"])
    assert done["State"] == "Success"


@pytest.mark.parametrize(("missing", "needle"), [
    ("QueueId", "QueueId is required"),              # ci_create_asr_job leaves QueueId out when it is None
    ("ChannelNum", "ChannelNum is required"),
    ("ResTextFormat", "ResTextFormat is required"),
])
def test_the_nodes_003_requires(cos: Any, missing: str, needle: str) -> None:
    put_fixture(cos)
    speech = {k: v for k, v in SPEECH.items() if k != missing}
    queue = None if missing == "QueueId" else queue_id(cos)
    with pytest.raises(CosServiceError) as err:
        cos.ci_create_asr_job(Bucket=BUCKET, OutputBucket=BUCKET, OutputRegion=REGION, OutputObject="o.txt",
                              InputObject="input/hello.wav", QueueId=queue, SpeechRecognition=speech)
    assert err.value.get_status_code() == 400
    assert err.value.get_error_code() == "InvalidArgument" and needle in err.value.get_error_msg()


def test_filter_dirty_in_a_ci_job(cos: Any, emulator: ControlClient) -> None:
    assert emulator.settings()["tencent"]["restricted_words"] == []      # each test starts from the defaults
    emulator.settings(tencent={"restricted_words": ["天气"]})
    put_fixture(cos)                                                     # 你好，欢迎使用语音识别模拟器。今天天气很好。
    _, done = wait(cos, submit(cos, speech={"FilterDirty": 2})["JobId"])
    assert "今天**很好。" in done["Operation"]["SpeechRecognitionResult"]["Result"]
    _, done = wait(cos, submit(cos, speech={"FilterDirty": 1})["JobId"])
    assert "今天很好。" in done["Operation"]["SpeechRecognitionResult"]["Result"]


KEYS = ["语音/你好 世界.wav", "100%25 sure.txt", "100% sure.txt", "a%2Fb.wav", "a+b c.txt", "hash#tag.txt",
        "what?.txt", "emoji-🎙️.txt", "dots/../up.txt", "dir/trailing/", "semi;colon=eq&amp.txt", "tilde~'quote'.txt"]


@pytest.mark.parametrize("mode", ["proxy", "direct"])
def test_keys_of_every_kind_round_trip(emulator: ControlClient, mode: str) -> None:
    """Keys as the SDK sends them (percent-encoded once), in proxy (absolute-form) and Domain+IP (origin-form) set-ups:
    each is kept as given — never decoded twice, cut at '#' or '?', or refused — and signed as given."""
    port = int(emulator.url.rsplit(":", 1)[1])
    cos = make_cos(emulator) if mode == "proxy" else make_cos(
        emulator, Proxies=None, Domain=f"{BUCKET}.cos.{REGION}.myqcloud.com", IP="127.0.0.1", Port=port)
    for i, key in enumerate(KEYS):
        body = f"{i}:{key}".encode()
        cos.put_object(Bucket=BUCKET, Key=key, Body=body)
        assert cos.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read() == body, key
        assert cos.head_object(Bucket=BUCKET, Key=key)["Content-Length"] == str(len(body)), key
    listed = cos.list_objects(Bucket=BUCKET, MaxKeys=100)
    assert sorted(c["Key"] for c in listed["Contents"]) == sorted(KEYS)
    for key in KEYS:
        cos.delete_object(Bucket=BUCKET, Key=key)
    assert "Contents" not in cos.list_objects(Bucket=BUCKET)


def test_multipart_and_ci_input_with_unusual_keys(cos: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 9000)
    key = "上传/100%25 #1?.bin"
    cos.upload_file(Bucket=BUCKET, Key=key, LocalFilePath=str(big))
    assert cos.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read() == big.read_bytes()
    put_fixture(cos, key="输入/a%2Fb #1.wav")
    _, done = wait(cos, submit(cos, key="输入/a%2Fb #1.wav")["JobId"])
    assert done["State"] == "Success" and done["Input"]["Object"] == "输入/a%2Fb #1.wav"


def test_a_queues_result_format_shapes_its_callbacks(cos: Any, emulator: ControlClient,
                                                     local_files: LocalFiles) -> None:
    """NotifyConfig.ResultFormat (the newer queue document): a job without its own CallBack is told to the queue's
    URL in that format."""
    put_fixture(cos)
    emulator.settings(callback_retry_delays=[0.05])
    queue = queue_id(cos)
    updated = cos.ci_update_asr_queue(Bucket=BUCKET, QueueId=queue, Request={
        "Name": "q", "QueueID": queue, "State": "Active",
        "NotifyConfig": {"Url": f"{local_files.url}/ci/queue-json", "State": "On", "Type": "Url",
                         "Event": "TaskFinish", "ResultFormat": "JSON"}})
    assert updated["Queue"][0]["NotifyConfig"]["ResultFormat"] == "JSON"
    job = submit(cos)["JobId"]
    wait(cos, job)
    import json

    body = json.loads(_await_posts(local_files, ["/ci/queue-json"])["/ci/queue-json"][1])["Response"]
    assert body["JobsDetail"]["JobId"] == job


def test_closing_the_speech_bucket_names_it(cos: Any) -> None:
    cos.ci_open_asr_bucket(Bucket=BUCKET)
    _, closed = cos.ci_close_asr_bucket(Bucket=BUCKET)
    assert closed["BucketName"] == BUCKET


def test_hot_word_tables_and_their_effect_on_jobs(emulator: ControlClient) -> None:
    from qcloud_cos import CosConfig
    from qcloud_cos.intelligent_speech import IntelligentSpeechClient

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    emulator.lifecycle("polls:1")
    cos = IntelligentSpeechClient(CosConfig(Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, Scheme="http",
                                            Proxies={"http": emulator.url}))
    _, made = cos.ci_create_asr_hot_vocabulary_table(Bucket=BUCKET, Body={
        "TableName": "words", "TableDescription": "d",
        "VocabularyWeights": [{"Vocabulary": "腾讯云", "Weight": "11"}, {"Vocabulary": "数据万象", "Weight": "5"}]},
        ContentType="application/xml")
    table = made
    table_id = table["TableId"]
    assert [v["Vocabulary"] for v in table["VocabularyWeights"]] == ["腾讯云", "数据万象"]
    _, got = cos.ci_get_asr_hot_vocabulary_table(Bucket=BUCKET, TableId=table_id)
    assert got["TableName"] == "words"
    _, updated = cos.ci_update_asr_hot_vocabulary_table(Bucket=BUCKET, Body={
        "TableId": table_id, "TableName": "renamed", "VocabularyWeights": {"Vocabulary": "智聆", "Weight": "10"}},
        ContentType="application/xml")
    assert updated["TableName"] == "renamed"
    _, listed = cos.ci_list_asr_hot_vocabulary_table(Bucket=BUCKET)
    assert listed["TotalCount"] == "1"
    # a job naming the table: unscripted speech is biased towards its words
    url = "http://media.asr-emulator.test/a.wav?duration=4"
    plain = cos.ci_create_asr_job(Bucket=BUCKET, QueueId=queue_id(cos), Url=url, OutputBucket=BUCKET,
                                  OutputRegion=REGION, OutputObject="o1.txt", SpeechRecognition=SPEECH)["JobsDetail"]
    biased = cos.ci_create_asr_job(Bucket=BUCKET, QueueId=queue_id(cos), Url=url, OutputBucket=BUCKET,
                                   OutputRegion=REGION, OutputObject="o2.txt",
                                   SpeechRecognition={**SPEECH, "HotVocabularyTableId": table_id})["JobsDetail"]
    plain_text = wait(cos, plain["JobId"])[1]["Operation"]["SpeechRecognitionResult"]["Result"]
    biased_text = wait(cos, biased["JobId"])[1]["Operation"]["SpeechRecognitionResult"]["Result"]
    assert "智聆" in biased_text and biased_text != plain_text
    _, deleted = cos.ci_delete_asr_hot_vocabulary_table(Bucket=BUCKET, TableId=table_id)
    assert deleted["TableId"] == table_id
    with pytest.raises(CosServiceError) as err:
        cos.ci_create_asr_job(Bucket=BUCKET, QueueId=queue_id(cos), Url=url, OutputBucket=BUCKET,
                              OutputRegion=REGION, OutputObject="o3.txt",
                              SpeechRecognition={**SPEECH, "HotVocabularyTableId": table_id})
    assert err.value.get_error_code() == "InvalidArgument"
