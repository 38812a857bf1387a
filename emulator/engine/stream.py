"""Streaming recognition paced by audio time: bytes in, partial and final sentences out, never ahead of the audio.

The stream knows how much audio has arrived (bytes ÷ rate × width) and finds speech in it window by window. A
sentence is revealed while its speech goes on (partials, at a speaking rate) and becomes final when a long enough
silence follows, or when the stream is finished. The text comes from a script (embedded in a streamed WAV, or
registered for the stream) or is synthesised deterministically from the seed, as in file recognition.

Two ways to end a sentence, as the services offer them: by silence (VAD: a pause of ``end_silence_ms`` ends it, so
sentences spoken with shorter pauses between them come back as one result) or by meaning (``semantic``: every
sentence of the script is a result of its own, however short the pause after it, down to ``SENTENCE_GAP_MS``;
unscripted speech is cut at any such pause).
A stream can also give up after a long continuous silence, or send keep-alives through it instead.
"""

from __future__ import annotations

import contextlib
import json
import random
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from emulator.engine.audio import SCRIPT_CHUNK, WINDOW_MS, is_voiced, pcm_samples
from emulator.engine.recognizer import (
    CJK_LANGS,
    FAKER_LOCK,
    FILLERS,
    RATE,
    Script,
    Word,
    split_sentences,
    synthetic_sentences,
    tokenize,
)
from emulator.engine.text import inverse_normalize_words, spoken_numbers

SENTENCE_GAP_MS = 300          # a pause this long may end a sentence (shorter ones are inside a sentence)
PARTIAL_EVERY_MS = 400         # audio between two partial results of a sentence
HEADER_LIMIT = 64 * 1024       # a streamed WAV header must be complete within this many bytes
# Compressed formats are not decoded: their duration is estimated from typical bitrates (bytes per second).
BYTES_PER_SECOND = {"opus": 2000, "speex": 2000, "amr": 1600, "aac": 4000, "mp3": 4000}


class StreamError(Exception):
    """``kind`` is ``invalid_audio``, ``no_audio`` or ``silence``; ``results`` were released before the failure."""

    def __init__(self, kind: str, detail: str, results: Sequence[StreamSentence] = ()) -> None:
        super().__init__(detail)
        self.kind = kind
        self.results = list(results)


@dataclass(frozen=True)
class StreamSentence:
    index: int                 # 0-based, in order of speech
    begin_ms: int
    end_ms: int | None         # None while the sentence is still being spoken
    text: str
    words: tuple[Word, ...]
    final: bool
    audio_ms: int              # audio received when this result was released
    heartbeat: bool = False    # a keep-alive sent through a long silence, no recognition in it


@dataclass
class StreamOptions:
    fmt: str = "pcm"
    sample_rate: int = 16000
    language: str = "zh"
    end_silence_ms: int = 800
    remove_disfluencies: bool = False
    hotwords: tuple[str, ...] = ()
    semantic: bool = False                 # end sentences by meaning, not after end_silence_ms of silence
    punctuation: bool = True
    itn: bool = True                       # numbers written as digits (off: read out, for CJK languages)
    silence_limit_ms: int | None = None    # continuous silence that fails the stream (StreamError "silence")
    heartbeat_ms: int | None = None        # a keep-alive result every this much continuous silence
    long_sentence: tuple[int, int] | None = None   # (ms, silence): past ms of speech a shorter pause ends it


@dataclass
class _Segment:
    index: int
    begin_ms: int
    tokens: list[tuple[str, str]]
    last_voice_ms: int
    partial_at_ms: int = 0
    revealed: int = 0


@dataclass
class AudioStream:
    options: StreamOptions
    seed: int = 0
    script: Script | None = None
    received: int = 0
    audio_ms: int = 0
    _header: bytearray = field(default_factory=bytearray)
    _pcm_started: bool = False
    _channels: int = 1
    _width: int = 2
    _rate: int = 16000
    _pending: bytes = b""
    _segment: _Segment | None = None
    _silence_ms: int = 0
    _count: int = 0                # results so far (sentence indexes)
    _script_next: int = 0          # the next scripted sentence to be spoken
    _script_sentences: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rate = self.options.sample_rate
        self._compressed = self.options.fmt in BYTES_PER_SECOND
        self._rng = random.Random(f"{self.seed}:stream:{self.options.language}")
        if self.script is not None:
            self._use_script(self.script)

    def _use_script(self, script: Script) -> None:
        self.script = script
        self._script_sentences = split_sentences(script.texts[0] if script.texts else "")

    # ---- input -------------------------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[StreamSentence]:
        if self.received == 0 and self.options.fmt == "pcm" and data[:4] == b"RIFF":
            # a WAV file streamed as pcm, header and all (the vendors' own samples do): read as the WAV it is, so
            # its header is not heard as noise and a script it carries is honoured — in every realtime API
            self.options = replace(self.options, fmt="wav")
        self.received += len(data)
        if self._compressed:
            before = self.audio_ms
            self.audio_ms = self.received * 1000 // BYTES_PER_SECOND[self.options.fmt]
            return self._voiced_span(before, self.audio_ms)
        if self.options.fmt == "wav" and not self._pcm_started:
            self._header.extend(data)
            data = self._parse_header()
            if not self._pcm_started:
                return []
        return self._pcm(data)

    def _parse_header(self) -> bytes:
        buf = bytes(self._header)
        if len(buf) >= 12 and (buf[:4] != b"RIFF" or buf[8:12] != b"WAVE"):
            raise StreamError("invalid_audio", "the stream is not a WAV file")
        pos = 12
        while pos + 8 <= len(buf):
            cid, size = buf[pos:pos + 4], struct.unpack("<I", buf[pos + 4:pos + 8])[0]
            if cid == b"data":
                self._pcm_started = True
                self._header.clear()
                return buf[pos + 8:]
            if pos + 8 + size > len(buf):
                break
            body = buf[pos + 8:pos + 8 + size]
            if cid == b"fmt ":
                if size < 16:
                    raise StreamError("invalid_audio", "the WAV format chunk is damaged")
                tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
                if tag not in (1, 0xFFFE) or channels < 1 or rate < 1000 or bits not in (8, 16, 24, 32):
                    raise StreamError("invalid_audio", "only PCM WAV audio can be streamed")
                self._channels, self._rate, self._width = channels, rate, bits // 8
            elif cid == SCRIPT_CHUNK and self.script is None:
                with contextlib.suppress(ValueError, UnicodeDecodeError, AttributeError):
                    self._use_script(Script.from_json(json.loads(body.rstrip(b"\0 ").decode("utf-8"))))
            pos += 8 + size + (size & 1)
        if len(buf) > HEADER_LIMIT:
            raise StreamError("invalid_audio", "the WAV header is too long or has no data chunk")
        return b""

    def _pcm(self, data: bytes) -> list[StreamSentence]:
        frame = self._width * self._channels
        window = max(1, self._rate * WINDOW_MS // 1000) * frame
        buf = self._pending + data
        out: list[StreamSentence] = []
        usable = len(buf) - len(buf) % window
        for start in range(0, usable, window):
            samples = pcm_samples(buf[start:start + window], self._width)[:: self._channels]
            self.audio_ms += WINDOW_MS
            try:
                out.extend(self._window(is_voiced(samples[:: max(1, len(samples) // 40) | 1])))
            except StreamError as exc:
                raise StreamError(exc.kind, str(exc), out + exc.results) from None
        self._pending = buf[usable:]
        return out

    def _voiced_span(self, start_ms: int, end_ms: int) -> list[StreamSentence]:
        out: list[StreamSentence] = []
        at = start_ms
        while at + WINDOW_MS <= end_ms:
            at += WINDOW_MS
            saved, self.audio_ms = self.audio_ms, at
            out.extend(self._window(True))
            self.audio_ms = saved
        return out

    # ---- segmentation ------------------------------------------------------------------------------------

    def _window(self, voiced: bool) -> list[StreamSentence]:
        now = self.audio_ms
        seg = self._segment
        if voiced:
            gap, self._silence_ms = self._silence_ms, 0
            if seg is None:
                seg = self._segment = _Segment(self._count, now - WINDOW_MS, self._next_tokens(), now,
                                               partial_at_ms=now - WINDOW_MS)
                self._count += 1
            elif gap >= SENTENCE_GAP_MS and self._script_next < len(self._script_sentences):
                self._extend(seg)                    # the next scripted sentence, within the same result
            seg.last_voice_ms = now
            if now - seg.partial_at_ms >= PARTIAL_EVERY_MS:
                seg.partial_at_ms = now
                partial = self._partial(seg)
                return [partial] if partial.text else []     # nothing heard yet (or beyond the script)
            return []
        self._silence_ms += WINDOW_MS
        out: list[StreamSentence] = []
        if seg is not None and self._silence_ms >= self._end_silence(seg):
            self._segment = None
            out.append(self._final(seg))
        limit, beat = self.options.silence_limit_ms, self.options.heartbeat_ms
        if limit is not None and self._silence_ms >= limit:
            raise StreamError("silence", f"no speech in the last {limit // 1000} seconds of audio", out)
        if beat and self._segment is None and self._silence_ms % beat < WINDOW_MS <= self._silence_ms:
            out.append(StreamSentence(self._count, now, None, "", (), False, now, heartbeat=True))
        return out

    def _end_silence(self, seg: _Segment) -> int:
        if self.options.semantic:
            return SENTENCE_GAP_MS
        silence = self.options.end_silence_ms
        if self.options.long_sentence is not None and seg.last_voice_ms - seg.begin_ms >= self.options.long_sentence[0]:
            silence = min(silence, self.options.long_sentence[1])
        if self.script is not None:                  # a scripted sentence is never cut inside
            return max(SENTENCE_GAP_MS, silence)
        return silence

    def _extend(self, seg: _Segment) -> None:
        tokens = self._next_tokens()
        if seg.tokens and tokens and self.options.language not in CJK_LANGS:
            word, punct = seg.tokens[-1]
            if not (word + punct).endswith(" "):
                seg.tokens[-1] = (word, punct + " ") if punct else (word + " ", punct)
        seg.tokens += tokens

    def _next_tokens(self) -> list[tuple[str, str]]:
        if self.script is None:
            return self._tokens(self._count)
        if self._script_next < len(self._script_sentences):
            self._script_next += 1
            return tokenize(self._script_sentences[self._script_next - 1])
        return []                                      # speech beyond the script: nothing more is said

    def _tokens(self, index: int) -> list[tuple[str, str]]:
        cjk = self.options.language in CJK_LANGS
        seconds = 30 * RATE["cjk" if cjk else "latin"] / (RATE["cjk"] if cjk else RATE["latin"])
        with FAKER_LOCK:
            texts = synthetic_sentences(self._rng, self.options.language, [(0, int(seconds * 1000))],
                                        self.options.hotwords[index:index + 1])
        sep = "" if cjk else " "
        return tokenize(sep.join(texts))           # a long utterance keeps revealing text

    def _visible(self, seg: _Segment, upto_ms: int) -> list[tuple[str, str]]:
        """The words of a sentence still being spoken, revealed at the speaking rate (never fewer than before)."""
        rate = RATE["cjk"] if self.options.language in CJK_LANGS else RATE["latin"]
        count = max(seg.revealed, min(len(seg.tokens), int((upto_ms - seg.begin_ms) / 1000 * rate)))
        seg.revealed = count
        return [(w, "") for w, _ in seg.tokens[:count]]

    def _final_tokens(self, seg: _Segment) -> list[tuple[str, str]]:
        if self.script is not None:
            return seg.tokens
        rate = RATE["cjk"] if self.options.language in CJK_LANGS else RATE["latin"]
        count = max(1, seg.revealed, min(len(seg.tokens), int((seg.last_voice_ms - seg.begin_ms) / 1000 * rate)))
        tokens = [list(t) for t in seg.tokens[:count]]
        if tokens:
            last = tokens[-1]
            last[0] = last[0].rstrip()
            if not last[1].strip():
                last[1] = "。" if self.options.language in CJK_LANGS else "."
        return [(w, p) for w, p in tokens]

    def _words(self, tokens: Sequence[tuple[str, str]], begin: int, end: int) -> tuple[Word, ...]:
        if self.options.remove_disfluencies:
            tokens = [t for t in tokens if t[0].strip().lower() not in FILLERS]
        if not self.options.punctuation:
            tokens = [(w if w.endswith(" ") or not p.endswith(" ") else w + " ", "") for w, p in tokens]
        if not self.options.itn and self.options.language in CJK_LANGS:
            tokens = [(spoken_numbers(w) if any(c.isdigit() for c in w) else w, p) for w, p in tokens]
        if not tokens:
            return ()
        span = max(end - begin, len(tokens))
        words = tuple(Word(begin + span * i // len(tokens), max(begin + span * (i + 1) // len(tokens),
                                                                 begin + span * i // len(tokens) + 1), w, p)
                      for i, (w, p) in enumerate(tokens))
        if self.options.itn and self.options.language in CJK_LANGS:
            words = inverse_normalize_words(words)     # spoken numbers written as digits, as file transcription does
        return words

    def _partial(self, seg: _Segment) -> StreamSentence:
        words = self._words(self._visible(seg, self.audio_ms), seg.begin_ms, self.audio_ms)
        text = "".join(w.text for w in words).strip()
        return StreamSentence(seg.index, seg.begin_ms, None, text, words, False, self.audio_ms)

    def _final(self, seg: _Segment) -> StreamSentence:
        end = max(seg.last_voice_ms, seg.begin_ms + 1)
        words = self._words(self._final_tokens(seg), seg.begin_ms, end)
        text = "".join(w.text + w.punctuation for w in words).strip()
        return StreamSentence(seg.index, seg.begin_ms, end, text, words, True, self.audio_ms)

    # ---- end ---------------------------------------------------------------------------------------------

    def remaining(self) -> list[StreamSentence]:
        """:meth:`finish`'s results, or none when there was no valid audio to finish (a stream that ends anyway)."""
        try:
            return self.finish()
        except StreamError:
            return []

    def finish(self) -> list[StreamSentence]:
        """The results still owed when the client says it has sent everything."""
        if self.received == 0 or (self.options.fmt == "wav" and not self._pcm_started):
            raise StreamError("no_audio", "no valid audio was received")
        out: list[StreamSentence] = []
        seg, self._segment = self._segment, None
        # script sentences the audio's pauses did not separate: by meaning each is a result of its own, by
        # silence they belong to the result still open
        while self._script_next < len(self._script_sentences):
            if seg is None or self.options.semantic:
                if seg is not None:
                    out.append(self._final(seg))
                start = out[-1].end_ms if out and out[-1].end_ms is not None else self.audio_ms
                seg = _Segment(self._count, start, [], self.audio_ms)
                self._count += 1
            self._extend(seg)
        if seg is not None:
            out.append(self._final(seg))
        return [s for s in out if s.text]
