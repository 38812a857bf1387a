"""What a cassette keeps and what it never writes: credentials in headers, the query, a form, JSON fields of a
request or an answer (an NLS token's id), keys in text — and result links, kept and marked."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.record.cassette import (
    PLACEHOLDER,
    Cassettes,
    Exchange,
    Message,
    clean_body,
    clean_headers,
    clean_url,
)

SECRETS = ("sk-live-0123456789", "LTAI5tSecretKeyId", "AKIDsecretid000", "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
           "c2lnbmF0dXJlLXZhbHVl", "tok-9a8b7c6d", "appkey-secret-1")


def test_credentials_are_replaced_everywhere_they_travel() -> None:
    headers = clean_headers([("Authorization", "Bearer sk-live-0123456789"), ("Host", "dashscope.aliyuncs.com"),
                             ("X-Acs-Security-Token", "tok-9a8b7c6d"), ("Connection", "keep-alive"),
                             ("X-Note", "key sk-live-0123456789 in a free header")])
    assert headers[0] == ("Authorization", PLACEHOLDER) and ("Host", "dashscope.aliyuncs.com") in headers
    assert not any(k == "Connection" for k, _ in headers)           # hop-by-hop: not part of the exchange
    url = clean_url("https://filetrans.cn-shanghai.aliyuncs.com/?Action=GetTaskResult&AccessKeyId=LTAI5tSecretKeyId"
                    "&Signature=c2lnbmF0dXJlLXZhbHVl&SignatureNonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0&TaskId=t1")
    assert "Action=GetTaskResult" in url and "TaskId=t1" in url
    form, _ = clean_body(b"SecretId=AKIDsecretid000&Signature=c2lnbmF0dXJlLXZhbHVl&Action=CreateRecTask",
                         "application/x-www-form-urlencoded")
    assert "Action=CreateRecTask" in form
    token, _ = clean_body(json.dumps({"Token": {"Id": "tok-9a8b7c6d", "ExpireTime": 1796000000},
                                      "appkey": "appkey-secret-1", "NlsRequestId": "r1"}).encode(),
                          "application/json")
    assert json.loads(token) == {"Token": {"Id": PLACEHOLDER, "ExpireTime": 1796000000}, "appkey": PLACEHOLDER,
                                 "NlsRequestId": "r1"}
    written = json.dumps([headers, url, form, token])
    assert not any(secret in written for secret in SECRETS), written


def test_result_links_are_kept_and_marked_and_bytes_stay_bytes(tmp_path: Path) -> None:
    links: list[str] = []
    link = "https://dashscope-result.oss-cn-beijing.aliyuncs.com/r.json?Expires=1796&OSSAccessKeyId=x&Signature=s"
    body, encoding = clean_body(json.dumps({"output": {"results": [{"transcription_url": link}]}}).encode(),
                                "application/json", links)
    assert links == ["$.output.results[0].transcription_url"] and link in body and encoding == "text"
    audio, encoding = clean_body(b"RIFF\x00\xff\xfe", "audio/wav")
    assert encoding == "base64"
    cassettes = Cassettes(tmp_path)
    exchange = Exchange(seq=cassettes.next_seq(), vendor="dashscope", operation="query", started=1.0, elapsed_ms=2.0,
                        request=Message(headers=[("Host", "dashscope.aliyuncs.com")], method="GET",
                                        url="https://dashscope.aliyuncs.com/api/v1/tasks/t"),
                        response=Message(headers=[("Content-Type", "audio/wav")], body=audio, encoding=encoding,
                                         status=200), result_links=links)
    path = cassettes.write(exchange)
    assert path.name == "000001-dashscope-query.json"
    again = Cassettes(tmp_path)
    assert again.load() == [exchange] and again.load()[0].response.data() == b"RIFF\x00\xff\xfe"
    assert again.next_seq() == 2                 # a folder recorded into again goes on after what it holds


def test_an_answer_without_a_secret_keeps_the_vendors_bytes() -> None:
    original = b'{"0": "\\u4f60\\u597d", "request_id": "r-1"}'
    text, encoding = clean_body(original, "application/json")
    assert (text.encode(), encoding) == (original, "text")
    secret = b'{"Token": {"Id": "tok-9a8b7c6d"}, "note": "\\u4f60"}'
    text, _ = clean_body(secret, "application/json")
    assert "tok-9a8b7c6d" not in text and json.loads(text)["note"] == "你"
