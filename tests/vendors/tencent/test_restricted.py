"""FilterDirty over timed words, and the restricted-word settings."""

from __future__ import annotations

import pytest

from emulator.app import Emulator
from emulator.engine.recognizer import Word
from emulator.vendors.tencent.restricted import filter_words
from tests.conftest import Call


def words(*pieces: tuple[str, str]) -> tuple[Word, ...]:
    return tuple(Word(i * 100, i * 100 + 100, text, punct) for i, (text, punct) in enumerate(pieces))


def test_filtering_and_starring() -> None:
    said = words(("你", ""), ("混", ""), ("蛋", "。"))
    assert [(w.text, w.punctuation) for w in filter_words(said, ["混蛋"], 1)] == [("你", "。")]
    assert [w.text for w in filter_words(said, ["混蛋"], 2)] == ["你", "*", "*"]
    assert filter_words(said, ["混蛋"], 0) == said
    english = words(("Go ", ""), ("Away ", ""), ("now", "."))
    assert [w.text for w in filter_words(english, ["go away"], 2)] == ["** ", "**** ", "now"]   # case, spaces


@pytest.mark.parametrize("body", [
    {"tencent": []}, {"tencent": {"restricted_words": "混蛋"}}, {"tencent": {"restricted_words": [""]}},
    {"tencent": {"restricted_words": ["x" * 51]}}, {"tencent": {"other": 1}},
])
def test_bad_settings_are_refused(app: Emulator, call: Call, body: dict[str, object]) -> None:
    r = call("POST", "/_emulator/settings", json=body)
    assert r.status_code == 400 and "restricted_words" in r.text
