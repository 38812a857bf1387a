"""The replayer's edges without SDKs: a body larger than cassettes hold reaches the emulator whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from emulator.app import Emulator
from emulator.config import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cassettes"
COS = "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"


def test_a_body_larger_than_a_cassette_holds_reaches_the_emulator_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator.record import recorder

    monkeypatch.setattr(recorder, "MAX_RECORDED_BODY", 10)
    app = Emulator(Settings(lifecycle="instant", credentials="off", replay=str(SAMPLE)))
    data = bytes(range(256)) * 40

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(data), 1000):
            yield data[i:i + 1000]

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=COS) as client:
            put = await client.put("/big.bin", content=chunks())
            got = await client.get("/big.bin")
            return put, got

    put, got = asyncio.run(go())
    assert put.status_code == 200 and "larger than a cassette holds" in put.headers["x-asr-emulator-warning"]
    assert got.content == data


@pytest.mark.parametrize("exchanges", [
    [],
    "cassettes",
    [{"seq": "one"}],
    [{"seq": 1, "vendor": "dashscope", "operation": "query", "request": {"method": "GET"},
      "response": {"status": 200, "body": "not base64!", "encoding": "base64"}}],
    [{"seq": 1, "vendor": "dashscope", "operation": "query", "request": {}, "response": {"status": 200},
      "frames": [{"by": "nobody", "t_ms": 0, "text": "x"}]}],
    [{"seq": 1, "vendor": "dashscope", "operation": "query", "request": {}, "response": {"status": 200},
      "frames": [{"by": "server", "t_ms": 0, "data": "%%%"}]}],
    [{"seq": 1, "vendor": "dashscope", "operation": "query", "request": {}, "response": {"encoding": "gzip"}}],
], ids=["empty", "a string", "no fields", "bad base64", "a frame by nobody", "a frame of bad base64",
        "an unknown encoding"])
def test_cassettes_the_control_plane_cannot_read_are_refused_before_anything_changes(exchanges: object) -> None:
    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator") as client:
            posted = await client.post("/_emulator/replay", json={"exchanges": exchanges})
            return posted, await client.get("/_emulator/replay")

    posted, state = asyncio.run(go())
    assert posted.status_code == 400 and posted.json()["error"]
    assert state.json() == {"replaying": False}
