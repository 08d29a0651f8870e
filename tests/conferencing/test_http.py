"""The one HTTP transport every backend uses: session, timeouts, resending, body cap, errors.

Against a real server on a socket (``conferencing.fakes.server.serve``) that
records what it was sent and can be told to fail the ways a meeting server does.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
import requests

from conferencing.base import (
    BadServerResponse,
    OutcomeUnknown,
    ServerRefused,
    ServerUnavailable,
)
from conferencing.fakes.server import serve
from conferencing.http import Endpoint, Transport, base_url_checked, retry_delay

READ = Endpoint("/r", retry_safe=True)
WRITE = Endpoint("/w", "POST")
TOKEN = "s3cret-token-value"
PASSWORD = "pa55word-value"


class Scripted:
    """A WSGI app that records every request and answers as its ``mode`` says.

    ok: 200 with ``body``; down: 503; slow: waits ``delay`` first; late: records,
    then waits ``delay`` (the work is done, the answer comes too late); reset:
    promises the whole body and sends half; redirect: 302 elsewhere; broken_gzip:
    a body that claims gzip but is not.
    """

    def __init__(self) -> None:
        self.mode, self.delay, self.body, self.status = "ok", 1.0, b"{}", "200 OK"
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], query, body))
        headers = [("Content-Type", "application/json")]
        if self.mode == "down":
            start_response("503 Service Unavailable", headers)
            return [b"down"]
        if self.mode in ("slow", "late"):
            time.sleep(self.delay)
        if self.mode == "redirect":
            start_response("302 Found", [("Location", "http://127.0.0.1:9/elsewhere")])
            return [b""]
        if self.mode == "broken_gzip":
            start_response("200 OK", [("Content-Encoding", "gzip"), ("Content-Length", "9")])
            return [b"not gzip!"]
        if self.mode == "reset":
            start_response(self.status, [*headers, ("Content-Length", str(len(self.body)))])
            return [self.body[: len(self.body) // 2]]
        start_response(self.status, headers)
        return [self.body]


class RecordingSession(requests.Session):
    """A session that keeps the keywords of every request it was asked to make."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def request(self, method, url, **kwargs):
        self.calls.append(kwargs)
        return super().request(method, url, **kwargs)


@pytest.fixture
def app() -> Scripted:
    return Scripted()


@pytest.fixture
def server(app: Scripted) -> Iterator[str]:
    with serve(app) as running:
        yield running.url


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make(sleeps: list[float]) -> Iterator:
    made: list[Transport] = []

    def transport(url: str, **options) -> Transport:
        settings = {"connect_timeout": 0.5, "read_timeout": 1.0, "sleep": sleeps.append}
        made.append(Transport(url, **(settings | options)))
        return made[-1]

    yield transport
    for each in made:
        each.close()


def test_an_answer_carries_status_headers_and_body(app, server, make):
    app.body = b'{"ok": true}'
    answer = make(server).send(READ, params={"a": "1"})
    assert (answer.status_code, answer.content, answer.is_success) == (200, b'{"ok": true}', True)
    assert answer.headers["content-type"] == "application/json"  # any case, as in HTTP
    assert app.requests == [("GET", "/r", {"a": "1"}, b"")]


def test_bodies_go_as_form_json_or_files_and_paths_are_filled_in_quoted(app, server, make):
    transport = make(server + "/api/")  # the base URL keeps its path, not its trailing "/"
    transport.send(WRITE, data={"x": "1"})
    transport.send(Endpoint("/rooms/{id}", "PUT").at(id="a/b c"), json={"y": 2})
    transport.send(WRITE, files={"slides": ("deck.txt", b"page one")})
    assert app.requests[:2] == [
        ("POST", "/api/w", {}, b"x=1"),
        ("PUT", "/api/rooms/a/b c", {}, b'{"y": 2}'),  # sent as a%2Fb%20c, decoded by WSGI
    ]
    assert b'filename="deck.txt"' in app.requests[2][3] and b"page one" in app.requests[2][3]


def test_owns_one_pooled_session_without_adapter_retries():
    transport = Transport("http://tm.example", pool_size=7)
    adapter = transport.session.get_adapter("http://tm.example/")
    assert adapter.max_retries.total == 0  # retries are the transport's, never urllib3's
    assert adapter._pool_maxsize == 7
    transport.close()


def test_a_session_given_is_used_and_not_closed(app, server, make):
    session = RecordingSession()
    make(server, session=session, connect_timeout=1.5, read_timeout=4.0).close()
    transport = make(server, session=session, connect_timeout=1.5, read_timeout=4.0)
    transport.send(READ)
    transport.send(WRITE, data={"a": "b"})
    transport.send(READ, read_body=False)
    assert [call["timeout"] for call in session.calls] == [(1.5, 4.0)] * 3
    assert all(call["allow_redirects"] is False for call in session.calls)
    session.close()


def test_a_redirect_is_an_answer_never_followed(app, server, make):
    app.mode = "redirect"
    answer = make(server).send(READ)
    assert answer.status_code == 302 and len(app.requests) == 1


def test_the_pooled_session_never_follows_a_redirect_whatever_the_call_asks(app, server):
    app.mode = "redirect"
    transport = Transport(server)
    assert transport.session.get(f"{server}/api", allow_redirects=True).status_code == 302
    assert transport.session.post(f"{server}/api").status_code == 302
    assert [path for _, path, _, _ in app.requests] == ["/api", "/api"]
    transport.close()


# --- outages, and the resend rule ----------------------------------------------------


def test_a_down_server_is_unavailable_and_only_reads_are_resent(app, server, make, sleeps):
    app.mode = "down"
    transport = make(server)
    with pytest.raises(ServerUnavailable, match="GET /r: HTTP 503"):
        transport.send(READ)
    assert len(app.requests) == 3 and sleeps == [0.2, 0.4]
    sleeps.clear()
    with pytest.raises(ServerUnavailable, match="POST /w: HTTP 503"):
        transport.send(WRITE)
    assert len(app.requests) == 4 and sleeps == []
    with pytest.raises(ServerUnavailable):
        transport.send(READ, read_body=False)  # "is it there?" is a read too
    assert len(app.requests) == 7


def test_a_resent_read_succeeds_when_the_server_comes_back(app, server, make):
    def recover(seconds: float) -> None:
        app.mode = "ok"

    app.mode = "down"
    assert make(server, sleep=recover).send(READ).is_success
    assert len(app.requests) == 2


def test_retries_and_backoff_are_settings(app, server, make, sleeps):
    app.mode = "down"
    with pytest.raises(ServerUnavailable):
        make(server, retries=3, backoff=0.5).send(READ)
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_refused_connection_is_unavailable_never_an_unknown_outcome(make, sleeps, closed_port):
    transport = make(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(ServerUnavailable, match="could not connect") as refused:
        transport.send(WRITE)
    assert not isinstance(refused.value, OutcomeUnknown)  # never sent: safe to send again
    assert sleeps == []
    with pytest.raises(ServerUnavailable):
        transport.send(READ)
    assert sleeps == [0.2, 0.4]


def test_a_slow_server_is_an_unknown_outcome_and_a_read_is_resent(app, server, make):
    app.mode = "slow"
    transport = make(server, read_timeout=0.1, retries=1)
    with pytest.raises(OutcomeUnknown, match="no answer in time"):
        transport.send(WRITE)
    with pytest.raises(OutcomeUnknown, match="no answer in time"):
        transport.send(READ)
    deadline = time.monotonic() + 5  # the server may log the resend after the client gave up
    while len(app.requests) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [method for method, *_ in app.requests] == ["POST", "GET", "GET"]


@pytest.mark.parametrize("mode", ["late", "reset"])
def test_a_write_whose_answer_is_lost_is_an_unknown_outcome_and_not_resent(
    app, server, make, sleeps, mode
):
    """The server did it, but the client cannot know: "unavailable" alone would have the
    write sent again."""
    app.mode, app.body = mode, b"x" * 100_000
    with pytest.raises(OutcomeUnknown):
        make(server, read_timeout=0.2).send(WRITE)
    assert len(app.requests) == 1 and sleeps == []


# --- what came back ------------------------------------------------------------------


def test_a_runaway_answer_is_cut_short(app, server, make, sleeps):
    app.body = b"x" * 2000
    with pytest.raises(BadServerResponse, match="larger than 1000 bytes"):
        make(server, max_body=1000).send(READ)
    assert sleeps == []  # asking again will not make it smaller


def test_a_broken_content_encoding_is_a_bad_response(app, server, make):
    app.mode = "broken_gzip"
    with pytest.raises(BadServerResponse, match="content encoding"):
        make(server).send(READ)
    app.mode, app.body = "ok", zlib.compress(b"fine")
    assert make(server).send(READ).content == zlib.compress(b"fine")  # not an encoding: bytes


def test_other_statuses_are_the_clients_to_read(app, server, make, sleeps):
    app.status, app.body = "404 Not Found", b"nope"
    answer = make(server).send(READ)
    assert (answer.status_code, answer.content, answer.is_success) == (404, b"nope", False)
    assert sleeps == []


def test_a_server_error_hook_reads_a_5xx_that_is_a_refusal(app, server, make, sleeps):
    def refusal(answer) -> None:
        if answer.content.startswith(b"refused"):
            raise ServerRefused(answer.content.decode())

    app.status, app.body = "500 Internal Server Error", b"refused: not allowed"
    transport = make(server, server_error=refusal)
    with pytest.raises(ServerRefused, match="not allowed"):
        transport.send(READ)
    assert len(app.requests) == 1  # a refusal is not resent
    app.body = b"<html>oops</html>"
    with pytest.raises(ServerUnavailable, match="HTTP 500"):
        transport.send(READ)
    assert len(app.requests) == 4 and sleeps == [0.2, 0.4]


# --- secrets -------------------------------------------------------------------------


def test_secrets_never_reach_logs_or_error_texts(app, server, make, caplog, closed_port):
    caplog.set_level(logging.DEBUG)
    secrets = {"access_token", "pass", "Authorization"}
    transport = make(server, secrets=secrets)
    query = {"access_token": TOKEN, "room": "7"}
    form = {"user": "admin", "pass": PASSWORD}
    transport.send(WRITE, params=query, data=form, headers={"Authorization": f"Bearer {TOKEN}"})
    errors = []
    for mode in ("down", "slow", "reset"):
        app.mode = mode
        with pytest.raises(ServerUnavailable) as caught:
            make(server, secrets=secrets, read_timeout=0.1, retries=0).send(
                READ, params=query, data=form
            )
        errors.append(caught.value)
    with pytest.raises(ServerUnavailable) as caught:
        make(f"http://127.0.0.1:{closed_port}", secrets=secrets).send(READ, params=query)
    errors.append(caught.value)

    texts = [caplog.text]
    for error in errors:
        texts.append(str(error))
        # Nothing chained: a requests exception's text names the URL, with its query.
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
    assert "POST /w -> HTTP 200" in caplog.text and "'room': '7'" in caplog.text
    assert not any(secret in text for text in texts for secret in (TOKEN, PASSWORD))


def test_an_answer_redacts_what_the_request_sent_as_secret(app, server, make):
    answer = make(server, secrets={"code"}).send(WRITE, data={"code": PASSWORD, "name": "Ann"})
    assert answer.redact(f"bad code {PASSWORD} for Ann") == "bad code *** for Ann"


# --- the rules, on their own -----------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "error", "attempt", "expected"),
    [
        (READ, ServerUnavailable("x"), 0, 0.5),
        (READ, ServerUnavailable("x"), 1, 1.0),
        (READ, ServerUnavailable("x"), 2, 2.0),
        (READ, ServerUnavailable("x"), 3, None),
        (READ, OutcomeUnknown("x"), 0, 0.5),
        (READ, ServerRefused("no"), 0, None),
        (READ, BadServerResponse("junk"), 0, None),
        (WRITE, ServerUnavailable("x"), 0, None),
    ],
)
def test_retry_rule(endpoint, error, attempt, expected):
    assert retry_delay(endpoint, error, attempt, retries=3, backoff=0.5) == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tm.example",
        "https://",
        "tm.example",
        "https://tm.example/?",
        "https://tm.example/#",
        "http://169.254.169.254/latest/meta-data?x=",
        "https://user:password@tm.example",
        "https://tm.example:99999",
    ],
)
def test_a_base_url_the_backends_paths_cannot_be_appended_to_is_refused(url):
    with pytest.raises(ValueError) as refused:
        Transport(url)
    assert "tm.example" not in str(refused.value)  # not repeated: it may hold a password


def test_a_base_url_keeps_its_path_and_loses_its_trailing_slash():
    assert base_url_checked("https://tm.example:8443/portal/") == "https://tm.example:8443/portal"
