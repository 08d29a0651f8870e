"""A real webhook receiver for tests: an http.server on a loopback port, in a thread,
that verifies every request with the standardwebhooks library, as a customer's would."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    """Answers ``answer`` (204) to each POST; ``fault`` makes it misbehave instead:
    "error" answers 503, "slow" waits ``slow_seconds`` before answering, "reset" closes
    the connection without an answer. ``stop()`` takes it off the network (refused).

    ``received``: (webhook-id, parsed body) of each request whose signature verified
    with one of ``secrets``; ``unverified``: the reasons of each that did not.
    """

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets = list(secrets or [])
        self.received: list[tuple[str, dict]] = []
        self.unverified: list[str] = []
        self.requests: list[tuple[bytes, dict[str, str]]] = []  # every one, as it came
        self.fault = ""
        self.slow_seconds = 1.0
        self.lock = threading.Lock()
        with socket.socket() as probe:  # a free port, kept across stop() and start()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fault == "reset":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if receiver.fault == "slow":
                    time.sleep(receiver.slow_seconds)
                receiver.verify(body, dict(self.headers))
                self.send_response(503 if receiver.fault == "error" else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def verify(self, body: bytes, headers: dict[str, str]) -> None:
        """Record the request if any secret verifies it (only "error" answers count too:
        a 503 means the receiver did not take it)."""
        reasons = []
        with self.lock:
            self.requests.append((body, headers))
        for secret in self.secrets:
            try:
                payload = Webhook(secret).verify(body, headers)
            except WebhookVerificationError as exc:
                reasons.append(str(exc))
                continue
            if self.fault != "error":
                with self.lock:
                    self.received.append((headers["webhook-id"], payload))
            return
        with self.lock:
            self.unverified.append("; ".join(reasons) or "no secret")

    def ids_by_event(self) -> dict[tuple, set[str]]:
        """Each distinct event received (type and subject), with the webhook-ids it came under."""
        seen: dict[tuple, set[str]] = {}
        for message_id, payload in self.received:
            key = (payload["type"], json.dumps(payload["data"], sort_keys=True))
            seen.setdefault(key, set()).add(message_id)
        return seen
