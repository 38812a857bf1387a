import struct

import pytest

from emulator.engine.audio import AudioProblem, probe, read_script_chunk, resample, voiced_signal, wav_bytes
from tests.conftest import FIXTURES


def test_wav_probe_reads_format_duration_and_speech() -> None:
    info = probe((FIXTURES / "hello_en.wav").read_bytes())
    assert (info.container, info.codec, info.sample_rate, info.channels) == ("wav", "pcm_s16le", 16000, 1)
    assert 4000 < info.duration_ms < 5000
    spans = info.speech_spans(0)
    assert len(spans) == 2   # two spoken sentences with a pause between
    assert 0 < spans[0][0] < spans[0][1] < spans[1][0] < spans[1][1] <= info.duration_ms


def test_silence_has_no_speech_and_stereo_has_two_channels() -> None:
    assert probe((FIXTURES / "silence.wav").read_bytes()).speech_spans(0) == ()
    stereo = probe((FIXTURES / "stereo_call.wav").read_bytes())
    assert stereo.channels == 2 and stereo.sample_rate == 8000
    assert stereo.speech_spans(0) and stereo.speech_spans(1)


def test_script_chunk_round_trips_and_wave_ignores_it() -> None:
    data = wav_bytes([[0, 1000, -1000] * 100], 8000, {"text": "你好 world", "language": "zh"})
    assert read_script_chunk(data) == {"text": "你好 world", "language": "zh"}
    assert probe(data).script == {"text": "你好 world", "language": "zh"}
    assert read_script_chunk(wav_bytes([[0] * 10], 8000)) is None


@pytest.mark.parametrize(("data", "kind"), [
    (b"", "decode_error"),
    (b"this is not audio at all" * 10, "unsupported_format"),
    (b"RIFF\x10\x00\x00\x00WAVEfmt \x02\x00\x00\x00", "decode_error"),
])
def test_unreadable_input_is_a_named_problem(data: bytes, kind: str) -> None:
    with pytest.raises(AudioProblem) as info:
        probe(data)
    assert info.value.kind == kind


def test_8_bit_and_32_bit_wavs_are_probed() -> None:
    for width, sample in ((1, b"\x80\xff"), (4, struct.pack("<ii", 0, 2**30))):
        fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000 * width, width, width * 8)
        pcm = sample * 4000
        body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
        info = probe(b"RIFF" + struct.pack("<I", len(body)) + body)
        assert info.duration_ms == 1000 * len(pcm) // (width * 8000)
        assert info.speech_spans(0)


def test_resample_keeps_duration() -> None:
    signal = voiced_signal([(0.5, True)], 22050, seed=1)
    assert abs(len(resample(signal, 22050, 16000)) - 8000) <= 1


def test_a_chunk_that_overruns_the_file_is_a_decode_error() -> None:
    with pytest.raises(AudioProblem) as err:
        probe(b"RIFF\x24\x00\x00\x00WAVEjunkjunk")
    assert err.value.kind == "decode_error"
