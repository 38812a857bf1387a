from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator.testing import ControlClient

KEY = "sk-contract-test-key"


@pytest.fixture
def dashscope_sdk(emulator: ControlClient) -> Iterator[Any]:
    """The real ``dashscope`` module, pointed at the emulator through its documented module attributes."""
    import dashscope

    saved = (dashscope.api_key, dashscope.base_http_api_url)
    dashscope.api_key = KEY
    dashscope.base_http_api_url = f"{emulator.url}/api/v1"
    yield dashscope
    dashscope.api_key, dashscope.base_http_api_url = saved
