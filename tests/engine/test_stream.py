import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.engine.audio import pcm16_samples, wav_bytes
from emulator.engine.recognizer import Script
from emulator.engine.stream import AudioStream, StreamError, StreamOptions, StreamSentence
from tests.conftest import FIXTURES


def run(data: bytes, chunks: list[int] | None = None, **options: object) -> list[StreamSentence]:
    stream = AudioStream(StreamOptions(**options))  # type: ignore[arg-type]
    out: list[StreamSentence] = []
    pos, i = 0, 0
    sizes = chunks or [3200]
    while pos < len(data):
        size = sizes[i % len(sizes)]
        out += stream.feed(data[pos:pos + size])
        pos, i = pos + size, i + 1
    return out + stream.finish()


def test_a_streamed_scripted_wav_gives_its_sentences_with_partials_first() -> None:
    results = run((FIXTURES / "hello_en.wav").read_bytes(), fmt="wav", language="en", semantic=True)
    finals = [r for r in results if r.final]
    assert [r.text for r in finals] == ["Hello world.", "This is a test of the speech emulator."]
    first_final = results.index(finals[0])
    assert any(not r.final for r in results[:first_final])


def test_by_silence_sentences_with_short_pauses_between_them_are_one_result() -> None:
    data = (FIXTURES / "hello_en.wav").read_bytes()          # a 380 ms pause between its two sentences
    [merged] = [r for r in run(data, fmt="wav", language="en", end_silence_ms=800) if r.final]
    assert merged.text == "Hello world. This is a test of the speech emulator."
    assert [w.text + w.punctuation for w in merged.words][:3] == ["Hello ", "world. ", "This "]
    split = [r.text for r in run(data, fmt="wav", language="en", end_silence_ms=300) if r.final]
    assert split == ["Hello world.", "This is a test of the speech emulator."]
    # a scripted sentence is never cut inside, even by the shortest setting
    assert [r.text for r in run(data, fmt="wav", language="en", end_silence_ms=200) if r.final] == split


def test_by_meaning_the_silence_setting_does_not_matter() -> None:
    data = (FIXTURES / "hello_zh.wav").read_bytes()
    for silence in (200, 800, 6000):
        finals = [r for r in run(data, fmt="wav", semantic=True, end_silence_ms=silence) if r.final]
        assert [r.text for r in finals] == ["你好，欢迎使用语音识别模拟器。", "今天天气很好。"]
        assert finals[0].audio_ms < 6200          # released at the pause, not at the end of the stream


def test_punctuation_and_number_writing_can_be_turned_off() -> None:
    from emulator.audiogen import synthetic_voice

    pcm = wav_bytes([synthetic_voice("我有3个苹果，你有12个。", 16000)], 16000)[44:]
    script = Script(("我有3个苹果，你有12个。",))

    def final(**options: object) -> str:
        stream = AudioStream(StreamOptions(**options), script=script)  # type: ignore[arg-type]
        return "".join(r.text for r in stream.feed(pcm) + stream.finish() if r.final)

    assert final() == "我有3个苹果，你有12个。"
    assert final(punctuation=False) == "我有3个苹果你有12个"
    assert final(itn=False) == "我有三个苹果，你有十二个。"


def test_a_long_silence_fails_the_stream_unless_heartbeats_keep_it() -> None:
    from emulator.audiogen import synthetic_voice

    speech = wav_bytes([synthetic_voice("你好。", 16000)], 16000)[44:]
    silence = b"\0\0" * 16000 * 61
    stream = AudioStream(StreamOptions(silence_limit_ms=60_000), script=Script(("你好。",)))
    with pytest.raises(StreamError) as failed:
        stream.feed(speech + silence)
    assert failed.value.kind == "silence"
    assert [r.text for r in failed.value.results if r.final] == ["你好。"]     # released before the failure
    assert stream.audio_ms < len(speech + silence) // 32                       # it stopped listening there

    kept = AudioStream(StreamOptions(heartbeat_ms=10_000), script=Script(("你好。",)))
    results = kept.feed(silence + speech) + kept.finish()
    beats = [r for r in results if r.heartbeat]
    assert [r.begin_ms for r in beats] == [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]
    assert all(r.text == "" and not r.final and r.end_ms is None for r in beats)
    assert [r.text for r in results if r.final] == ["你好。"]


def test_results_never_run_ahead_of_the_audio() -> None:
    for r in run((FIXTURES / "hello_zh.wav").read_bytes(), fmt="wav"):
        assert r.begin_ms <= r.audio_ms
        assert all(w.end_ms <= r.audio_ms for w in r.words)
        assert r.end_ms is None or r.end_ms <= r.audio_ms
        assert (r.end_ms is None) == (not r.final)


def test_partials_are_prefixes_of_the_final_text() -> None:
    rate, channels = pcm16_samples((FIXTURES / "hello_zh.wav").read_bytes())
    pcm = wav_bytes(channels, rate)[44:]
    results = run(pcm, fmt="pcm", sample_rate=rate)          # no script: synthetic text
    final = next(r for r in results if r.final)
    bare = "".join(w.text for w in final.words)
    for partial in (r for r in results if not r.final and r.index == final.index):
        assert bare.startswith(partial.text)


@settings(max_examples=25, deadline=None)
@given(chunks=st.lists(st.integers(min_value=1, max_value=20000), min_size=1, max_size=5))
def test_chunking_does_not_change_the_final_result(chunks: list[int]) -> None:
    data = (FIXTURES / "phone_8k.wav").read_bytes()
    whole = [r.text for r in run(data, fmt="wav", sample_rate=8000) if r.final]
    assert [r.text for r in run(data, chunks, fmt="wav", sample_rate=8000) if r.final] == whole


def test_longer_end_silence_merges_sentences() -> None:
    rate, channels = pcm16_samples((FIXTURES / "hello_zh.wav").read_bytes())
    pcm = wav_bytes(channels, rate)[44:]
    short = [r for r in run(pcm, fmt="pcm", end_silence_ms=200) if r.final]
    long = [r for r in run(pcm, fmt="pcm", end_silence_ms=800) if r.final]
    assert len(short) > len(long) == 1


def test_registered_script_and_compressed_formats() -> None:
    stream = AudioStream(StreamOptions(fmt="opus"), script=Script(("你好。",)))
    results = stream.feed(b"\x01" * 8000) + stream.finish()   # 4 s at the estimated opus bitrate
    assert stream.audio_ms == 4000
    assert [r.text for r in results if r.final] == ["你好。"]


def test_bad_or_missing_audio_is_a_stream_error() -> None:
    with pytest.raises(StreamError) as bad:
        AudioStream(StreamOptions(fmt="wav")).feed(b"OggS" + b"\0" * 100)
    assert bad.value.kind == "invalid_audio"
    with pytest.raises(StreamError) as empty:
        AudioStream(StreamOptions()).finish()
    assert empty.value.kind == "no_audio"
    assert AudioStream(StreamOptions(fmt="wav")).feed(b"RIFF") == []    # a header may span frames


def test_long_sentences_can_be_kept_short() -> None:
    from emulator.audiogen import synthetic_voice

    text = "".join(f"这是第{n}句话，我们一直在说话没有停下来。" for n in "一二三四五六七八")
    pcm = wav_bytes([synthetic_voice(text, 16000)], 16000)[44:]

    def finals(**options: object) -> list[StreamSentence]:
        stream = AudioStream(StreamOptions(**options), script=Script((text,)))  # type: ignore[arg-type]
        return [r for r in stream.feed(pcm) + stream.finish() if r.final]

    [whole] = finals()
    assert whole.text == text
    cut = finals(long_sentence=(10_000, 400))
    assert len(cut) > 1 and "".join(r.text for r in cut) == text
    assert all(r.end_ms is not None and r.end_ms - r.begin_ms >= 10_000 for r in cut[:-1])
