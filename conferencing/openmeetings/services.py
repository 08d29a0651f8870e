"""OpenMeetings' REST services as the portal's own user: the SID, and what answers mean.

- Every call but login carries a SID (``?sid=``) from ``/user/login``. SIDs
  time out after about 30 minutes idle; a bad or expired one, or a user without
  the SOAP right, is refused with HTTP 500 and ``serviceResult`` ``error.notallowed``.
  The SID is cached, renewed after ``SID_IDLE_LIMIT`` unused, and renewed once
  when refused; refused again, the portal's credentials are at fault.
- The login is a POST from 9.0 (form ``user``, ``pass``); earlier servers take
  GET only and answer a POST with 405, so the client falls back to GET once and
  remembers (the password then travels in a URL: the old API allows nothing else).
- Every ``ServiceException`` is HTTP 500 with ``{"serviceResult": {"message",
  "type": "ERROR"}}``: a 500 with that body is a refusal, not an outage.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from conferencing.base import BadServerResponse, CredentialsRefused, ServerRefused
from conferencing.http import Answer, Endpoint, Transport

log = logging.getLogger(__name__)

#: Log in afresh rather than reuse a SID unused this long (the server drops it at 30 minutes).
SID_IDLE_LIMIT = 25 * 60
#: The server's answers when a SID is unknown, expired or lacks the SOAP right
#: (the second is what 3.x servers said).
SESSION_REFUSED = frozenset({"error.notallowed", "Insufficient permissions"})
# Query and form values never written to logs or error messages.
SECRET_PARAMS = frozenset({"pass", "sid"})
ACCEPT = {"Accept": "application/json"}


class SessionRefused(ServerRefused):
    """The SID was refused: log in again, once."""


class HTTPStatus(BadServerResponse):
    """An HTTP status that is neither an answer nor an outage (404, 405, ...)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Services:
    """Calls with the portal's SID; ``login`` makes a new one (a room hash needs its own)."""

    def __init__(
        self,
        http: Transport,
        login: Endpoint,
        *,
        user: str,
        password: str,
        clock: Callable[[], float],
    ) -> None:
        self.http, self.user = http, user
        self._login_endpoint = login
        self._credentials = {"user": user, "pass": password}
        self._clock = clock
        self._lock = threading.Lock()
        self._sid = ""
        self._sid_used = 0.0
        self._login_by_get = False  # learnt from a pre-9.0 server's 405

    def login(self) -> str:
        """A new SID for the portal's own user; a refusal is the portal's credentials' fault."""
        endpoint = self._login_endpoint
        if self._login_by_get:
            endpoint = replace(endpoint, method="GET")
        try:
            if endpoint.method == "GET":
                data = self.exchange(endpoint, query=self._credentials)
            else:
                data = self.exchange(endpoint, form=self._credentials)
        except SessionRefused as exc:
            raise CredentialsRefused(exc.reason) from None
        except HTTPStatus as exc:
            if exc.status != 405 or self._login_by_get:
                raise
            log.info("login by POST refused with 405: using GET (a server before 9.0)")
            self._login_by_get = True
            return self.login()
        result = service_result(data, "login")
        if result.get("type") != "SUCCESS":
            raise CredentialsRefused(reason_of(result, "the server refused the login"))
        sid = result.get("message")
        if not isinstance(sid, str) or not sid.strip():
            raise BadServerResponse("login: the answer has no SID")
        return sid.strip()

    def call(
        self,
        endpoint: Endpoint,
        name: str,
        *,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """Call ``endpoint`` with the cached SID; when it is refused, log in again once.

        The server checks the SID before it acts, so a refused write was not done and
        may be sent again.
        """
        sid = self._cached_sid(renew=False)
        try:
            return self.exchange(endpoint, query={"sid": sid, **(query or {})}, form=form)
        except SessionRefused:
            log.info("%s: the session was refused; logging in again", name)
        sid = self._cached_sid(renew=True, refused=sid)
        try:
            return self.exchange(endpoint, query={"sid": sid, **(query or {})}, form=form)
        except SessionRefused as exc:
            raise CredentialsRefused(
                f"{name}: a new session was refused too ({exc.reason}): does "
                f"{self.user!r} have the SOAP right?"
            ) from None

    def exchange(
        self,
        endpoint: Endpoint,
        *,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """Send (the transport resends reads while the server is unreachable); the JSON back."""
        answer = self.http.send(endpoint, params=query, data=form, headers=ACCEPT)
        where = f"{endpoint.method} {endpoint.path}"
        if not answer.is_success:
            raise HTTPStatus(f"{where}: HTTP {answer.status_code}", answer.status_code)
        try:
            return json.loads(answer.content)
        except ValueError:
            raise BadServerResponse(f"{where}: the answer is not JSON") from None

    def _cached_sid(self, *, renew: bool, refused: str = "") -> str:
        with self._lock:
            stale = self._clock() - self._sid_used > SID_IDLE_LIMIT
            if renew and self._sid == refused:
                self._sid = ""
            if not self._sid or stale:
                self._sid = self.login()
            self._sid_used = self._clock()
            return self._sid


# --- what answers mean ---------------------------------------------------------------


def service_result(data: Any, name: str) -> dict[str, Any]:
    result = data.get("serviceResult") if isinstance(data, dict) else None
    if not isinstance(result, dict) or result.get("type") not in ("SUCCESS", "ERROR"):
        raise BadServerResponse(f"{name}: the answer is not a serviceResult")
    return result


def service_message(data: Any, name: str) -> str:
    """The message of a SUCCESS serviceResult; an ERROR one is a refusal."""
    result = service_result(data, name)
    if result["type"] == "ERROR":
        refuse(result)
    message = result.get("message")
    return str(message).strip() if message is not None else ""


def service_exception(answer: Answer) -> None:
    """A ServiceException is a 500 with an ERROR serviceResult: the server said no.
    Any other 5xx is an outage (the transport's to say)."""
    try:
        data = json.loads(answer.content)
    except ValueError:
        return
    result = data.get("serviceResult") if isinstance(data, dict) else None
    if isinstance(result, dict) and result.get("type") == "ERROR":
        refuse(result)


def refuse(result: dict[str, Any]) -> None:
    """Raise the refusal an ERROR serviceResult is."""
    reason = reason_of(result, "the server gave no reason")
    if reason in SESSION_REFUSED:
        raise SessionRefused(reason)
    raise ServerRefused(reason, status="ERROR")


def reason_of(result: dict[str, Any], default: str) -> str:
    message = result.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    if result.get("code") is not None:  # 3.x/4.x: a numeric code, no message
        return f"error code {result['code']}"
    return default
