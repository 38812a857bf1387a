"""The realtime dialect's pieces: the query as sent, the signing string, and the session strategy's frames."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from emulator.testing.strategies import tencent_realtime_sessions
from emulator.vendors.tencent.realtime import query_pairs, string_to_sign


def test_query_pairs_keep_values_as_sent_and_blank_ones() -> None:
    pairs = query_pairs(b"b=%E8%85%BE%7C10&a=&speaker_context_id=&c=x+y")
    assert pairs == [("b", "%E8%85%BE%7C10"), ("a", ""), ("speaker_context_id", ""), ("c", "x+y")]


def test_the_signing_string_is_the_literal_host_and_sorted_pairs() -> None:
    assert string_to_sign("1250000000", {"b": "2", "a": "", "c": "腾讯云|10"}) == \
        "asr.cloud.tencent.com/asr/v2/1250000000?a=&b=2&c=腾讯云|10"


@settings(max_examples=50, deadline=None)
@given(tencent_realtime_sessions())
def test_drawn_sessions_keep_what_the_sdks_rely_on(frames: list[dict[str, Any]]) -> None:
    ack, *rest = frames
    assert ack == {"code": 0, "message": "success", "voice_id": ack["voice_id"]}
    assert all({"code", "message", "voice_id"} <= set(f) for f in frames)
    last = rest[-1]
    assert last.get("final") == 1 or last["code"] != 0
    for frame in rest[:-1]:
        assert frame["code"] == 0 and frame["result"]["slice_type"] in (0, 1, 2)
