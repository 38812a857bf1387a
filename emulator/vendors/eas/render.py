"""The nine models' outputs, as the document shows them, from a neutral transcript.

* ASR: ``{"<clip start µs>": "<short sentence>;<short sentence>", …}`` with Unicode escapes; clips of about 20 s;
  characters the model cannot write become ``*``. The general models write the 3,755 characters of GB 2312 level 1
  (the document's "about 4,000 common characters"), the E-commerce models all 6,763 of GB 2312 (its "about 6,000";
  the E-commerce example writes 沐, a level-2 character). Arabic numerals are read out as Chinese numerals.
* Vectorization: one JSON string of comma-separated float32 values, a fixed dimension, seeded by the audio.
* Classification and detection: ``{"<clip start µs>": "{\\"class\\":\\"<label>\\"}\\n", …}``.
"""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Iterator
from functools import lru_cache

from emulator.engine.jobs import Item
from emulator.engine.recognizer import Transcript, Word, content_seed
from emulator.engine.text import spoken_numbers
from emulator.vendors.eas import catalogue as cat


@lru_cache(maxsize=2)
def charset(name: str) -> frozenset[str]:
    """The characters an ASR model writes: GB 2312 level 1 (general) or levels 1 and 2 (E-commerce)."""
    last_row = 0xD7 if name == cat.GENERAL else 0xF7
    out = set()
    for hi in range(0xB0, last_row + 1):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(out)


def clip_key(index: int) -> int:
    """The start of the ``index``-th clip in µs, as the document's keys (0, 20031996, 40063991, …)."""
    return (index * cat.CLIP_US_TIMES_2 + 1) // 2


def clip_of(us: int) -> int:
    return (2 * us) // cat.CLIP_US_TIMES_2


def clip_count(span_us: int) -> int:
    return max(1, -(-2 * span_us // cat.CLIP_US_TIMES_2)) if span_us > 0 else 0


def processed_us(item: Item, play_us: int | None) -> int:
    """How much of the medium the model processes: all of it, or its first ``play_duration`` µs."""
    whole = item.audio.duration_ms * 1000 if item.audio is not None else 0
    return whole if play_us is None else min(whole, play_us)


def _words(transcript: Transcript, span_us: int) -> Iterator[Word]:
    channel = transcript.channels[0] if transcript.channels else None
    for sentence in channel.sentences if channel is not None else ():
        for word in sentence.words:
            if word.begin_ms * 1000 < span_us:
                yield word


def _written(word: str, allowed: frozenset[str]) -> str:
    text = word.strip()
    if any(c.isdigit() for c in text):
        text = spoken_numbers(text)
    return "".join(c if c in allowed else cat.UNSUPPORTED for c in text if not c.isspace())


def asr_texts(transcript: Transcript, span_us: int, charset_name: str) -> dict[int, str]:
    """Clip start (µs) → the clip's short sentences joined by semicolons; silent clips are empty strings."""
    allowed = charset(charset_name)
    clips: list[list[str]] = [[""] for _ in range(clip_count(span_us))]
    for word in _words(transcript, span_us):
        phrases = clips[min(clip_of(word.begin_ms * 1000), len(clips) - 1)]
        phrases[-1] += _written(word.text, allowed)
        if any(c in cat.PHRASE_BREAKS for c in word.punctuation) and phrases[-1]:
            phrases.append("")
    return {clip_key(i): cat.SEPARATOR.join(p for p in phrases if p) for i, phrases in enumerate(clips)}


def asr_body(transcript: Transcript, span_us: int, charset_name: str) -> bytes:
    texts = asr_texts(transcript, span_us, charset_name)
    return json.dumps({str(k): v for k, v in texts.items()}, ensure_ascii=True).encode()


def _float32_text(value: float) -> str:
    """The shortest decimal that reads back as the same float32 (as the service's float32 features print)."""
    packed = struct.unpack("<f", struct.pack("<f", value))[0]
    for digits in range(6, 10):
        text = f"{packed:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == packed:
            return text
    return repr(packed)


def vector_body(model: cat.Model, digest: str, seed: int) -> bytes:
    rng = random.Random(content_seed("eas-vector", model.id, digest, seed))
    values = ",".join(_float32_text(rng.gauss(0.0, 0.7)) for _ in range(model.dimension))
    return json.dumps(values).encode()


def labels(model: cat.Model, transcript: Transcript, span_us: int, digest: str, seed: int) -> dict[int, str]:
    """Clip start (µs) → the predicted label: the script's label when it names one, else what the audio says."""
    spoken: set[int] = set()
    chinese: set[int] = set()
    for word in _words(transcript, span_us):
        clip = clip_of(word.begin_ms * 1000)
        spoken.add(clip)
        if any("\u3400" <= c <= "\u9fff" for c in word.text):
            chinese.add(clip)
    name = cat.LABEL_KEYS.get(model.id, "")
    speaker = random.Random(content_seed("eas-speaker", digest, seed)).choice(model.labels)
    out: dict[int, str] = {}
    for i in range(clip_count(span_us)):
        scripted = transcript.label(name, i)
        if scripted is not None:
            out[clip_key(i)] = scripted
        elif model.id == "zh-speech-detection":
            out[clip_key(i)] = cat.YES if i in chinese else cat.NO
        elif model.id == "bgm-detection":
            out[clip_key(i)] = cat.NO
        else:
            out[clip_key(i)] = speaker
    return out


def classify_body(model: cat.Model, transcript: Transcript, span_us: int, digest: str, seed: int) -> bytes:
    values = labels(model, transcript, span_us, digest, seed)
    return json.dumps({str(k): json.dumps({"class": v}, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for k, v in values.items()}, ensure_ascii=True).encode()


def output(model: cat.Model, item: Item, play_us: int | None, seed: int) -> bytes:
    """The model's answer for a recognised item."""
    assert item.transcript is not None
    span = processed_us(item, play_us if model.play_duration else None)
    if model.kind == cat.ASR:
        return asr_body(item.transcript, span, model.charset)
    if model.kind == cat.VECTOR:
        return vector_body(model, item.digest, seed)
    return classify_body(model, item.transcript, span, item.digest, seed)
