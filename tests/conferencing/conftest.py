"""Fixtures for the meeting-server clients: a fake TurboMeeting on a real socket."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conferencing.fakes.server import RunningServer, serve
from conferencing.fakes.turbomeeting import FakeTurboMeeting
from conferencing.turbomeeting import TurboMeeting

T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)  # where every test's clock starts


class Clock:
    """A clock tests move by hand, so meeting lifecycles need no sleeping."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def fake(clock: Clock) -> FakeTurboMeeting:
    return FakeTurboMeeting(clock=clock)


@pytest.fixture
def server(fake: FakeTurboMeeting) -> Iterator[RunningServer]:
    with serve(fake) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff delays a client asked for (its sleep is injected, so tests stay fast)."""
    return []


@pytest.fixture
def make_backend(sleeps: list[float]) -> Iterator[Callable[..., Any]]:
    """``make_backend(cls, url, **options)``: a backend with short timeouts and no real
    sleeping (``options`` may say otherwise), closed after the test."""
    backends: list[Any] = []

    def make(cls: type, url: str, **options: object) -> Any:
        settings = {"connect_timeout": 0.5, "read_timeout": 1.0, "sleep": sleeps.append}
        backend = cls(url, **(settings | options))
        backends.append(backend)
        return backend

    yield make
    for backend in backends:
        backend.close()


@pytest.fixture
def make_client(
    fake: FakeTurboMeeting, make_backend: Callable[..., Any]
) -> Callable[..., TurboMeeting]:
    """Clients configured with the fake's credentials, short timeouts and no real sleeping."""
    return lambda url, **options: make_backend(
        TurboMeeting, url, **(fake.backend_options() | options)
    )


@pytest.fixture
def tm(server: RunningServer, make_client: Callable[..., TurboMeeting]) -> TurboMeeting:
    return make_client(server.url)


@pytest.fixture
def stub() -> Iterator[Callable[..., RunningServer]]:
    """Serve a fixed answer, for what the fake never says (404s, missing fields, ...)."""
    with contextlib.ExitStack() as stack:

        def start(
            body: bytes, *, status: str = "200 OK", headers: list[tuple[str, str]] | None = None
        ) -> RunningServer:
            def app(environ, start_response):
                start_response(status, headers or [("Content-Type", "text/xml")])
                return [body]

            return stack.enter_context(serve(app))

        yield start


@pytest.fixture
def fake_process() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``fake_process(module, *args)``: that fake's command line in a process of its own,
    on a port the OS picks, its output unbuffered; killed after the test if it still runs."""
    processes: list[subprocess.Popen[str]] = []

    def start(module: str, *args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--port", "0", *args],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
