"""The recognizer: a probed medium in, a neutral transcript out (channels → sentences → words, ms timings).

Backends, first that answers wins: *scripted* (the text is known: registered for the content hash or URL, a
fixture sidecar, or a script chunk embedded in the WAV) and *synthetic* (deterministic Faker text seeded by the
content hash and the emulator's seed, in the requested language). Timings are spread over the real speech spans;
a channel without speech has no sentences. Same input, options and seed give the same transcript.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import threading
from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from faker import Faker

from emulator.engine import accounts
from emulator.engine.audio import AudioInfo, Span
from emulator.engine.compact import compact_pickle
from emulator.engine.text import join_sentences

FILLERS = frozenset({"嗯", "啊", "呃", "额", "唔", "um", "uh", "er", "erm", "hmm", "uhm", "mm"})
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.](?=\s|$))")
_TOKEN = re.compile(
    r"(?P<word>[A-Za-z0-9À-ɏЀ-ӿ'’\-]+(?:[.,][0-9]+)*)"
    r"|(?P<cjk>[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]|[\U00020000-\U0003134f])"
    r"|(?P<punct>[^\sA-Za-z0-9\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])"
    r"|(?P<space>\s+)"
)
LOCALES = {"zh": "zh_CN", "en": "en_US", "ja": "ja_JP", "yue": "zh_TW", "ko": "en_US", "de": "de_DE",
           "fr": "fr_FR", "ru": "ru_RU", "es": "es_ES", "it": "it_IT", "id": "id_ID", "ms": "en_US"}
CJK_LANGS = frozenset({"zh", "ja", "yue"})
# speaking rates used to size synthetic text and to judge scripted text: tokens per second
RATE = {"cjk": 4.5, "latin": 2.6}


@compact_pickle
@dataclass(frozen=True, slots=True)
class Word:
    begin_ms: int
    end_ms: int
    text: str            # as spoken, with a trailing space when the next word is separated by one
    punctuation: str     # punctuation following the word (with its trailing space), or ""


class _Packed:
    """A packed sequence that reads, compares and hashes as the tuple of what it packs."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (type(self), tuple, list)):
            return tuple(self) == tuple(other)  # type: ignore[arg-type]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return repr(tuple(self))  # type: ignore[arg-type]


class Words(_Packed, Sequence[Word]):
    """A sentence's words, packed: their times in one bytes object (int32 pairs) and their texts in one string, for
    a stored job keeps every word of every sentence (a tuple of ``Word`` objects costs four times the memory). Reads
    as a tuple."""

    __slots__ = ("_plain", "_texts", "_times")
    _WORD, _PUNCT = "\x1f", "\x1e"

    def __init__(self, words: Iterable[Word] = ()) -> None:
        listed = list(words)
        packable = all(self._WORD not in w.text + w.punctuation and self._PUNCT not in w.text + w.punctuation
                       and -2**31 <= w.begin_ms < 2**31 and -2**31 <= w.end_ms < 2**31 for w in listed)
        self._times = array("i", [t for w in listed for t in (w.begin_ms, w.end_ms)]).tobytes() if packable else b""
        self._plain: tuple[Word, ...] | None = None if packable else tuple(listed)
        self._texts = self._WORD.join(w.text + self._PUNCT + w.punctuation for w in listed) if packable else ""

    def __len__(self) -> int:
        return len(self._plain) if self._plain is not None else len(self._times) // 8

    @overload
    def __getitem__(self, index: int) -> Word: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Word, ...]: ...

    def __getitem__(self, index: int | slice) -> Word | tuple[Word, ...]:
        if isinstance(index, slice) or self._plain is not None:
            return tuple(self)[index]
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError("word index out of range")
        start = 0
        for _ in range(i):                  # the i-th text: past i separators
            start = self._texts.index(self._WORD, start) + 1
        end = self._texts.find(self._WORD, start)
        text, _, punctuation = self._texts[start:None if end < 0 else end].partition(self._PUNCT)
        times = memoryview(self._times).cast("i")
        return Word(times[2 * i], times[2 * i + 1], text, punctuation)

    def __iter__(self) -> Iterator[Word]:
        if self._plain is not None:
            yield from self._plain
            return
        if not self._times:
            return
        times = memoryview(self._times).cast("i")
        for i, piece in enumerate(self._texts.split(self._WORD)):
            text, _, punctuation = piece.partition(self._PUNCT)
            yield Word(times[2 * i], times[2 * i + 1], text, punctuation)

    def __reduce__(self) -> tuple[Any, ...]:
        return _unpacked, (self._times, self._texts, self._plain)


def _unpacked(times: bytes, texts: str, plain: tuple[Word, ...] | None) -> Words:
    """A pickled ``Words`` again, as it was packed."""
    words = Words.__new__(Words)
    words._times, words._texts, words._plain = bytes(times), texts, plain
    return words


@compact_pickle
@dataclass(frozen=True, slots=True)
class Sentence:
    begin_ms: int
    end_ms: int
    text: str
    words: Sequence[Word]             # a ``Words`` (packed) whatever sequence is given
    speaker_id: int | None = None
    emotion: str | None = None
    event: str | None = None          # a sound heard with the sentence (e.g. "Laughter"), when events are asked for

    def __post_init__(self) -> None:
        if not isinstance(self.words, Words):
            object.__setattr__(self, "words", Words(self.words))


class Sentences(_Packed, Sequence[Sentence]):
    """A channel's sentences, packed as ``Words`` packs a sentence's words: their times and word counts in one bytes
    object, the times and texts of every word of the channel in two more, a sentence's text only where it is not its
    words' text, and speakers, emotions and events only where any is given. A stored job keeps every sentence of
    every channel (objects per sentence cost three times the memory). Reads as a tuple of ``Sentence``."""

    __slots__ = ("_extras", "_texts", "_times", "_word_texts", "_word_times")
    _SEP = "\x1f"

    def __init__(self, sentences: Iterable[Sentence] = ()) -> None:
        listed = list(sentences)
        words = Words(w for s in listed for w in s.words)
        self._word_times, self._word_texts = words._times, words._texts
        self._times = array("i", [t for s in listed for t in (s.begin_ms, s.end_ms, len(s.words))]).tobytes()
        own = [s.text for s in listed]
        # (``packable``: no text holds the separator)
        self._texts: str | None = self._SEP.join(own) if own != [_said(s.words) for s in listed] else None
        extras = tuple((s.speaker_id, s.emotion, s.event) for s in listed)
        self._extras: tuple[tuple[int | None, str | None, str | None], ...] | None = \
            extras if any(e != (None, None, None) for e in extras) else None

    @staticmethod
    def packable(sentences: Sequence[Sentence]) -> bool:
        return all(isinstance(s.words, Words) and s.words._plain is None and -2**31 <= s.begin_ms < 2**31
                   and -2**31 <= s.end_ms < 2**31 and Sentences._SEP not in s.text for s in sentences)

    def __len__(self) -> int:
        return len(self._times) // 12

    @overload
    def __getitem__(self, index: int) -> Sentence: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Sentence, ...]: ...

    def __getitem__(self, index: int | slice) -> Sentence | tuple[Sentence, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError("sentence index out of range")
        return tuple(self)[i]

    def __iter__(self) -> Iterator[Sentence]:
        times, extras = memoryview(self._times).cast("i"), self._extras
        texts = self._texts.split(self._SEP) if self._texts is not None else None
        pieces = self._word_texts.split(Words._WORD) if self._word_times else []
        first = 0
        for i in range(len(self)):
            count = times[3 * i + 2]
            words = _unpacked(self._word_times[8 * first:8 * (first + count)],
                              Words._WORD.join(pieces[first:first + count]), None)
            first += count
            text = texts[i] if texts is not None else _said(words)
            speaker, emotion, event = extras[i] if extras is not None else (None, None, None)
            yield Sentence(times[3 * i], times[3 * i + 1], text, words, speaker, emotion, event)

    def __bool__(self) -> bool:
        return len(self._times) > 0

    def __reduce__(self) -> tuple[Any, ...]:
        return _sentences_unpacked, (self._times, self._word_times, self._word_texts, self._texts, self._extras)


def _sentences_unpacked(times: bytes, word_times: bytes, word_texts: str, texts: str | None,
                        extras: tuple[tuple[int | None, str | None, str | None], ...] | None) -> Sentences:
    """Pickled ``Sentences`` again, as they were packed."""
    packed = Sentences.__new__(Sentences)
    packed._times, packed._word_times, packed._word_texts = times, word_times, word_texts
    packed._texts, packed._extras = texts, extras
    return packed


def _said(words: Iterable[Word]) -> str:
    """A sentence's text as its words say it (how the recognizer writes it)."""
    return "".join(w.text + w.punctuation for w in words).strip()


@compact_pickle
@dataclass(frozen=True, slots=True)
class ChannelTranscript:
    channel_id: int
    sentences: Sequence[Sentence]     # ``Sentences`` (packed) whatever sequence is given, where they pack
    content_ms: int

    def __post_init__(self) -> None:
        if not isinstance(self.sentences, Sentences):
            given = tuple(self.sentences)
            object.__setattr__(self, "sentences", Sentences(given) if Sentences.packable(given) else given)

    @property
    def text(self) -> str:
        return join_sentences([s.text for s in self.sentences])


@compact_pickle
@dataclass(frozen=True, slots=True)
class Transcript:
    backend: str                      # "scripted" or "synthetic"
    language: str
    channels: tuple[ChannelTranscript, ...]
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()   # the script's labels (see ``Script``)

    def label(self, name: str, index: int = 0) -> str | None:
        """The script's label ``name`` for the ``index``-th clip (a single value applies to every clip)."""
        for key, values in self.labels:
            if key == name and values:
                return values[min(index, len(values) - 1)]
        return None

    @property
    def has_speech(self) -> bool:
        return any(c.sentences for c in self.channels)


@dataclass(frozen=True)
class Options:
    language: str = "zh"
    channels: tuple[int, ...] | None = None     # None: every channel of the audio
    speakers: int | None = None                 # diarization: number of speakers, or None
    remove_disfluencies: bool = False
    aligned_words: bool = False                 # word timings by length (aligned) or evenly spread
    emotions: Sequence[str] = ()                # labels to choose a per-sentence emotion from, or ()
    events: Sequence[str] = ()                  # sounds a sentence may come with (synthetic: one in four does)
    hotwords: tuple[str, ...] = ()              # biasing words: synthetic text uses them
    windows: tuple[tuple[int, int, int], ...] | None = None   # (channel, begin ms, end ms): recognise only these


@dataclass(frozen=True)
class Script:
    """Known text for a medium: one text, or one per channel; optional language, per-sentence emotions, and labels
    that classifiers answer with (a name → one value, or one value per clip)."""

    texts: tuple[str, ...]
    language: str | None = None
    emotions: tuple[str, ...] = ()
    events: tuple[str, ...] = ()           # per sentence: a sound heard with it, "" for none
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Script:
        raw = value.get("channels", value.get("text", ""))
        texts = tuple(str(t) for t in raw) if isinstance(raw, list) else (str(raw),)
        emotions = value.get("emotions", ())
        events = value.get("events", ())
        raw_labels = value.get("labels")
        labels = tuple(
            (str(k), tuple(str(x) for x in v) if isinstance(v, list) else (str(v),))
            for k, v in (raw_labels.items() if isinstance(raw_labels, dict) else ())
        )
        return cls(texts=texts, language=value.get("language") or value.get("lang"),
                   emotions=tuple(str(e or "") for e in emotions) if isinstance(emotions, list) else (),
                   events=tuple(str(e or "") for e in events) if isinstance(events, list) else (), labels=labels)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.texts[0]} if len(self.texts) == 1 else {"channels": list(self.texts)}
        if self.language:
            out["language"] = self.language
        if self.emotions:
            out["emotions"] = list(self.emotions)
        if self.events:
            out["events"] = [e or None for e in self.events]
        if self.labels:
            out["labels"] = {k: v[0] if len(v) == 1 else list(v) for k, v in self.labels}
        return out


@dataclass
class ScriptRegistry:
    """Scripts registered by content hash or by URL (tests, the control plane, fixture sidecars). A script an
    account registers (``account``: its key) is found only for that account's jobs and streams, before the
    scripts registered for everyone."""

    by_hash: dict[str, Script] = field(default_factory=dict)
    by_url: dict[str, Script] = field(default_factory=dict)
    fixtures: dict[str, Script] = field(default_factory=dict)    # survive reset
    streams: deque[Script] = field(default_factory=deque)        # for the next streams without a script
    account_streams: dict[str, deque[Script]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_stream(self, script: Script, account: str | None = None) -> None:
        with self._lock:
            (self.streams if account is None else self.account_streams.setdefault(account, deque())).append(script)

    def next_stream(self) -> Script | None:
        with self._lock:
            for key in accounts.keys_holding(self.account_streams, accounts.CURRENT_ACCOUNT.get()):
                if self.account_streams[key]:
                    return self.account_streams[key].popleft()
            return self.streams.popleft() if self.streams else None

    def add(self, script: Script, *, sha256: str | None = None, url: str | None = None,
            account: str | None = None) -> None:
        def name(raw: str) -> str:
            return raw if account is None else accounts.scoped(account, raw)

        with self._lock:
            if sha256:
                self.by_hash[name(sha256)] = script
            if url:
                self.by_url[name(url)] = script

    def find(self, sha256: str, url: str | None) -> Script | None:
        credential = accounts.CURRENT_ACCOUNT.get()
        if credential is not None and (len(self.by_url) + len(self.by_hash)) > 0:
            held = accounts.keys_holding({accounts.split(k)[0] or "" for k in (*self.by_url, *self.by_hash)} - {""},
                                         credential)
            for key in held:
                if url and accounts.scoped(key, url) in self.by_url:
                    return self.by_url[accounts.scoped(key, url)]
                if accounts.scoped(key, sha256) in self.by_hash:
                    return self.by_hash[accounts.scoped(key, sha256)]
        if url and url in self.by_url:
            return self.by_url[url]
        return self.by_hash.get(sha256) or self.fixtures.get(sha256)

    def clear(self, account: str | None = None) -> None:
        """Forget every script (``account``: only that account's)."""
        with self._lock:
            if account is None:
                self.by_hash.clear()
                self.by_url.clear()
                self.streams.clear()
                self.account_streams.clear()
                return
            for table in (self.by_hash, self.by_url):
                for key in [k for k in table if accounts.split(k)[0] == account]:
                    del table[key]
            self.account_streams.pop(account, None)


class Recognizer:
    def __init__(self, scripts: ScriptRegistry, seed: int = 0) -> None:
        self.scripts = scripts
        self.seed = seed

    def transcribe(self, info: AudioInfo, sha256: str, options: Options, url: str | None = None) -> Transcript:
        script = self.scripts.find(sha256, url)
        if script is None and info.script is not None:
            script = Script.from_json(info.script)
        channels = options.channels if options.channels is not None else tuple(range(info.channels))
        language = options.language
        out = []
        for ch in channels:
            spans = info.speech_spans(ch) if ch < info.channels else ()
            windows = None
            if options.windows is not None:
                # Only speech inside the windows is recognised: the script is laid out over the whole channel (so
                # each word keeps the time it is spoken at) and the words outside every window are dropped.
                windows = tuple(sorted((b, e) for c, b, e in options.windows if c == ch))
            rng = random.Random(f"{self.seed}:{sha256}:{ch}:{language}")
            if script is not None:
                text = script.texts[ch] if ch < len(script.texts) else (script.texts[0] if ch == 0 else "")
                sentences_text = split_sentences(text) if spans else []
                language = script.language or language
            else:
                with FAKER_LOCK:
                    sentences_text = synthetic_sentences(rng, language, spans, options.hotwords)
            emotions = tuple(script.emotions) if script is not None else ()
            events = tuple(script.events) if script is not None else None
            out.append(self._lay_out(ch, sentences_text, spans, options, rng, emotions, windows, events))
        backend = "scripted" if script is not None else "synthetic"
        return Transcript(backend=backend, language=language, channels=tuple(out),
                          labels=script.labels if script is not None else ())

    def _lay_out(self, ch: int, texts: list[str], spans: Sequence[Span], options: Options,
                 rng: random.Random, emotions: tuple[str, ...],
                 windows: tuple[Span, ...] | None = None,
                 events: tuple[str, ...] | None = None) -> ChannelTranscript:
        heard = spans if windows is None else clip_spans(spans, windows)
        if not texts or not heard:
            return ChannelTranscript(ch, (), 0)
        tokens = [tokenize(t) for t in texts]
        weights = [max(1, sum(len(w) for w, _ in toks)) for toks in tokens]
        sentences = []
        for i, (toks, (timeline, start, end)) in enumerate(zip(tokens, _allot(spans, weights), strict=True)):
            words = _words(toks, timeline, start, end, options.aligned_words)
            if options.remove_disfluencies:
                words = [w for w in words if w.text.strip().lower() not in FILLERS]
            if windows is not None:
                words = [w for w in words if _inside((w.begin_ms + w.end_ms) / 2, windows)]
            if not words:
                continue
            text = _said(words)
            speaker = i % options.speakers if options.speakers else None
            emotion = None
            if options.emotions:
                emotion = emotions[i] if i < len(emotions) else rng.choice(list(options.emotions))
            event = None
            if options.events:
                if events is not None:       # scripted: as the script says, none where it says nothing
                    event = (events[i] if i < len(events) else "") or None
                elif rng.random() < 0.25:    # synthetic: one sentence in four comes with a sound
                    event = rng.choice(list(options.events))
            sentences.append(Sentence(words[0].begin_ms, words[-1].end_ms, text, tuple(words), speaker, emotion,
                                      event))
        content = sum(e - b for b, e in heard)
        return ChannelTranscript(ch, tuple(sentences), content)


class _Timeline:
    """Maps an offset in concatenated speech time to real time."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = list(spans)
        self.length = float(sum(e - b for b, e in spans))

    def real(self, offset: float, end: bool = False) -> int:
        acc = 0.0
        for b, e in self.spans:
            d = e - b
            if offset < acc + d or (end and offset <= acc + d):
                return round(b + offset - acc)
            acc += d
        return self.spans[-1][1]


def _inside(t: float, windows: Sequence[Span]) -> bool:
    return any(b <= t < e for b, e in windows)


def clip_spans(spans: Sequence[Span], windows: Sequence[Span]) -> tuple[Span, ...]:
    """The parts of ``spans`` inside any of ``windows`` (both in ms), in order."""
    out = []
    for b, e in spans:
        for wb, we in sorted(windows):
            lo, hi = max(b, wb), min(e, we)
            if hi > lo:
                out.append((lo, hi))
    merged: list[Span] = []
    for b, e in sorted(out):
        if merged and b <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((b, e))
    return tuple(merged)


def split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(text.strip())]
    return [p for p in parts if p]


def tokenize(text: str) -> list[tuple[str, str]]:
    """(word-with-trailing-space, following punctuation) pairs; leading punctuation joins the first word."""
    out: list[list[str]] = []
    lead = ""
    for m in _TOKEN.finditer(text):
        kind, value = m.lastgroup, m.group()
        if kind in ("word", "cjk"):
            out.append([lead + value, ""])
            lead = ""
        elif kind == "punct":
            if out:
                out[-1][1] += value
            else:
                lead += value
        elif out:  # whitespace
            if out[-1][1]:
                out[-1][1] += " "
            else:
                out[-1][0] += " "
    if out:
        out[-1] = [out[-1][0].rstrip(), out[-1][1].rstrip()]
    return [(w, p) for w, p in out]


def _allot(spans: Sequence[Span], weights: list[int]) -> list[tuple[_Timeline, float, float]]:
    """Give each sentence a stretch of speech: whole spans when there are at least as many spans as sentences
    (split at the longest pauses), else shares of the speech time in proportion to the sentence lengths."""
    n = len(weights)
    if len(spans) >= n:
        gaps = sorted(range(1, len(spans)), key=lambda k: (spans[k - 1][1] - spans[k][0], k))[: n - 1]
        cuts = [0, *sorted(gaps), len(spans)]
        out = []
        for a, b in itertools.pairwise(cuts):
            timeline = _Timeline(spans[a:b])
            out.append((timeline, 0.0, timeline.length))
        return out
    timeline = _Timeline(spans)
    total = sum(weights)
    out, pos = [], 0.0
    for weight in weights:
        out.append((timeline, pos / total * timeline.length, (pos + weight) / total * timeline.length))
        pos += weight
    return out


def _words(tokens: list[tuple[str, str]], timeline: _Timeline, start: float, end: float,
           aligned: bool) -> list[Word]:
    """Words spread over a stretch of speech time: evenly, or by their length when ``aligned``."""
    if not tokens:
        return []
    weights = [max(1, len(w.strip())) if aligned else 1 for w, _ in tokens]
    total = sum(weights)
    words = []
    acc = 0
    for (text, punct), weight in zip(tokens, weights, strict=True):
        b = timeline.real(start + (end - start) * acc / total)
        acc += weight
        e = timeline.real(start + (end - start) * acc / total, end=True)
        words.append(Word(b, max(e, b + 1), text, punct))
    return words


def synthetic_sentences(rng: random.Random, language: str, spans: Sequence[Span],
                        hotwords: Sequence[str] = ()) -> list[str]:
    speech_s = sum(e - b for b, e in spans) / 1000.0
    if speech_s <= 0:
        return []
    cjk = language in CJK_LANGS
    budget = max(1, round(speech_s * RATE["cjk" if cjk else "latin"]))
    fake = _faker(LOCALES.get(language, "en_US"))
    fake.seed_instance(rng.getrandbits(32))
    sentences: list[str] = []
    used = 0
    while used < budget:
        n = min(budget - used, rng.randint(6, 14) if cjk else rng.randint(4, 10))
        if cjk:
            text = "".join(fake.words(nb=n * 2)).replace(" ", "")[:n]
            used += len(text)
            text += "。" if rng.random() > 0.15 else "？"
            if rng.random() < 0.2:
                text = rng.choice(["嗯，", "啊，", "呃，"]) + text
        else:
            words = fake.words(nb=n)
            used += len(words)
            text = " ".join(words).capitalize() + ("." if rng.random() > 0.15 else "?")
            if rng.random() < 0.2:
                text = rng.choice(["Um, ", "Uh, "]) + text[0].lower() + text[1:]
        sentences.append(text)
    for i, word in enumerate(hotwords[: len(sentences)]):   # one hot word per sentence, at its start
        sep = "" if cjk else " "
        sentences[i] = f"{word}{sep}{sentences[i][0].lower() if not cjk else sentences[i][0]}{sentences[i][1:]}"
    return sentences


_FAKERS: dict[str, Faker] = {}
FAKER_LOCK = threading.RLock()   # held while a shared Faker is seeded and used


def _faker(locale: str) -> Faker:
    """One Faker per locale (construction is slow); callers re-seed it before each use."""
    if locale not in _FAKERS:
        _FAKERS[locale] = Faker(locale)
    return _FAKERS[locale]


def content_seed(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)
