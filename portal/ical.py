"""iCalendar TEXT values escaped as RFC 5545 §3.3.11 says."""

from __future__ import annotations

import re

from icalendar import vText

# RFC 5545's CONTROL: every C0 control but tab (line breaks are escaped before), and DEL.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


class Text(vText):
    """A TEXT value (SUMMARY, DESCRIPTION) that keeps what was typed.

    icalendar's own escaping first reads a typed backslash-N as a line break,
    so a topic "Files on C:\\NAS" reached calendars as two lines; here the
    backslash is escaped first, then ``;`` ``,`` and line breaks; other control
    characters, which no TEXT value may hold, are dropped.
    """

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        text = _CONTROL.sub("", text)
        return text.encode(self.encoding)


def param_text(value: str) -> str:
    """A parameter value (a CN) on one line and without control characters, which no
    parameter may hold; icalendar quotes it and encodes its quotes (RFC 6868)."""
    return " ".join(_CONTROL.sub(" ", value.replace("\x09", " ")).split())
