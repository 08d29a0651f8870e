"""BigBlueButton's API protocol: checksums and the XML answers, in plain Python.

From the API reference (docs.bigbluebutton.org, "API Reference"):

- every call is ``GET {base}/api/{call}?{query}&checksum={hex}``; the checksum is a
  hash of ``call + query + secret``, where ``query`` is the query string exactly as
  sent, without the checksum. SHA-1 is what every server takes; the server's
  ``supportedChecksumAlgorithms`` setting may add (or leave only) SHA-256, SHA-384
  and SHA-512, which it tells apart by the checksum's length;
- every answer is ``<response><returncode>SUCCESS|FAILED</returncode>...``, a
  failure with a ``<messageKey>`` naming it and a ``<message>`` for people
  (``checksumError``, ``notFound``, ``invalidMeetingIdentifier``, ...), with HTTP 200.

The fake server (conferencing/fakes/bigbluebutton.py) checks checksums and writes
answers with code of its own, and is itself held against an independent client
(npm's bigbluebutton-js: tests/conferencing/bigbluebutton_js.cjs).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from defusedxml import ElementTree as SafeET

from conferencing.base import BadServerResponse, CredentialsRefused, ServerRefused

#: Checksum algorithms by name (the server tells them apart by the checksum's length).
ALGORITHMS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


class MeetingNotRunning(ServerRefused):
    """The server holds no such meeting: it never started, or it ended (``notFound``,
    ``invalidMeetingIdentifier``)."""


#: What each messageKey of a FAILED answer means to the portal; any other is a refusal.
ERRORS: dict[str, type[ServerRefused]] = {
    "checksumError": CredentialsRefused,  # the portal's secret is not the server's
    "notFound": MeetingNotRunning,
    "invalidMeetingIdentifier": MeetingNotRunning,
}


def checksum(call: str, query: str, secret: str, algorithm: str = "sha256") -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"checksum algorithm must be one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[algorithm]((call + query + secret).encode()).hexdigest()


def signed_query(call: str, params: dict[str, str], secret: str, algorithm: str) -> str:
    """``params`` as a query string, with its checksum last."""
    query = urlencode(params)
    sign = checksum(call, query, secret, algorithm)
    return f"{query}&checksum={sign}" if query else f"checksum={sign}"


def parse(body: bytes, call: str) -> ET.Element:
    """The ``<response>`` of a SUCCESS answer; a FAILED one raises its typed error."""
    try:
        root = SafeET.fromstring(body)
    except (ET.ParseError, ValueError) as exc:  # defusedxml's refusals are ValueErrors
        raise BadServerResponse(f"{call}: the answer is not XML ({type(exc).__name__})") from None
    if root.tag != "response":
        raise BadServerResponse(f"{call}: the answer is not a <response>")
    code = text(root, "returncode")
    if code == "SUCCESS":
        return root
    if code != "FAILED":
        raise BadServerResponse(f"{call}: the answer has no returncode")
    key = text(root, "messageKey")
    reason = text(root, "message") or key or "the server gave no reason"
    raise ERRORS.get(key, ServerRefused)(reason, status=key or "FAILED")


def text(element: ET.Element, name: str) -> str:
    """A child's text, stripped; "" when it is missing."""
    found = element.find(name)
    return (found.text or "").strip() if found is not None else ""
