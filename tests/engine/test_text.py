"""The text helpers the dialects share."""

from __future__ import annotations

from emulator.engine.text import join_sentences


def test_sentences_join_as_each_language_is_written() -> None:
    assert join_sentences(["Hello world.", "This is a test."]) == "Hello world. This is a test."
    assert join_sentences(["你好，", "世界。", "今天天气很好。"]) == "你好，世界。今天天气很好。"
    assert join_sentences(["Hello world，", "这里是实验室。"]) == "Hello world，这里是实验室。"
    assert join_sentences(["hello world", "this is"]) == "hello world this is"
    assert join_sentences(["<|Speech|> Hello. <|/Speech|>", "<|Speech|> Bye. <|/Speech|>"]) == \
        "<|Speech|> Hello. <|/Speech|><|Speech|> Bye. <|/Speech|>"
    assert join_sentences(["", "A."]) == "A."
