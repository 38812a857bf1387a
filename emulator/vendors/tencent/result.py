"""Recognition results in Tencent's shapes, shared by ASR API 3.0 and CI speech jobs: the ``Result`` text with
segment timestamps (``[0:0.020,0:2.380]  text``) and the per-sentence details (``FinalSentence``, ``SliceSentence``,
``Words`` with offsets from the sentence start, ``SpeechSpeed``, ``SpeakerId`` …).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emulator.engine import Item
from emulator.engine.recognizer import Word
from emulator.engine.text import inverse_normalize
from emulator.vendors.tencent.restricted import filter_words

EMOTIONS = ("neutral", "happy", "sad", "angry")
SENTENCE_END = frozenset("。！？!?.;；")


@dataclass(frozen=True)
class Shape:
    """What a request asks of the result."""

    res_text_format: int = 0          # 0 text; 1 words without punctuation; 2 words with; 3 split at punctuation …
    filter_punc: int = 0              # 0 keep; 1 drop sentence-final punctuation; 2 drop all
    convert_num: int = 1              # 0 Chinese numerals stay; 1, 3 → Arabic numerals
    sentence_max_length: int = 0      # 0: no limit; else characters per sentence
    speakers: bool = False            # SpeakerId from diarization (else the channel)
    emotional_energy: bool = False
    emotion_recognition: bool = False
    filter_dirty: int = 0             # 0 keep; 1 drop restricted words; 2 write them as *
    restricted: tuple[str, ...] = ()  # the restricted words when the job was made


@dataclass(frozen=True)
class Segment:
    speaker: int
    begin_ms: int
    end_ms: int
    words: tuple[Word, ...]
    text: str
    written: str
    emotion: str | None
    energy: float
    silence_ms: int

    @property
    def plain_words(self) -> list[str]:
        return [w.text.strip() for w in self.words]


def _split(words: Sequence[Word], shape: Shape) -> list[list[Word]]:
    """Cut a recognizer sentence at punctuation (format 3) and at ``sentence_max_length`` characters."""
    out: list[list[Word]] = [[]]
    for word in words:
        if shape.sentence_max_length and out[-1] and \
                sum(len(w.text.strip()) for w in out[-1]) + len(word.text.strip()) > shape.sentence_max_length:
            out.append([])
        out[-1].append(word)
        if shape.res_text_format == 3 and word.punctuation.strip():
            out.append([])
    return [ws for ws in out if ws]


def _text(words: Sequence[Word], filter_punc: int) -> str:
    parts = []
    for i, word in enumerate(words):
        punct = word.punctuation
        if filter_punc == 2 or (filter_punc == 1 and i == len(words) - 1):
            punct = " " if punct.endswith(" ") else ""
        parts.append(word.text + punct)
    return "".join(parts).strip()


def energy(level_dbfs: float) -> float:
    """Speech energy on a 1–10 scale from the channel's measured loudness (-30 dBFS → 5.0)."""
    return float(min(10.0, max(1.0, round((level_dbfs + 80.0) / 10.0, 1))))


def segments(item: Item, shape: Shape) -> list[Segment]:
    """Every channel's sentences, in time order, as the service segments them."""
    assert item.transcript is not None
    levels = item.audio.levels if item.audio is not None else ()
    cjk = item.transcript.language in ("zh", "yue", "ja")
    out: list[Segment] = []
    for channel in item.transcript.channels:
        level = levels[channel.channel_id] if channel.channel_id < len(levels) else -30.0
        previous: dict[int, int] = {}
        for sentence in channel.sentences:
            speaker = (sentence.speaker_id or 0) if shape.speakers else channel.channel_id
            heard = sentence.words
            if shape.filter_dirty and item.transcript.language == "zh":      # "for the Mandarin engine only"
                heard = filter_words(heard, shape.restricted, shape.filter_dirty)
            if not heard:
                continue
            for words in _split(heard, shape):
                text = _text(words, shape.filter_punc)
                written = inverse_normalize(text) if cjk else text
                out.append(Segment(
                    speaker=speaker, begin_ms=words[0].begin_ms, end_ms=words[-1].end_ms, words=tuple(words),
                    text=written if shape.convert_num and cjk else text, written=written,
                    emotion=sentence.emotion, energy=energy(level),
                    silence_ms=max(0, words[0].begin_ms - previous.get(speaker, 0)),
                ))
                previous[speaker] = words[-1].end_ms
    out.sort(key=lambda s: (s.begin_ms, s.speaker))
    return out


def stamp(ms: int) -> str:
    """``m:ss.mmm`` as the service writes segment times (seconds not zero-padded: ``0:2.380``, ``1:5.020``)."""
    return f"{ms // 60000}:{ms % 60000 / 1000:.3f}"


def result_text(segs: Sequence[Segment]) -> str:
    return "".join(f"[{stamp(s.begin_ms)},{stamp(s.end_ms)}]  {s.text}\n" for s in segs)


def word_text(word: Word, shape: Shape) -> str:
    """A word as a word list shows it: with its punctuation at ResTextFormat/WordInfo 2, unless FilterPunc 2."""
    return _word_text(word, shape)


def _word_text(word: Word, shape: Shape) -> str:
    text = word.text.strip()
    if shape.res_text_format >= 2 and shape.filter_punc != 2:
        text += word.punctuation.strip()
    return text


def _speed(seg: Segment) -> float:
    chars = sum(len(w) for w in seg.plain_words)
    return round(chars / max(0.001, (seg.end_ms - seg.begin_ms) / 1000), 1)


def sentence_detail(seg: Segment, shape: Shape, language: str) -> dict[str, Any]:
    """ASR API 3.0 ``SentenceDetail``."""
    return {
        "FinalSentence": seg.text,
        "SliceSentence": " ".join(seg.plain_words),
        "WrittenText": seg.written if shape.res_text_format == 5 else "",
        "StartMs": seg.begin_ms,
        "EndMs": seg.end_ms,
        "WordsNum": len(seg.words),
        "Words": [{"Word": _word_text(w, shape), "OffsetStartMs": w.begin_ms - seg.begin_ms,
                   "OffsetEndMs": w.end_ms - seg.begin_ms} for w in seg.words],
        "SpeechSpeed": _speed(seg),
        "SpeakerId": seg.speaker,
        "EmotionalEnergy": seg.energy if shape.emotional_energy else 0,
        "SilenceTime": seg.silence_ms,
        "EmotionType": [seg.emotion or EMOTIONS[0]] if shape.emotion_recognition else None,
        "KeyWordResults": None,
        "LangType": language,
        "SpeakerRoleName": "",
    }


def ci_result_detail(seg: Segment, shape: Shape) -> dict[str, Any]:
    """CI ``ResultDetail`` (values as the XML carries them)."""
    return {
        "FinalSentence": seg.text,
        "SliceSentence": " ".join(seg.plain_words),
        "StartMs": str(seg.begin_ms),
        "EndMs": str(seg.end_ms),
        "WordsNum": str(len(seg.words)),
        "SpeechSpeed": str(_speed(seg)),
        "SpeakerId": str(seg.speaker),
        "Words": [{"Word": _word_text(w, shape), "OffsetStartMs": str(w.begin_ms - seg.begin_ms),
                   "OffsetEndMs": str(w.end_ms - seg.begin_ms), "VoiceType": "0"} for w in seg.words],
    }
