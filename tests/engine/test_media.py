import asyncio
from pathlib import Path

import httpx
import pytest

from emulator.engine.media import FetchLimits, MediaProblem, MediaResolver
from emulator.engine.store import Blob, MemoryStore
from tests.conftest import magic

LIMITS = FetchLimits(max_bytes=10_000, timeout=1.0)


def fetch(resolver: MediaResolver, url: str, limits: FetchLimits = LIMITS) -> bytes:
    return asyncio.run(resolver.fetch(url, limits))


def problem(resolver: MediaResolver, url: str, limits: FetchLimits = LIMITS) -> MediaProblem:
    with pytest.raises(MediaProblem) as info:
        fetch(resolver, url, limits)
    return info.value


def server(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/ok.wav":
        return httpx.Response(200, stream=httpx.ByteStream(b"RIFF...."))
    if path == "/big.wav":
        return httpx.Response(200, stream=httpx.ByteStream(b"x" * 20_000))
    if path == "/redirect":
        return httpx.Response(302, headers={"location": "/ok.wav"})
    if path == "/loop":
        return httpx.Response(302, headers={"location": "/loop"})
    if path == "/slow":
        raise httpx.ReadTimeout("slow", request=request)
    if path == "/refused":
        raise httpx.ConnectError("refused", request=request)
    return httpx.Response(int(path.strip("/")) if path.strip("/").isdigit() else 404)


@pytest.fixture
def resolver() -> MediaResolver:
    return MediaResolver(MemoryStore(), transport=httpx.MockTransport(server))


def test_download_follows_redirects(resolver: MediaResolver) -> None:
    assert fetch(resolver, "http://files.example/ok.wav") == b"RIFF...."
    assert fetch(resolver, "https://files.example/redirect") == b"RIFF...."


@pytest.mark.parametrize(("path", "kind", "status"), [
    ("/404", "download_status", 404), ("/403", "download_status", 403), ("/503", "download_status", 503),
    ("/big.wav", "too_large", None), ("/slow", "download_timeout", None), ("/refused", "download_failed", None),
    ("/loop", "download_failed", None),
])
def test_download_problems_are_named(resolver: MediaResolver, path: str, kind: str, status: int | None) -> None:
    found = problem(resolver, f"http://files.example{path}")
    assert (found.kind, found.status) == (kind, status)


@pytest.mark.parametrize("url", ["ftp://files.example/a.wav", "file:///etc/passwd", "not a url", "",
                                 "http://files.example/a b.wav", "https://x/\x00", "http://[::1/a.wav"])
def test_unusable_urls_are_bad_urls(resolver: MediaResolver, url: str) -> None:
    assert problem(resolver, url).kind == "bad_url"


def test_uploaded_media_and_registered_schemes_resolve_locally(resolver: MediaResolver) -> None:
    resolver._store.put_blob("media", "ab" * 16, Blob(b"RIFFlocal"))
    assert fetch(resolver, f"http://anywhere:9/_emulator/media/{'ab' * 16}/x.wav") == b"RIFFlocal"
    resolver.register_scheme("oss", lambda url: b"RIFFoss" if url.endswith("/known.wav") else None)
    assert fetch(resolver, "oss://bucket/known.wav") == b"RIFFoss"
    assert problem(resolver, "oss://bucket/other.wav").status == 404


def test_magic_urls_synthesise_audio_or_failures(resolver: MediaResolver) -> None:
    data = fetch(resolver, magic("你好", duration=2, rate=8000), FetchLimits(max_bytes=10**6))
    assert data[:4] == b"RIFF" and len(data) > 2 * 8000 * 2
    assert problem(resolver, magic(status=403)).status == 403
    found = problem(resolver, magic(fail="DECODE_ERROR"))
    assert (found.kind, found.code) == ("vendor", "DECODE_ERROR")
    assert problem(resolver, magic(duration="x")).kind == "decode_error"


def test_a_trickling_download_ends_at_the_deadline() -> None:
    """A server sending a byte every 50 ms never trips the per-read timeout; the whole-download deadline ends it."""
    import asyncio
    import time

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        try:
            for _ in range(100000):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.05)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def go() -> tuple[str, float]:
        server = await asyncio.start_server(trickle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        resolver = MediaResolver(MemoryStore())
        resolver.deadline = 0.5
        started = time.monotonic()
        try:
            await resolver.fetch(f"http://127.0.0.1:{port}/a.wav", FetchLimits(max_bytes=10**6, timeout=5))
        except MediaProblem as problem:
            return problem.kind, time.monotonic() - started
        finally:
            server.close()
        return "no problem", 0.0

    kind, took = asyncio.run(go())
    assert kind == "download_timeout" and took < 3


def test_large_blobs_live_in_files_not_memory() -> None:
    import os

    store = MemoryStore()
    big = b"\x01" * (5 * 1024 * 1024)
    store.put_blob("cos", "b/k", Blob(big, "audio/wav", "k"))
    kept = store.get_blob("cos", "b/k")
    assert kept is not None and kept.path is not None and os.path.getsize(kept.path) == len(big)
    assert kept.size == len(big) and kept.data == big and kept.content_type == "audio/wav"
    store.put_blob("cos", "b/k", Blob(b"small"))                 # replaced: its file goes
    assert not os.path.exists(kept.path)
    store.put_blob("cos", "b/k2", Blob(big))
    second = store.get_blob("cos", "b/k2")
    assert second is not None and second.path is not None
    store.clear()
    assert not os.path.exists(second.path)


def test_a_submit_answers_at_once_however_slow_the_file_server(asr_emulator: object) -> None:
    """The service acknowledges a task before it downloads the file: a slow file server does not slow the submit;
    the task waits in the queue until its audio is in."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from emulator.testing.handle import EmulatorHandle

    assert isinstance(asr_emulator, EmulatorHandle)
    wav = (Path(__file__).resolve().parents[2] / "fixtures" / "hello_zh.wav").read_bytes()
    release = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(10)
            self.send_response(200)
            self.send_header("Content-Length", str(len(wav)))
            self.end_headers()
            self.wfile.write(wav)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        auth = {"Authorization": "Bearer sk-asr-emulator-local"}
        with httpx.Client(base_url=asr_emulator.url, trust_env=False, headers=auth, timeout=30) as client:
            started = time.monotonic()
            task = client.post("/api/v1/services/audio/asr/transcription", headers={"X-DashScope-Async": "enable"},
                               json={"model": "paraformer-v2", "input": {"file_urls": [
                                   f"http://127.0.0.1:{server.server_address[1]}/slow.wav"]}}).json()
            assert time.monotonic() - started < 5
            task_id = task["output"]["task_id"]
            assert client.get(f"/api/v1/tasks/{task_id}").json()["output"]["task_status"] == "PENDING"
            release.set()
            deadline = time.monotonic() + 10
            while (status := client.get(f"/api/v1/tasks/{task_id}").json()["output"]["task_status"]) == "PENDING" \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            assert status == "SUCCEEDED"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
