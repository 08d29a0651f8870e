"""TurboMeeting's ``<__Return__>`` answer, read and written.

Every wapi call and both callbacks (user authentication, scheduled-meeting
query) answer with the same small XML shape. The spec prints it with
whitespace and newlines around each value and spells success three ways, so
parsing normalises both; anything that is not that shape becomes a
``BadServerResponse`` so callers have one error to handle, whatever the bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from conferencing.base import BadServerResponse
from conferencing.xmltext import xml_safe

SUCCEED = "SUCCEED"
FAILED = "FAILED"
DELETED = "DELETED"
_SUCCESS_SPELLINGS = frozenset({"SUCCEED", "SUCCEEDED", "SUCCESS"})

ROOT = "__Return__"
MEETING_LIST = "MeetingList"
MEETING = "Meeting"

# XML 1.0 whitespace only: a non-breaking space in a topic is content, not layout.
_XML_SPACE = " \t\r\n"
# Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/F).
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")


@dataclass(frozen=True)
class TMReturn:
    """One parsed ``<__Return__>``; element names are kept without the ``__`` wrapping."""

    status: str
    reason: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    meetings: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == SUCCEED

    def get(self, name: str, default: str = "") -> str:
        """A field looked up case-insensitively.

        The spec itself writes ``UserID`` and ``UserId``, ``MeetingID`` and
        ``MeetingId``; real servers follow one or the other.
        """
        if name in self.fields:
            return self.fields[name]
        folded = name.casefold()
        for key, value in self.fields.items():
            if key.casefold() == folded:
                return value
        return default


def normalise_status(raw: str) -> str:
    status = raw.strip(_XML_SPACE).upper()
    return SUCCEED if status in _SUCCESS_SPELLINGS else status


def _unwrap(tag: str) -> str:
    if len(tag) > 4 and tag.startswith("__") and tag.endswith("__"):
        return tag[2:-2]
    return tag


def _wrap(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a usable element name: {name!r}")
    return f"__{name}__"


def _text(element: ET.Element) -> str:
    return (element.text or "").strip(_XML_SPACE)


def _leaves(element: ET.Element) -> dict[str, str]:
    return {_unwrap(child.tag): _text(child) for child in element if len(child) == 0}


def parse_return(body: bytes, *, max_bytes: int = 1_000_000) -> TMReturn:
    """Parse a server's answer; every way it can be wrong raises ``BadServerResponse``."""
    if not isinstance(body, bytes | bytearray):
        raise BadServerResponse(f"expected the answer as bytes, got {type(body).__name__}")
    if len(body) > max_bytes:
        raise BadServerResponse(f"the answer is {len(body)} bytes, more than {max_bytes} allowed")
    try:
        root = DET.fromstring(
            bytes(body), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise BadServerResponse(f"the answer uses forbidden XML ({type(exc).__name__})") from None
    except (ET.ParseError, ValueError, LookupError) as exc:
        raise BadServerResponse(f"the answer is not XML ({exc})") from None
    if root.tag != ROOT:
        raise BadServerResponse(f"the answer's root is <{root.tag[:80]}>, not <{ROOT}>")

    status = None
    reason = ""
    fields: dict[str, str] = {}
    meetings: list[dict[str, str]] = []
    for child in root:
        name = _unwrap(child.tag)
        if name == "Status":
            status = normalise_status(child.text or "")
        elif name == "Reason":
            reason = _text(child)
        elif name == MEETING_LIST:
            meetings.extend(_leaves(m) for m in child if _unwrap(m.tag) == MEETING)
        elif len(child) == 0:
            fields[name] = _text(child)
        # Unknown elements with children of their own are tolerated and skipped.
    if not status:
        raise BadServerResponse("the answer has no <__Status__>")
    return TMReturn(status=status, reason=reason, fields=fields, meetings=meetings)


def build_return(
    status: str,
    *,
    reason: str = "",
    fields: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    meetings: Sequence[Mapping[str, str]] | None = None,
) -> bytes:
    """The bytes a server (or the portal answering a callback) sends back.

    Written with ElementTree so that any text, markup-looking or not, stays text.
    Empty elements are written open-and-closed because naive readers on the
    meeting-server side look for the closing tag.
    """
    root = ET.Element(ROOT)
    ET.SubElement(root, _wrap("Status")).text = xml_safe(status)
    ET.SubElement(root, _wrap("Reason")).text = xml_safe(reason)
    items = fields.items() if isinstance(fields, Mapping) else fields
    for name, value in items:
        ET.SubElement(root, _wrap(name)).text = xml_safe(value)
    if meetings is not None:
        listing = ET.SubElement(root, _wrap(MEETING_LIST))
        for meeting in meetings:
            element = ET.SubElement(listing, _wrap(MEETING))
            for name, value in meeting.items():
                ET.SubElement(element, _wrap(name)).text = xml_safe(value)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True, short_empty_elements=False)
