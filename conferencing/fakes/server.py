"""Run a WSGI app on a real socket in a background thread.

Fakes are exercised over real HTTP, so timeouts, connection errors and
encodings behave as they would against a real meeting server. Port 0 lets
the OS pick a free port, so tests can run in parallel.
"""

from __future__ import annotations

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
