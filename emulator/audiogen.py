"""Test audio that carries its own script: spoken by espeak-ng when it is installed, else a synthetic voice."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

from emulator.engine.audio import pcm16_samples, resample, voiced_signal, wav_bytes
from emulator.engine.recognizer import content_seed, split_sentences, tokenize

VOICES = {"zh": "cmn", "en": "en-us", "ja": "ja", "ko": "ko", "yue": "yue", "de": "de", "fr": "fr",
          "ru": "ru", "es": "es", "it": "it"}
LEAD_S = 0.3
MIN_RATE, MAX_RATE = 8000, 48000


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthetic_voice(text: str, rate: int) -> list[int]:
    """A voiced signal whose rhythm follows the text: syllables, word gaps and sentence pauses."""
    units: list[tuple[float, bool]] = [(LEAD_S, False)]
    for sentence in split_sentences(text):
        for word, punct in tokenize(sentence):
            core = word.strip()
            if len(core) == 1 and not core.isascii():
                units += [(0.22, True), (0.03, False)]
            else:
                units += [(0.12 + 0.06 * len(core), True), (0.08, False)]
            if punct.strip(" ") and punct.strip() not in "。.?？!！":
                units.append((0.2, False))
        units.append((0.45, False))
    units.append((LEAD_S, False))
    return list(voiced_signal(units, rate, content_seed(text) % 1000))


def espeak_voice(text: str, lang: str, rate: int) -> list[int]:
    voice = VOICES.get(lang, "en-us")
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "--stdout", text],
                         check=True, capture_output=True, timeout=120).stdout
    src_rate, channels = pcm16_samples(out)
    pad = [0] * int(rate * LEAD_S)
    return pad + resample(channels[0], src_rate, rate) + pad


def make_audio(texts: Sequence[str], *, lang: str = "zh", rate: int = 16000, engine: str = "auto") -> bytes:
    """A WAV with one channel per text, each spoken, carrying the script in its ``asrs`` chunk."""
    if not texts or not any(t.strip() for t in texts):
        raise ValueError("say what the audio says: the text is empty")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"--rate {rate}: the sample rate is between {MIN_RATE} and {MAX_RATE} Hz")
    if lang not in VOICES:
        raise ValueError(f"--lang {lang}: unknown language; one of {', '.join(VOICES)}")
    use_espeak = engine == "espeak" or (engine == "auto" and espeak_available())
    if engine == "espeak" and not espeak_available():
        raise RuntimeError("espeak-ng is not installed")
    channels = []
    for text in texts:
        if not text.strip():
            channels.append([0] * int(rate * 2 * LEAD_S))
        elif use_espeak:
            channels.append(espeak_voice(text, lang, rate))
        else:
            channels.append(synthetic_voice(text, rate))
    length = max(len(c) for c in channels)
    channels = [c + [0] * (length - len(c)) for c in channels]
    script: dict[str, object] = {"text": texts[0]} if len(texts) == 1 else {"channels": list(texts)}
    script["language"] = lang
    return wav_bytes(channels, rate, script)
