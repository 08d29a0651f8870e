"""Run a WSGI app on a real socket in a background thread.

Fakes are exercised over real HTTP, so timeouts, connection errors and
encodings behave as they would against a real meeting server. Port 0 lets
the OS pick a free port, so tests can run in parallel.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl
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


JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
#: What a proxy in front of a sick server sends (mode ``garbage``): HTML, not even well-formed.
GARBAGE = b"<!DOCTYPE html><html><body><p>502 Bad Gateway<br></body></html>"
#: What a fake's vendor side answers: status, content type, body and extra headers.
Answer = tuple[int, str, bytes, list[tuple[str, str]]]


def json_answer(data: Any) -> tuple[int, str, bytes]:
    return 200, JSON, json.dumps(data, default=str, indent=1).encode()


class FakeServer:
    """What every fake shares: the WSGI entry point and the control endpoints.

    A fake speaks its vendor's protocol in :meth:`vendor_answer` and states what it is in
    :meth:`snapshot`, ``set_live`` and ``set_ended``. Below ``/_fake/`` every fake
    answers JSON: ``GET state``, ``POST mode`` (:func:`set_mode`), ``POST
    meetings/<id>/live`` (``{"attendees": n}``) and ``POST meetings/<id>/end``, and
    whatever :meth:`control_actions` adds.
    """

    mode: str
    #: The modes this fake can be put in.
    modes: tuple[str, ...] = MODES
    #: The largest request body it reads.
    max_body: int = 1_000_000
    #: What a meeting's id looks like in ``/_fake/meetings/<id>/...``.
    meeting_id_pattern: str = r"[^/]+"
    #: How many people ``live`` puts in a meeting when the body names none (None: the
    #: fake's own default).
    default_attendees: int | None = 2

    def vendor_answer(self, environ: dict[str, Any], path: str) -> Answer:
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        raise NotImplementedError

    #: ``set_live(meeting_id, attendees=n)``: people in the meeting now.
    set_live: Callable[..., None]
    #: ``set_ended(meeting_id)``: the meeting is over; KeyError when there is none.
    set_ended: Callable[[str], None]

    def control_actions(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        """The fake's own ``POST /_fake/...`` endpoints: path -> what answers the body."""
        return {}

    def misbehave(self, server: str = "the meeting server") -> tuple[int, str, bytes] | None:
        """What the mode does to a vendor call before the fake acts on it: ``latency``
        (where the fake has one) always, then 503 when down, ``delay`` when slow; garbage
        to answer instead, when that is the mode."""
        time.sleep(getattr(self, "latency", 0.0))
        if self.mode == "down":
            raise HTTPError(503, f"{server} is down (fake mode 'down')")
        if self.mode == "slow":
            time.sleep(getattr(self, "delay", 0.0))
        return (200, HTML, GARBAGE) if self.mode == "garbage" else None

    def go_live(self, meeting_id: str, data: dict[str, Any]) -> None:
        attendees = data.get("attendees", self.default_attendees)
        self.set_live(meeting_id, attendees=None if attendees is None else int(attendees))

    def meeting_state(self, meeting_id: str) -> Any:
        """What ``live`` and ``end`` answer: the meeting in the snapshot."""
        return self.snapshot()["meetings"][meeting_id]

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        control = path.startswith("/_fake/")
        headers: list[tuple[str, str]] = []
        try:
            if control:
                status, content_type, body = self._control(environ, path)
            else:
                status, content_type, body, headers = self.vendor_answer(environ, path)
        except HTTPError as exc:
            status, content_type, body = exc.status, TEXT, str(exc).encode()
        length = len(body)
        if self.mode == "reset" and not control:
            body = body[: length // 2]  # promised in full, then the connection closes
        headers = [("Content-Type", content_type), ("Content-Length", str(length)), *headers]
        start_response(f"{status} {_reason(status)}", headers)
        return [body]

    def _control(self, environ: dict[str, Any], path: str) -> tuple[int, str, bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path == "/_fake/state":
            if method != "GET":
                raise HTTPError(405, "GET only")
            return json_answer(self.snapshot())
        if method != "POST":
            raise HTTPError(405, "POST only")
        data = control_data(read_body(environ, self.max_body))
        if path == "/_fake/mode":
            set_mode(self, data, self.modes)
            return json_answer(self.snapshot())
        action = self.control_actions().get(path)
        if action is not None:
            return json_answer(action(data))
        match = re.fullmatch(rf"/_fake/meetings/({self.meeting_id_pattern})/(live|end)", path)
        if match is None:
            raise HTTPError(404, f"no such control endpoint: {path[:100]}")
        meeting_id, verb = match.groups()
        try:
            if verb == "live":
                self.go_live(meeting_id, data)
            else:
                self.set_ended(meeting_id)
        except KeyError:
            raise HTTPError(404, "unknown meeting") from None
        except (TypeError, ValueError):
            raise HTTPError(400, "attendees must be an integer") from None
        return json_answer(self.meeting_state(meeting_id))


def form_params(text: str) -> dict[str, str]:
    """A query string or form body, UTF-8, the first of each name (a 400 when not UTF-8)."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise HTTPError(400, "parameters are not UTF-8") from None
    params: dict[str, str] = {}
    for key, value in pairs:
        params.setdefault(key, value)
    return params


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def arguments(description: str, *, port: int, latency: bool = True) -> argparse.ArgumentParser:
    """A fake's command line: where it listens, and its latency where it has one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    if latency:
        parser.add_argument(
            "--latency", type=float, default=0.0, help="seconds added to every call"
        )
    return parser


def run_fake(
    fake: Any, args: argparse.Namespace, describe: Callable[[RunningServer], list[str]]
) -> int:
    """Serve ``fake`` as its command line says (see :func:`arguments`)."""
    if hasattr(args, "latency"):
        fake.latency = args.latency
    return run_until_stopped(fake, host=args.host, port=args.port, describe=describe)


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
