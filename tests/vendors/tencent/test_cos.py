"""COS bucket listings at their edges."""

from __future__ import annotations

import xmltodict

from emulator.app import Emulator
from tests.conftest import Call

HOST = "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"


def test_max_keys_zero_lists_nothing_and_gives_no_marker(app: Emulator, call: Call) -> None:
    """``max-keys=0`` with objects in the bucket answered 500 (an IndexError reading the last key of an empty
    page)."""
    app.engine.credentials.mode = "off"
    assert call("PUT", f"{HOST}/input/a.wav", content=b"RIFF").status_code == 200
    resp = call("GET", f"{HOST}/?max-keys=0")
    assert resp.status_code == 200, resp.text
    listing = xmltodict.parse(resp.content)["ListBucketResult"]
    assert listing["MaxKeys"] == "0" and listing["IsTruncated"] == "true"
    assert "Contents" not in listing and "NextMarker" not in listing


def test_a_response_override_that_is_not_a_header_value_is_refused_not_a_500(app: Emulator, call: Call) -> None:
    """GET Object's ``response-content-type=你好`` answered 500 (the override cannot be written as a header):
    found by the fuzzing derived from the declarations."""
    app.engine.credentials.mode = "off"
    assert call("PUT", f"{HOST}/input/a.wav", content=b"RIFF").status_code == 200
    resp = call("GET", f"{HOST}/input/a.wav", params={"response-content-type": "你好"})
    assert resp.status_code == 400, resp.text
    error = xmltodict.parse(resp.content)["Error"]
    assert error["Code"] == "InvalidArgument" and "response-content-type" in error["Message"]
    ok = call("GET", f"{HOST}/input/a.wav", params={"response-content-type": "audio/wav",
                                                  "response-content-disposition": "attachment; filename=a.wav"})
    assert ok.status_code == 200 and ok.headers["content-type"] == "audio/wav"
    assert ok.headers["content-disposition"] == "attachment; filename=a.wav"


def test_documents_nested_too_deep_are_malformed_before_they_are_built(app: Emulator, call: Call) -> None:
    app.engine.credentials.mode = "off"
    deep = b"<Delete>" + b"<Object>" * 40 + b"</Object>" * 40 + b"</Delete>"
    resp = call("POST", f"{HOST}/?delete", content=deep, headers={"Content-Type": "application/xml"})
    assert resp.status_code == 400
    error = xmltodict.parse(resp.content)["Error"]
    assert error["Code"] == "MalformedXML" and "32 deep" in error["Message"]


def test_a_delete_document_is_checked_against_its_declaration(app: Emulator, call: Call) -> None:
    app.engine.credentials.mode = "off"
    assert call("PUT", f"{HOST}/a.txt", content=b"x").status_code == 200
    app.engine.leniency.strict = True              # a node the emulator does not know is refused, not ignored
    for body in (b"<Delete><Quiet>true</Quiet></Delete>", b"<Delete><Object><Key></Key></Object></Delete>",
                 b"<Delete><Object><Key>a.txt</Key><Colour>red</Colour></Object></Delete>",
                 b"<Delete><Object><Key>a.txt</Key></Object><Quiet>maybe</Quiet></Delete>"):
        resp = call("POST", f"{HOST}/?delete", content=body)
        assert resp.status_code == 400 and b"<Code>MalformedXML</Code>" in resp.content, (body, resp.text)
    done = call("POST", f"{HOST}/?delete", content=b"<Delete><Object><Key>a.txt</Key></Object></Delete>")
    assert xmltodict.parse(done.content)["DeleteResult"]["Deleted"]["Key"] == "a.txt"
