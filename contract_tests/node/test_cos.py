"""COS objects and CI speech jobs through cos-nodejs-sdk-v5 (Proxy set to the emulator), keys of every kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contract_tests.conftest import ca_file
from contract_tests.node.conftest import AUDIO, TENCENT, scenario
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
KEYS = ["语音/你好 世界.wav", "100%25 sure.txt", "100% sure.txt", "a%2Fb.wav", "a+b c.txt", "hash#tag.txt",
        "what?.txt", "emoji-🎙️.txt", "dots/../up.txt", "dir/trailing/", "semi;colon=eq&amp.txt"]
SAID = "[0:0.300,0:5.420]  你好，欢迎使用语音识别模拟器。\n[0:5.840,0:8.800]  今天天气很好。"


@pytest.mark.parametrize("protocol", ["http:", "https:"])
def test_objects_multipart_and_a_ci_job(emulator: ControlClient, ca_dir: Path, protocol: str) -> None:
    out = scenario("cos", emulator.url, PROTOCOL=protocol, KEYS=json.dumps(KEYS), AUDIO=AUDIO,
                   INPUT_KEY="输入/a%2Fb #1.wav", PART_KEY="上传/100%25 #1?.bin", NODE_EXTRA_CA_CERTS=ca_file(ca_dir),
                   **TENCENT)
    for i, key in enumerate(KEYS):
        body = f"{i}:{key}"
        assert out["keys"][key] == {"body": body, "length": str(len(body.encode()))}, key
    assert out["listed"] == sorted(KEYS)
    assert out["afterDelete"] == 0
    assert (out["missing"]["error"]["code"], out["missing"]["error"]["status"]) == ("NoSuchKey", 404)
    assert (out["wrongSecret"]["error"]["code"], out["wrongSecret"]["error"]["status"]) == (
        "SignatureDoesNotMatch", 403)
    assert out["multipart"] is True
    # /jobs without QueueId: the bucket's speech queue; the job reads the unusual key and writes its output
    assert out["job"]["state"] == "Success" and out["job"]["queue"].startswith("p")
    assert out["job"]["input"] == "输入/a%2Fb #1.wav" and out["job"]["result"] == SAID
    assert out["output"] == SAID + "\n"
    # /asr_jobs keeps seed 003's rule
    error = out["noQueue"]["error"]
    assert (error["code"], error["status"], error["message"]) == ("InvalidArgument", 400, "QueueId is required")


def test_acl_tags_metadata_copies_and_buckets(emulator: ControlClient) -> None:
    out = scenario("cos_store", emulator.url, **TENCENT)
    assert out["aclKeepsBytes"] == out["taggingKeepsBytes"] == out["afterRestore"] == "the bytes"
    assert out["acl"] == "public-read"
    assert out["tags"] == [{"Key": "team", "Value": "asr"}] and out["tagsAfterDelete"] == []
    assert out["head"] == {"who": "node", "cache": "max-age=60", "disposition": "attachment"}
    assert out["override"] == "no-cache"
    assert out["copy"] == {"body": "the bytes", "who": "node"}
    assert (out["restore"]["error"]["code"], out["restore"]["error"]["status"]) == ("NotImplemented", 501)
    assert out["deleted"] == ["store/copy.txt", "store/数据 #1.txt"]
    assert out["headBefore"]["error"]["status"] == 404
    assert out["headAfter"] == 200 and "nodebucket-1250000000" in out["listed"]
    assert out["headDeleted"]["error"]["status"] == 404
