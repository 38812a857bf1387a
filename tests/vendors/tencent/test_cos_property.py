"""Any key, body and metadata through every object call: what was written is what is read, and no call but PUT and
DELETE Object changes an object's bytes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import Emulator
from emulator.config import Settings
from tests.conftest import caller

HOST = "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
APP = Emulator(Settings(lifecycle="instant", credentials="off", load_fixtures=False))
CALL = caller(APP)

keys = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda k: not k.startswith("/"))
metas = st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12),
                        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), max_size=30), max_size=4)


def url(key: str, query: str = "") -> str:
    # each character escaped as a client escapes it (dots too, so that no client-side path normalisation applies)
    return f"{HOST}/{quote(key, safe='').replace('.', '%2E')}" + (f"?{query}" if query else "")


def call(method: str, target: str, **kwargs: Any) -> httpx.Response:
    return CALL(method, target, **kwargs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=keys, body=st.binary(max_size=2048), meta=metas, other=keys)
def test_what_is_written_is_read_back(key: str, body: bytes, meta: dict[str, str], other: str) -> None:
    headers = {f"x-cos-meta-{k}": v for k, v in meta.items()} | {"Cache-Control": "max-age=5"}
    assert call("PUT", url(key), content=body, headers=headers).status_code == 200
    got = call("GET", url(key))
    assert got.status_code == 200 and got.content == body
    assert {k: got.headers.get(k) for k in headers} == headers
    head = call("HEAD", url(key))
    assert head.headers["content-length"] == str(len(body))
    # sub-resources: answered as themselves, the bytes untouched
    assert call("PUT", url(key, "acl"), headers={"x-cos-acl": "public-read"}).status_code == 200
    tagging = b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"
    assert call("PUT", url(key, "tagging"), content=tagging).status_code == 200
    assert call("PUT", url(key, "restore"), content=b"<RestoreRequest/>").status_code == 501
    assert call("POST", url(key, "append&position=0"), content=b"more").status_code == 501
    assert call("GET", url(key)).content == body
    copied = call("PUT", url(other), headers={"x-cos-copy-source":
                                               f"examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/"
                                               f"{quote(key, safe='/')}"})
    if other != key:
        assert copied.status_code == 200, copied.text
        again = call("GET", url(other))
        assert again.content == body and {k: again.headers.get(k) for k in headers} == headers
        call("DELETE", url(other))
    assert call("DELETE", url(key)).status_code == 204
    assert call("GET", url(key)).status_code == 404
