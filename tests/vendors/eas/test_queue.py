"""The queue service's wire pieces: the DataFrameListProto encoding (read back with eas-prediction's own generated
classes), durations and index lists."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.vendors.eas.queue import Frame, encode_frames, parse_indexes, parse_timeout


@given(st.lists(st.builds(
    Frame,
    index=st.integers(min_value=0, max_value=2**64 - 1),
    tags=st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=4),
    data=st.binary(max_size=300),
    message=st.text(max_size=40),
), max_size=4))
def test_frames_decode_with_the_clients_own_protobuf_classes(frames: list[Frame]) -> None:
    from eas_prediction.queue_types.queueservice_pb2 import DataFrameListProto

    decoded = DataFrameListProto()
    decoded.ParseFromString(encode_frames(frames))
    assert len(decoded.index) == len(frames)
    for got, want in zip(decoded.index, frames, strict=True):
        assert got.index == want.index
        assert dict(got.tags) == want.tags
        assert got.data == want.data
        assert got.message == want.message


def test_an_empty_list_is_an_empty_body() -> None:
    assert encode_frames([]) == b""


def test_timeouts() -> None:
    assert parse_timeout("5s") == 5.0
    assert parse_timeout("500ms") == 0.5
    assert parse_timeout("2m") == 120.0
    assert parse_timeout("3") == 3.0
    assert parse_timeout(None) == 0.0
    assert parse_timeout("soon") is None


def test_indexes() -> None:
    assert parse_indexes("1,2, 3") == [1, 2, 3]
    assert parse_indexes("1,x") is None
    assert parse_indexes("") is None
