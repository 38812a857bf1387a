"""API 3.0's flattened parameters rebuilt into the structures a JSON body carries."""

from __future__ import annotations

import pytest

from emulator.vendors.tencent.flat import Malformed, unflatten


def test_arrays_of_objects_and_of_text_in_any_order() -> None:
    pairs = [("WordWeights.1.Word", "b"), ("WordWeights.0.Word", "a"), ("WordWeights.0.Weight", "10"),
             ("WordWeights.1.Weight", "11"), ("TagInfos.0", "x"), ("Name", "n")]
    assert unflatten(pairs) == {"WordWeights": [{"Word": "a", "Weight": "10"}, {"Word": "b", "Weight": "11"}],
                                "TagInfos": ["x"], "Name": "n"}


def test_nested_objects_and_a_repeated_plain_name() -> None:
    assert unflatten([("A.B.C", "1"), ("A.B.D", "2"), ("N", "1"), ("N", "2")]) == {"A": {"B": {"C": "1", "D": "2"}},
                                                                                 "N": "2"}


@pytest.mark.parametrize("pairs", [
    [("A", "1"), ("A.0", "2")], [("A.0", "1"), ("A", "2")], [("A.1", "x")], [("A.0", "1"), ("A.2", "1")],
    [("A.0", "1"), ("A.x", "1")], [("A..B", "1")], [(".A", "1")], [("A.99999", "1")],
    [(".".join("a" * 20), "1")],
])
def test_malformed_names(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(Malformed):
        unflatten(pairs)
