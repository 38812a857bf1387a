"""The app's outer layer: absolute-form targets become origin form, decoded exactly once from the raw target."""

from __future__ import annotations

from emulator.app import _origin_form, decode_path


def scope(raw: bytes, query: bytes = b"") -> dict[str, object]:
    # as uvicorn's h11 protocol builds it: raw_path is the target before "?", path that decoded once
    return {"type": "http", "path": decode_path(raw), "raw_path": raw, "query_string": query,
            "headers": [(b"host", b"127.0.0.1:8000")]}


def test_origin_form_is_left_alone() -> None:
    s = scope(b"/a%2Fb.wav")
    assert _origin_form(s) is s


def test_absolute_form_keeps_the_raw_path_and_decodes_once() -> None:
    out = _origin_form(scope(b"http://b-1250000000.cos.ap-guangzhou.myqcloud.com/100%2525%20sure%23%3F.txt",
                             b"acl"))
    assert out["path"] == "/100%25 sure#?.txt"
    assert out["raw_path"] == b"/100%2525%20sure%23%3F.txt"
    assert out["query_string"] == b"acl"
    assert (b"host", b"b-1250000000.cos.ap-guangzhou.myqcloud.com") in out["headers"]


def test_non_latin_keys_and_bare_hosts() -> None:
    out = _origin_form(scope("http://h.example/语音/你好.wav".encode()))
    assert out["path"] == "/语音/你好.wav"
    out = _origin_form(scope(b"HTTP://h.example:80"))
    assert out["path"] == "/" and (b"host", b"h.example:80") in out["headers"]


def test_a_query_left_inside_the_target_is_split_off() -> None:
    out = _origin_form({"type": "http", "path": "", "raw_path": b"http://h.example/x?uploads", "query_string": b"",
                        "headers": []})
    assert out["path"] == "/x" and out["query_string"] == b"uploads"
