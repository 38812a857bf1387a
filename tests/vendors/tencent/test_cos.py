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
