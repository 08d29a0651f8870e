"""Run a WSGI app on a real socket in a background thread.

Fakes are exercised over real HTTP, so timeouts, connection errors and
encodings behave as they would against a real meeting server. Port 0 lets
the OS pick a free port, so tests can run in parallel.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

WSGIApp = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # A slow answer must not hold up the others, nor keep the process alive at exit.
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connections from a pool of 32 under load.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up (a test's read timeout) is the point of some tests, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


@dataclass
class RunningServer:
    url: str
    port: int
    _server: WSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serve(app: WSGIApp, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    actual_port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.02},
        name=f"fake-server-{actual_port}",
        daemon=True,
    )
    thread.start()
    running = RunningServer(
        url=f"http://{host}:{actual_port}", port=actual_port, _server=server, _thread=thread
    )
    try:
        yield running
    finally:
        running.stop()


# --- what every fake's plumbing and control endpoints share ------------------------

#: What a fake can be told to do (a fake that cannot do one lists fewer): answer
#: normally, refuse connections, answer after ``delay``, act then answer too late,
#: act then drop the connection mid-answer, or answer nonsense.
MODES = ("ok", "down", "slow", "late", "reset", "garbage")


class HTTPError(Exception):
    """Answer at once with this status and the message as plain text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes as a real server would."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise HTTPError(400, "bad Content-Length") from None
    if length > limit:
        raise HTTPError(413, "request body too large")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def control_data(raw: bytes) -> dict[str, Any]:
    """A control endpoint's JSON object (``/_fake/...``); empty when no body came."""
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise HTTPError(400, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise HTTPError(400, "the body must be a JSON object")
    return data


def set_mode(fake: Any, data: dict[str, Any], modes: tuple[str, ...] = MODES) -> None:
    """``POST /_fake/mode``: the fake's mode, and its ``delay`` and ``latency`` (seconds)
    where it has them; nothing changes when any of them is wrong."""
    mode = data.get("mode", fake.mode)
    if mode not in modes:
        raise HTTPError(400, f"mode must be one of {', '.join(modes)}")
    timings = {}
    for name in ("delay", "latency"):
        if hasattr(fake, name):
            try:
                timings[name] = float(data.get(name, getattr(fake, name)))
            except (TypeError, ValueError):
                raise HTTPError(400, f"{name} is seconds") from None
    for name, value in timings.items():
        setattr(fake, name, value)
    fake.mode = mode


def run_until_stopped(
    app: WSGIApp, *, host: str, port: int, describe: Callable[[RunningServer], list[str]]
) -> int:
    """Serve ``app`` until SIGINT or SIGTERM (a fake's command line, `make run`'s Procfile),
    having printed ``describe(server)``: where it is and how to sign in."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with serve(app, host=host, port=port) as server:
        for line in describe(server):
            print(line, flush=True)
        while not stop.wait(0.5):
            pass
    return 0
