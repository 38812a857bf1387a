"""The models' outputs from neutral transcripts: clip keys, short sentences, character sets, vectors and labels."""

from __future__ import annotations

import json
import struct

from hypothesis import given
from hypothesis import strategies as st

from emulator.engine.recognizer import ChannelTranscript, Sentence, Transcript, Word
from emulator.vendors.eas import catalogue as cat
from emulator.vendors.eas import render


def transcript(*words: tuple[int, str, str], labels: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> Transcript:
    ws = tuple(Word(b, b + 200, t, p) for b, t, p in words)
    sentence = Sentence(ws[0].begin_ms, ws[-1].end_ms, "", ws) if ws else None
    return Transcript("scripted", "zh", (ChannelTranscript(0, (sentence,) if sentence else (), 0),), labels)


def test_clip_keys_are_the_documents() -> None:
    assert [render.clip_key(i) for i in range(3)] == [0, 20031996, 40063991]
    assert render.clip_count(39_000_000) == 2               # the example's play_duration gives two clips
    assert render.clip_count(40_063_991) == 2 and render.clip_count(40_063_992) == 3
    assert render.clip_count(0) == 0
    assert render.clip_of(20_031_995) == 0 and render.clip_of(20_031_996) == 1


def test_character_sets() -> None:
    general, ecommerce = render.charset(cat.GENERAL), render.charset(cat.ECOMMERCE)
    assert len(general) == 3755 and len(ecommerce) == 6763 and general < ecommerce
    assert "沐" in ecommerce and "沐" not in general


def test_short_sentences_by_clip() -> None:
    t = transcript((0, "今", ""), (200, "天", "，"), (400, "好", "。"), (21_000, "再", ""), (21_200, "见", "！"))
    assert render.asr_texts(t, 25_000_000, cat.GENERAL) == {0: "今天;好", 20031996: "再见"}
    assert render.asr_texts(t, 21_100_000, cat.GENERAL) == {0: "今天;好", 20031996: "再"}
    assert render.asr_texts(transcript(), 45_000_000, cat.GENERAL) == {0: "", 20031996: "", 40063991: ""}


def test_digits_are_read_out_and_unknown_characters_starred() -> None:
    t = transcript((0, "第", ""), (100, "3", ""), (200, "名 ", ""), (300, "OK", "!"), (500, "沐", ""))
    assert render.asr_texts(t, 1_000_000, cat.GENERAL) == {0: "第三名**;*"}
    assert render.asr_texts(t, 1_000_000, cat.ECOMMERCE) == {0: "第三名**;沐"}


def test_asr_body_escapes_unicode() -> None:
    body = render.asr_body(transcript((0, "是", "")), 1_000_000, cat.GENERAL)
    assert body == b'{"0": "\\u662f"}'


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_float32_text_reads_back_exactly(value: float) -> None:
    text = render._float32_text(value)
    assert struct.unpack("<f", struct.pack("<f", float(text)))[0] == value


def test_vectors_are_fixed_length_and_seeded() -> None:
    model = cat.MODELS["zh-speech-vectorization"]
    one = json.loads(render.vector_body(model, "a" * 64, 0))
    assert len(one.split(",")) == cat.VECTOR_DIMENSION
    assert json.loads(render.vector_body(model, "a" * 64, 0)) == one
    assert json.loads(render.vector_body(model, "b" * 64, 0)) != one
    assert json.loads(render.vector_body(model, "a" * 64, 1)) != one


def test_labels_default_and_scripted() -> None:
    t = transcript((0, "你", ""), (21_000, "hi", ""))
    detect, bgm = cat.MODELS["zh-speech-detection"], cat.MODELS["bgm-detection"]
    assert render.labels(detect, t, 45_000_000, "d", 0) == {0: "是", 20031996: "否", 40063991: "否"}
    assert render.labels(bgm, t, 45_000_000, "d", 0) == {0: "否", 20031996: "否", 40063991: "否"}
    scripted = transcript((0, "你", ""), labels=(("background_music", ("是", "否")),))
    assert render.labels(bgm, scripted, 45_000_000, "d", 0) == {0: "是", 20031996: "否", 40063991: "否"}
    body = render.classify_body(detect, t, 1_000_000, "d", 0)
    assert body == b'{"0": "{\\"class\\":\\"\\u662f\\"}\\n"}'
