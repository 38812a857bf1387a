import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.engine.audio import probe, wav_bytes
from emulator.engine.recognizer import Options, Recognizer, Script, ScriptRegistry, split_sentences, tokenize
from tests.conftest import FIXTURES


def transcribe(data: bytes, options: Options | None = None, seed: int = 0,
               registry: ScriptRegistry | None = None) -> object:
    recognizer = Recognizer(registry or ScriptRegistry(), seed=seed)
    return recognizer.transcribe(probe(data), hashlib.sha256(data).hexdigest(), options or Options())


def test_tokenize_attaches_punctuation_and_spaces_like_the_service() -> None:
    assert tokenize("Hello world, 这里是。") == [("Hello ", ""), ("world", ", "), ("这", ""), ("里", ""), ("是", "。")]
    assert tokenize("“引号”开头") == [("“引", ""), ("号", "”"), ("开", ""), ("头", "")]
    assert tokenize("It's 3.5 km.") == [("It's ", ""), ("3.5 ", ""), ("km", ".")]


def test_split_sentences() -> None:
    assert split_sentences("你好。今天好吗？Yes. No!") == ["你好。", "今天好吗？", "Yes.", "No!"]
    assert split_sentences("  ") == []


def test_embedded_script_wins_over_synthesis_and_registered_beats_embedded() -> None:
    data = (FIXTURES / "hello_zh.wav").read_bytes()
    t = transcribe(data)
    assert t.backend == "scripted"  # type: ignore[attr-defined]
    assert t.channels[0].text == "你好，欢迎使用语音识别模拟器。今天天气很好。"  # type: ignore[attr-defined]
    registry = ScriptRegistry()
    registry.add(Script(("改过的文本。",)), sha256=hashlib.sha256(data).hexdigest())
    assert transcribe(data, registry=registry).channels[0].text == "改过的文本。"  # type: ignore[attr-defined]


def test_synthetic_text_is_deterministic_per_seed_and_language() -> None:
    data = wav_bytes([[8000 if (i // 40) % 2 else -8000 for i in range(48000)]], 16000)
    assert transcribe(data) == transcribe(data)
    assert transcribe(data, seed=1) != transcribe(data, seed=0)
    english = transcribe(data, Options(language="en"))
    assert english.backend == "synthetic"  # type: ignore[attr-defined]
    assert english.channels[0].text.isascii()  # type: ignore[attr-defined]


def test_options_shape_the_transcript() -> None:
    data = wav_bytes([[8000 if (i // 40) % 2 else -8000 for i in range(64000)]], 16000,
                     {"text": "嗯，我觉得可以。Um, I think so. 好的。"})
    plain = transcribe(data)
    assert [s.text for s in plain.channels[0].sentences] == ["嗯，我觉得可以。", "Um, I think so.", "好的。"]  # type: ignore[attr-defined]
    clean = transcribe(data, Options(remove_disfluencies=True))
    assert [s.text for s in clean.channels[0].sentences] == ["我觉得可以。", "I think so.", "好的。"]  # type: ignore[attr-defined]
    speakers = transcribe(data, Options(speakers=2))
    assert [s.speaker_id for s in speakers.channels[0].sentences] == [0, 1, 0]  # type: ignore[attr-defined]
    even = transcribe(data).channels[0].sentences[1].words  # type: ignore[attr-defined]
    aligned = transcribe(data, Options(aligned_words=True)).channels[0].sentences[1].words  # type: ignore[attr-defined]
    assert len({w.end_ms - w.begin_ms for w in even}) <= 2
    assert aligned[2].end_ms - aligned[2].begin_ms > aligned[1].end_ms - aligned[1].begin_ms  # "think" > "I"


@settings(max_examples=40, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80),
       seconds=st.integers(min_value=1, max_value=6))
def test_any_script_gives_ordered_in_bounds_timings(text: str, seconds: int) -> None:
    data = wav_bytes([[9000 if (i // 30) % 2 else -9000 for i in range(8000 * seconds)]], 8000, {"text": text})
    info = probe(data)
    t = Recognizer(ScriptRegistry()).transcribe(info, "h", Options())
    previous = 0
    for sentence in t.channels[0].sentences:
        assert sentence.words
        for word in sentence.words:
            assert previous <= word.begin_ms < word.end_ms <= info.duration_ms + 1
            previous = word.begin_ms
        assert sentence.begin_ms == sentence.words[0].begin_ms and sentence.end_ms == sentence.words[-1].end_ms
