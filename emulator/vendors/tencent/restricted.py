"""Restricted words (``FilterDirty``) for both Tencent dialects: the list lives in the store, so ASR API 3.0 and CI
jobs read the same one, and the settings section ``tencent`` changes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from emulator.engine import Engine
from emulator.engine.recognizer import Word
from emulator.engine.store import Records
from emulator.vendors.tencent import catalogue as cat

_KEY = "words"


@dataclass
class WordList:
    words: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"words": list(self.words)}


class RestrictedWords:
    """The restricted words: the catalogue's few plus what the settings add."""

    def __init__(self, engine: Engine) -> None:
        self.records = Records(engine.store, "tencent.restricted_words", WordList)

    def words(self) -> tuple[str, ...]:
        found = self.records.get(_KEY)
        return cat.RESTRICTED_WORDS + (found.words if found else ())

    def settings_json(self) -> dict[str, Any]:
        found = self.records.get(_KEY)
        return {"restricted_words": list(found.words) if found else [], "default_restricted_words":
                list(cat.RESTRICTED_WORDS)}

    def apply(self, value: Any) -> None:
        if isinstance(value, dict) and value.get("default_restricted_words") == list(cat.RESTRICTED_WORDS):
            value = {k: v for k, v in value.items() if k != "default_restricted_words"}   # settings_json's echo
        if not isinstance(value, dict) or set(value) - {"restricted_words"}:
            raise ValueError("'tencent' takes an object: restricted_words (a list of words FilterDirty acts on, "
                             "besides the default ones)")
        words = value.get("restricted_words", [])
        if not isinstance(words, list) or len(words) > cat.MAX_RESTRICTED_WORDS or not all(
                isinstance(w, str) and 0 < len(w) <= 50 and w.isprintable() and not w.isspace() for w in words):
            raise ValueError(f"restricted_words is a list of at most {cat.MAX_RESTRICTED_WORDS} words "
                             "(1-50 printable characters each)")
        self.records.put(_KEY, WordList(tuple(dict.fromkeys(w.strip() for w in words))))


def filter_words(words: Sequence[Word], restricted: Sequence[str], mode: int) -> tuple[Word, ...]:
    """``FilterDirty`` over timed words (003): 0 keeps them, 1 drops the words that spell a restricted word,
    2 writes each of their characters as ``*``. Matching ignores case and the spaces between words."""
    if mode == 0 or not restricted or not words:
        return tuple(words)
    joined, owner = "", []
    for i, word in enumerate(words):
        piece = word.text.strip().lower()
        joined += piece
        owner.extend([i] * len(piece))
    hit: set[int] = set()
    for term in sorted({t.replace(" ", "").lower() for t in restricted}, key=len, reverse=True):
        if not term:
            continue
        start = joined.find(term)
        while start != -1:
            hit.update(owner[start:start + len(term)])
            start = joined.find(term, start + len(term))
    if mode == 1:           # dropped; a sentence's closing punctuation stays with the word before
        kept: list[Word] = []
        for i, w in enumerate(words):
            if i not in hit:
                kept.append(w)
            elif w.punctuation and kept and not kept[-1].punctuation:
                kept[-1] = replace(kept[-1], text=kept[-1].text.rstrip(), punctuation=w.punctuation)
        return tuple(kept)
    return tuple(replace(w, text="*" * len(w.text.strip()) + w.text[len(w.text.rstrip()):]) if i in hit else w
                 for i, w in enumerate(words))
