"""Every event sequence ``nls_realtime_events`` draws is replayed by a tiny WebSocket gateway to the vendor's own
``NlsSpeechTranscriber``: the SDK neither crashes nor hangs on any of them, and reports each as a user's callbacks
see it — so a client tested with these documents is tested with documents the SDK accepts."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from contract_tests.nls.conftest import Events, wait_for
from emulator.protocol import FirstKeyWebSocket
from emulator.testing.strategies import nls_realtime_events

pytestmark = [pytest.mark.sdk, pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning")]
SCRIPT: list[list[dict[str, Any]]] = [[]]          # the sequence the gateway replays next


async def gateway(ws: WebSocket) -> None:
    await ws.accept()
    try:
        start = json.loads(await ws.receive_text())
        for event in SCRIPT[0]:
            event["header"]["task_id"] = start["header"]["task_id"]
            await ws.send_text(json.dumps(event, ensure_ascii=False))
            if event["header"]["name"] == "TaskFailed":
                await ws.close()
                return
        while True:                                    # after Completed the client closes
            await ws.receive()
    except (WebSocketDisconnect, RuntimeError):
        return


@pytest.fixture(scope="module")
def replay_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[WebSocketRoute("/ws/v1", gateway)]), ws=FirstKeyWebSocket,
                                           log_level="error", lifespan="off"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=lambda: loop.run_until_complete(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"ws://127.0.0.1:{port}/ws/v1"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    loop.close()


@given(events=nls_realtime_events())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_sdk_takes_every_drawn_session(replay_url: str, monkeypatch: pytest.MonkeyPatch,
                                           events: list[dict[str, Any]]) -> None:
    import nls

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    SCRIPT[0] = events
    seen = Events()
    transcriber = nls.NlsSpeechTranscriber(url=replay_url, token="t", appkey="a", **seen.callbacks(
        "start", "sentence_begin", "sentence_end", "result_changed", "completed"))
    transcriber.start(aformat="pcm")
    wait_for(lambda: seen.closed or seen.named("completed"), timeout=10)     # never a hang
    transcriber.shutdown()
    wait_for(lambda: seen.closed, timeout=10)
    names = [e["header"]["name"] for e in events]
    assert len(seen.named("sentence_end")) == names.count("SentenceEnd")
    assert len(seen.named("result_changed")) == names.count("TranscriptionResultChanged")
    if names[-1] == "TaskFailed":
        assert [e["header"]["status"] for e in seen.named("error")] == [events[-1]["header"]["status"]]
    else:
        assert len(seen.named("completed")) == 1
    gc.collect()
