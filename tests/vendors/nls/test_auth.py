"""POP signatures against the vectors of the Alibaba NLS brief (A.1b) and Alibaba's public documentation."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

from emulator.vendors.nls.auth import (
    Acs3,
    acs3_canonical_request,
    acs3_signature,
    percent_encode,
    rpc_signature,
    rpc_string_to_sign,
)

SUBMIT_QUERY = ("Version=2018-08-17&Action=SubmitTask&Format=JSON&RegionId=cn-shanghai"
                "&Timestamp=2026-01-01T00%3A00%3A00Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0"
                "&SignatureNonce=6f1c2f0c8e5b4b0f9d7a1e2b3c4d5e6f&AccessKeyId=testAKID"
                "&Signature=C9CM1x%2Bxb8AYvRXram4Wb11SLgg%3D")
SUBMIT_BODY = ("Task=%7B%22appkey%22%3A+%22myAppKey%22%2C+%22file_link%22%3A+%22https%3A%2F%2Fexample.com%2Faudio"
               "%2Fa.wav%22%2C+%22version%22%3A+%224.0%22%2C+%22enable_words%22%3A+false%7D")
GET_QUERY = ("TaskId=4b56f0c4b7e611e88f34c33c2a600000&Version=2018-08-17&Action=GetTaskResult&Format=JSON"
             "&RegionId=cn-shanghai&Timestamp=2026-01-01T00%3A00%3A00Z&SignatureMethod=HMAC-SHA1&SignatureType="
             "&SignatureVersion=1.0&SignatureNonce=0a1b2c3d4e5f60718293a4b5c6d7e8f9&AccessKeyId=testAKID"
             "&Signature=RtefmXrmGJfEQBh5ZfwN7o5TtH4%3D")


def params(*parts: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        out.update(parse_qsl(part, keep_blank_values=True))
    return out


def test_public_documentation_vector() -> None:
    p = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
         "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
         "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    assert rpc_signature("testsecret", rpc_string_to_sign("GET", p)) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_submit_task_capture() -> None:
    p = params(SUBMIT_QUERY, SUBMIT_BODY)
    sts = rpc_string_to_sign("POST", p)
    assert sts.startswith("POST&%2F&AccessKeyId%3DtestAKID%26Action%3DSubmitTask%26Format%3DJSON")
    assert "SignatureType%3D%26" in sts                       # the empty parameter takes part
    assert "%2520%2522myAppKey%2522" in sts                   # form '+' is a space, re-encoded as %20
    assert rpc_signature("testSecret", sts) == p["Signature"] == "C9CM1x+xb8AYvRXram4Wb11SLgg="


def test_get_task_result_capture() -> None:
    p = params(GET_QUERY)
    sts = rpc_string_to_sign("GET", p)
    assert sts == ("GET&%2F&AccessKeyId%3DtestAKID%26Action%3DGetTaskResult%26Format%3DJSON%26RegionId%3Dcn-shanghai"
                   "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0a1b2c3d4e5f60718293a4b5c6d7e8f9"
                   "%26SignatureType%3D%26SignatureVersion%3D1.0%26TaskId%3D4b56f0c4b7e611e88f34c33c2a600000"
                   "%26Timestamp%3D2026-01-01T00%253A00%253A00Z%26Version%3D2018-08-17")
    assert rpc_signature("testSecret", sts) == "RtefmXrmGJfEQBh5ZfwN7o5TtH4="


def test_the_method_and_the_secret_matter() -> None:
    p = params(GET_QUERY)
    assert rpc_signature("testSecret", rpc_string_to_sign("POST", p)) != p["Signature"]
    assert rpc_signature("other", rpc_string_to_sign("GET", p)) != p["Signature"]


def test_percent_encoding_is_rfc3986() -> None:
    assert percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


def test_acs3_header_parsing_and_signature() -> None:
    header = ("ACS3-HMAC-SHA256 Credential=testAKID,SignedHeaders=host;x-acs-action;x-acs-content-sha256,"
              "Signature=abc")
    parsed = Acs3.parse(header)
    assert parsed is not None
    assert (parsed.access_key_id, parsed.signed_headers, parsed.signature) == (
        "testAKID", ("host", "x-acs-action", "x-acs-content-sha256"), "abc")
    assert Acs3.parse("ACS3-HMAC-SHA256 Credential=x") is None
    body_hash = hashlib.sha256(b"").hexdigest()
    canonical = acs3_canonical_request(
        "GET", "/", [("TaskId", "a b")], [("Host", "h:1"), ("x-acs-action", "GetTaskResult"),
                                          ("x-acs-content-sha256", body_hash), ("user-agent", "ignored")],
        parsed.signed_headers, body_hash)
    assert canonical == (f"GET\n/\nTaskId=a%20b\nhost:h:1\nx-acs-action:GetTaskResult\n"
                         f"x-acs-content-sha256:{body_hash}\n\nhost;x-acs-action;x-acs-content-sha256\n{body_hash}")
    assert len(acs3_signature("secret", canonical)) == 64
    assert acs3_signature("secret", canonical) != acs3_signature("other", canonical)
