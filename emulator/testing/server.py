"""A live emulator on 127.0.0.1 and a free port: in a background thread of this process (``LiveServer``), or in a
process of its own (``ServerProcess``), which keeps the SDK's own threads from competing with the server for the
interpreter lock, as they would not against the real service."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from types import TracebackType

import uvicorn

from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine import Engine
from emulator.testing.bridge import DirectTransport, LoopTransport


class LiveServer:
    def __init__(self, settings: Settings | None = None, host: str = "127.0.0.1") -> None:
        self.emulator = Emulator(settings or Settings())
        self.host = host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def engine(self) -> Engine:
        return self.emulator.engine

    def start(self, timeout: float = 10.0) -> LiveServer:
        from emulator.protocol import listening_socket

        sock = listening_socket(socket.AF_INET)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        from emulator.protocol import FirstKeyWebSocket, protocol_class

        protocol = protocol_class(self.emulator.settings.http)
        config = uvicorn.Config(self.emulator, log_level="warning", lifespan="on", ws=FirstKeyWebSocket,
                                http=protocol, server_header=False)
        self._server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(sock,), name=f"asr-emulator:{self.port}",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def _run(self, sock: socket.socket) -> None:
        assert self._server is not None and self.loop is not None
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._server.serve(sockets=[sock]))
        finally:
            loop.close()

    def transport(self) -> DirectTransport:
        """An httpx transport to this server's app for control-plane calls from this process, without sockets: in
        the calling thread, or on the server's loop when the caller runs a loop of its own."""
        if self.loop is None or self._server is None:
            raise RuntimeError("the server is not running")
        return DirectTransport(self.emulator, LoopTransport(self.emulator, self.loop))

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class ServerProcess:
    """``asr-emulator serve --port 0`` in a child process; ``url`` is what it printed."""

    def __init__(self, args: Sequence[str] = (), env: dict[str, str] | None = None) -> None:
        self.args = list(args)
        self.env = env              # the process's environment (default: this one's)
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> ServerProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "emulator", "serve", "--port", "0", "--log-level", "warning", *self.args],
            stdout=subprocess.PIPE, text=True, start_new_session=True, env=self.env)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if "listening on " not in line:
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = line.split("listening on ")[1].split()[0]
        return self

    def kill(self) -> None:
        """SIGKILL to the server and every process it started (its workers): no shutdown, no flush."""
        if self._proc is not None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@contextlib.contextmanager
def redis_server(folder: str | os.PathLike[str]) -> Iterator[str]:
    """A redis-server of its own (Debian's package) on a free port, keeping nothing on disk but in ``folder``: its
    URL, for ``serve --store`` or ``Settings(store=…)``; stopped at the end."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
