"""Qwen3-ASR's pieces: context words, the streamed pieces, and the answers the strategy draws."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from hypothesis import given, settings

from emulator.testing.strategies import qwen_asr_answers
from emulator.vendors.dashscope.qwen import context_words, pieces


def test_context_words_drop_the_label_and_punctuation() -> None:
    assert context_words("context: 通义千问, DashScope。阿里云") == ("通义千问", "DashScope", "阿里云")


def test_pieces_put_the_text_back_together() -> None:
    for text in ("欢迎使用阿里云。", "Hello world. This is a test.", ""):
        assert "".join(pieces(text)) == text


@settings(max_examples=40, deadline=None)
@given(qwen_asr_answers())
def test_drawn_answers_are_read_by_the_sdks_response_model(answer: dict[str, Any]) -> None:
    from dashscope.api_entities.dashscope_response import DashScopeAPIResponse, MultiModalConversationResponse

    raw = DashScopeAPIResponse(request_id=answer["request_id"], status_code=HTTPStatus.OK, output=answer["output"],
                               usage=answer["usage"])
    read = MultiModalConversationResponse.from_api_response(raw)
    message = read.output.choices[0].message
    assert message.role == "assistant" and message.annotations[0]["type"] == "audio_info"
