"""Fixtures for the meeting-server clients: a fake TurboMeeting on a real socket."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
from collections.abc import Callable, Iterator

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
def make_client(
    fake: FakeTurboMeeting, sleeps: list[float]
) -> Iterator[Callable[..., TurboMeeting]]:
    """Clients configured with the fake's credentials, short timeouts and no real sleeping."""
    clients: list[TurboMeeting] = []

    def make(url: str, **options: object) -> TurboMeeting:
        settings: dict[str, object] = {
            "service_company_uid": fake.partner_id,
            "integration_code": fake.integration_code,
            "admin_email": fake.admin_email,
            "admin_password": fake.admin_password,
            "connect_timeout": 0.5,
            "read_timeout": 1.0,
            "sleep": sleeps.append,
        }
        client = TurboMeeting(url, **(settings | options))  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


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
def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
