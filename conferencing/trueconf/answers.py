"""Reading TrueConf's answers: JSON objects, its error shape, participant lists, schedules.

Every way an answer can be wrong raises ``BadServerResponse``; a refusal becomes
``ServerRefused`` (``CredentialsRefused`` for the portal's own credentials) with
the server's first ``reason``, and a refused access token ``TokenRefused``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypeGuard

from conferencing.base import BadServerResponse, CredentialsRefused, ServerRefused
from conferencing.http import Answer, Endpoint

ACCEPT = {"Accept": "application/json"}
#: The reason a server gives, with a 403, for a token it no longer accepts.
TOKEN_INVALID = "accessTokenInvalid"
#: Schedule types: a permanent virtual room, and a one-time event.
ROOM, ONE_TIME = -1, 1


class TokenRefused(Exception):
    """The API refused the access token (not the client credentials): fetch another."""


def read_answer(answer: Answer, endpoint: Endpoint) -> Any:
    """The answer's JSON, or the typed error its status and error object amount to."""
    where = f"{endpoint.method} {endpoint.path}"
    status = answer.status_code
    if answer.is_success:
        return json_of(answer.content, where)
    if status == 401:
        raise TokenRefused
    if 400 <= status < 500:
        reason, message = error_reason(answer.content, where, status)
        if status == 403 and reason == TOKEN_INVALID:
            raise TokenRefused
        error_class = CredentialsRefused if status == 403 else ServerRefused
        error = error_class(reason, status=str(status))
        if message:
            error.add_note(message)
        raise error
    raise BadServerResponse(f"{where}: HTTP {status}")


def json_of(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise BadServerResponse(f"{where}: the answer is not JSON") from None


def json_object(data: Any, name: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadServerResponse(f"{name}: the answer is not a JSON object")
    return data


def conference_of(data: Any, name: str) -> dict[str, Any]:
    conference = json_object(data, name).get("conference")
    if not isinstance(conference, dict):
        raise BadServerResponse(f"{name}: the answer has no conference object")
    return conference


def text_of(data: dict[str, Any], key: str, name: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # IDs are strings, but a number is the same ID
    if not isinstance(value, str) or not value.strip():
        raise BadServerResponse(f"{name}: the answer has no {key}")
    return value.strip()


def optional_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def participant_count(data: Any) -> int:
    """How many are connected: ``cnt`` when the server counts, else the list's length.

    v3 answers ``{"participants": [...]}``; newer servers ``{"list": [...], "cnt": N}``
    or a bare list: all three are read.
    """
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        count = data.get("cnt")
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            return count
        for key in ("participants", "list"):
            if isinstance(data.get(key), list):
                return len(data[key])
    raise BadServerResponse("meeting_status: the participant list is missing")


def schedule_times(schedule: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A one-time schedule's start and end; none for rooms and weekly schedules."""
    if not isinstance(schedule, dict) or schedule.get("type") != ONE_TIME:
        return None, None
    start, duration = schedule.get("start_time"), schedule.get("duration")
    if not (_is_int(start) and _is_int(duration)):
        raise BadServerResponse("meeting_status: a one-time schedule without start_time/duration")
    begins = dt.datetime.fromtimestamp(start, dt.UTC)
    return begins, begins + dt.timedelta(seconds=duration)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def error_reason(raw: bytes, where: str, status: int) -> tuple[str, str]:
    """The first ``reason`` of a TrueConf error object, and its message."""
    try:
        error = json.loads(raw)["error"]
        first = error.get("errors") or [{}]
        reason = first[0].get("reason") or error.get("message")
        message = first[0].get("message") or error.get("message") or ""
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise BadServerResponse(f"{where}: HTTP {status} without an error object") from None
    if not isinstance(reason, str) or not reason.strip():
        raise BadServerResponse(f"{where}: HTTP {status} without an error reason")
    return reason.strip(), message if isinstance(message, str) else ""


def oauth_reason(raw: bytes) -> str:
    """The token endpoint's refusal (OAuth 2.0: ``error`` and ``error_description``)."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error_description", "error", "reason"):
            if isinstance(data.get(key), str) and data[key].strip():
                return data[key].strip()
    return "the server refused the client credentials"
