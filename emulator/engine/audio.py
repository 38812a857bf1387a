"""Audio facts: probing containers, finding speech, and writing WAVs that carry their own script.

WAV is read with the standard library's ``wave``; every other container is probed with ``mutagen``. A WAV written
by ``asr-emulator make-audio`` carries its script in an ``asrs`` RIFF chunk (JSON), which ``wave`` skips.
"""

from __future__ import annotations

import io
import json
import math
import struct
import sys
import wave
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mutagen

from emulator.engine.compact import compact_pickle

SCRIPT_CHUNK = b"asrs"
WINDOW_MS = 20
SPEECH_GAP_MS = 300       # silences shorter than this stay inside one span
MIN_SPEECH_MS = 60
SILENCE_LEVEL = 300       # peak amplitude (16-bit scale) below which a window counts as silent

Span = tuple[int, int]



class AudioProblem(Exception):
    """The bytes are not audio the emulator can read. ``kind`` is ``unsupported_format`` or ``decode_error``."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@compact_pickle
@dataclass(frozen=True, slots=True)
class AudioInfo:
    container: str                 # wav, mp3, flac, ogg, m4a, ...
    codec: str                     # pcm_s16le, mp3, aac, opus, ...
    sample_rate: int
    channels: int
    duration_ms: int
    size: int
    # per channel, the speech spans (ms); () when unknown. Given as spans, kept packed (bytes of int32 pairs: a stored
    # job keeps them, and nested tuples cost ten times the memory); read them with ``speech_spans``
    speech: tuple[Any, ...] = field(default=())
    script: dict[str, Any] | None = None                        # embedded script chunk, if any
    levels: tuple[float, ...] = ()     # per channel: mean peak level of the voiced windows, dBFS; () when unknown

    def __post_init__(self) -> None:
        if any(not isinstance(channel, bytes) for channel in self.speech):
            object.__setattr__(self, "speech", tuple(
                channel if isinstance(channel, bytes) else array("i", [t for span in channel for t in span]).tobytes()
                for channel in self.speech))
        object.__setattr__(self, "codec", sys.intern(self.codec))

    def speech_spans(self, channel: int) -> tuple[Span, ...]:
        """Speech spans of one channel; the whole file when the container could not be decoded for energy."""
        if not self.speech:
            return ((0, self.duration_ms),) if self.duration_ms > 0 else ()
        if channel >= len(self.speech):
            return ()
        packed = self.speech[channel]
        if not isinstance(packed, bytes):          # kept unpacked (a state directory of an earlier version)
            return tuple(packed)
        flat = array("i")
        flat.frombytes(packed)
        return tuple((flat[i], flat[i + 1]) for i in range(0, len(flat), 2))


def probe(data: bytes) -> AudioInfo:
    if not data:
        raise AudioProblem("decode_error", "the file is empty")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _probe_wav(data)
    return _probe_other(data)


def _riff_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        if cid == b"data":
            break
        chunks[cid] = data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    return chunks


def read_script_chunk(data: bytes) -> dict[str, Any] | None:
    if data[:4] != b"RIFF":
        return None
    raw = _riff_chunks(data).get(SCRIPT_CHUNK)
    if raw is None:
        return None
    try:
        value = json.loads(raw.rstrip(b"\0").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _probe_wav(data: bytes) -> AudioInfo:
    try:
        with wave.open(io.BytesIO(data)) as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            pcm = w.readframes(frames)
    except (wave.Error, EOFError, struct.error, RuntimeError) as exc:   # RuntimeError: a chunk overruns the file
        # WAVE_FORMAT_EXTENSIBLE, float and compressed WAVs: fall back to metadata only.
        try:
            return _probe_other(data, container="wav")
        except AudioProblem:
            raise AudioProblem("decode_error", f"WAV header could not be read: {exc}") from None
    if rate <= 0 or channels <= 0:
        raise AudioProblem("decode_error", "WAV header declares no samples")
    frames = len(pcm) // (width * channels)
    duration_ms = frames * 1000 // rate
    analysed = [_speech_spans(pcm, width, channels, c, rate) for c in range(channels)]
    return AudioInfo(
        container="wav", codec=sys.intern(f"pcm_{'u8' if width == 1 else f's{width * 8}le'}"), sample_rate=rate,
        channels=channels, duration_ms=duration_ms, size=len(data),
        speech=tuple(spans for spans, _ in analysed), script=read_script_chunk(data),
        levels=tuple(level for _, level in analysed),
    )


_CODECS = {"MP3": ("mp3", "mp3"), "FLAC": ("flac", "flac"), "OggVorbis": ("ogg", "vorbis"),
           "OggOpus": ("opus", "opus"), "OggFLAC": ("ogg", "flac"), "OggSpeex": ("ogg", "speex"),
           "MP4": ("m4a", "aac"), "AAC": ("aac", "aac"), "ASF": ("wma", "wmav2"), "AIFF": ("aiff", "pcm_s16be"),
           "WAVE": ("wav", "pcm"), "WavPack": ("wv", "wavpack"), "MonkeysAudio": ("ape", "ape")}


def _probe_other(data: bytes, container: str | None = None) -> AudioInfo:
    try:
        parsed = mutagen.File(io.BytesIO(data))
    except Exception as exc:  # mutagen raises many types for damaged input
        raise AudioProblem("decode_error", f"the audio could not be decoded: {exc}") from None
    if parsed is None or getattr(parsed, "info", None) is None:
        raise AudioProblem("unsupported_format", "the file is not in a recognised audio format")
    info = parsed.info
    kind = type(parsed).__name__
    cont, codec = _CODECS.get(kind, (kind.lower(), kind.lower()))
    length = float(getattr(info, "length", 0.0) or 0.0)
    if length <= 0:
        raise AudioProblem("decode_error", "the audio stream has no duration")
    return AudioInfo(
        container=container or cont, codec=codec, sample_rate=int(getattr(info, "sample_rate", 0) or 0),
        channels=int(getattr(info, "channels", 1) or 1), duration_ms=int(length * 1000), size=len(data),
    )


def pcm_samples(pcm: bytes, width: int) -> Sequence[int]:
    """Signed samples on the 16-bit scale, whatever the sample width (1, 2, 3 or 4 bytes)."""
    if width == 2:
        return array("h", pcm[: len(pcm) // 2 * 2])
    if width == 1:
        return array("h", ((b - 128) << 8 for b in pcm))
    if width == 4:
        arr = array("i", pcm[: len(pcm) // 4 * 4])
        return array("i", (v >> 16 for v in arr))
    # 24-bit: take the top two bytes of each sample
    usable = len(pcm) // 3 * 3
    return array("h", b"".join(pcm[i + 1:i + 3] for i in range(0, usable, 3)))


def is_voiced(window: Sequence[int]) -> bool:
    """Whether a window of samples (or a subsample of it) holds sound above the silence level."""
    return _peak(window) >= SILENCE_LEVEL


def _speech_spans(pcm: bytes, width: int, channels: int, channel: int, rate: int
                  ) -> tuple[tuple[Span, ...], float]:
    """Speech spans of one channel, and the mean peak level of its voiced windows in dBFS (-96 when silent)."""
    samples = pcm_samples(pcm, width)
    window = max(1, rate * WINDOW_MS // 1000)
    stride = max(1, window // 40) | 1   # peak of an (odd-strided) subsample: fast, good enough for speech
    chan = samples[channel::channels]
    peaks = [_peak(chan[start:start + window:stride]) for start in range(0, len(chan), window)]
    voiced = [p >= SILENCE_LEVEL for p in peaks]
    loud = [p for p in peaks if p >= SILENCE_LEVEL]
    level = 20 * math.log10(sum(loud) / len(loud) / 32768) if loud else -96.0
    spans: list[list[int]] = []
    for i, v in enumerate(voiced):
        if not v:
            continue
        begin, end = i * WINDOW_MS, (i + 1) * WINDOW_MS
        if spans and begin - spans[-1][1] < SPEECH_GAP_MS:
            spans[-1][1] = end
        else:
            spans.append([begin, end])
    total_ms = len(chan) * 1000 // rate
    return tuple((b, min(e, total_ms)) for b, e in spans if e - b >= MIN_SPEECH_MS), round(level, 2)


def _peak(window: Sequence[int]) -> int:
    return max(max(window), -min(window)) if window else 0


# ---- writing ---------------------------------------------------------------------------------------------

def wav_bytes(channels_pcm: Sequence[Sequence[int]], rate: int, script: dict[str, Any] | None = None) -> bytes:
    """A 16-bit PCM WAV from per-channel sample lists, with an optional embedded script chunk before ``data``."""
    n = max((len(c) for c in channels_pcm), default=0)
    nch = len(channels_pcm)
    inter = array("h", [0]) * (n * nch)
    for c, samples in enumerate(channels_pcm):
        try:
            one = array("h", samples)
        except (OverflowError, TypeError):
            one = array("h", [max(-32768, min(32767, int(v))) for v in samples])
        one.extend([0] * (n - len(one)))
        inter[c::nch] = one
    data = inter.tobytes()
    fmt = struct.pack("<HHIIHH", 1, nch, rate, rate * nch * 2, nch * 2, 16)
    chunks = [b"fmt " + struct.pack("<I", len(fmt)) + fmt]
    if script is not None:
        body = json.dumps(script, ensure_ascii=False, sort_keys=True).encode("utf-8")
        if len(body) & 1:
            body += b" "
        chunks.append(SCRIPT_CHUNK + struct.pack("<I", len(body)) + body)
    chunks.append(b"data" + struct.pack("<I", len(data)) + data)
    payload = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def pcm16_samples(data: bytes) -> tuple[int, list[list[int]]]:
    """Rate and per-channel 16-bit samples of a PCM WAV (for re-mixing fixtures)."""
    with wave.open(io.BytesIO(data)) as w:
        rate, nch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        pcm = w.readframes(w.getnframes())
    samples = pcm_samples(pcm, width)
    return rate, [list(samples[c::nch]) for c in range(nch)]


def resample(samples: Sequence[int], rate_in: int, rate_out: int) -> list[int]:
    """Linear-interpolation resampling; adequate for test speech, not for listening."""
    if rate_in == rate_out or not samples:
        return list(samples)
    n_out = len(samples) * rate_out // rate_in
    step = rate_in / rate_out
    out = []
    last = len(samples) - 1
    for i in range(n_out):
        pos = i * step
        j = int(pos)
        frac = pos - j
        a = samples[j]
        b = samples[j + 1] if j < last else a
        out.append(int(a + (b - a) * frac))
    return out


def voiced_signal(units: Sequence[tuple[float, bool]], rate: int, seed: int) -> array[int]:
    """A speech-like signal: (seconds, voiced) units, voiced ones a harmonic tone with a syllable envelope.

    Built a period at a time (the envelope has 256 steps per unit, the tone a fixed period), so a long signal costs
    array copies rather than a Python loop per sample; the samples are those of the per-sample formula."""
    out: array[int] = array("h")
    f0 = 110.0 + (seed % 90)
    envelope = [math.sin(math.pi * (k + 0.5) / 256) ** 0.6 for k in range(256)]
    for k, (seconds, voiced) in enumerate(units):
        n = int(seconds * rate)
        if n <= 0:
            continue
        if not voiced:
            out.frombytes(bytes(2 * n))
            continue
        pitch = f0 * (1.0 + 0.08 * math.sin(k * 1.7))
        period = max(2, round(rate / pitch))
        wave_table = [7000 * sum(math.sin(2 * math.pi * h * i / period) / h for h in (1, 2, 3, 4))
                      for i in range(period)]
        i = 0
        for step in range(256):                  # samples i with i * 256 // n == step share one envelope value
            end = -(-(step + 1) * n // 256)
            if end <= i:
                continue
            scaled = array("h", [int(w * envelope[step]) for w in wave_table])
            phase = i % period
            turned = scaled[phase:] + scaled[:phase]
            out += (turned * ((end - i) // period + 1))[:end - i]
            i = end
    return out
