"""iCalendar TEXT values escaped as RFC 5545 §3.3.11 says."""

from __future__ import annotations

from icalendar import vText


class Text(vText):
    """A TEXT value (SUMMARY, DESCRIPTION) that keeps what was typed.

    icalendar's own escaping first reads a typed backslash-N as a line break,
    so a topic "Files on C:\\NAS" reached calendars as two lines; here the
    backslash is escaped first, then ``;`` ``,`` and line breaks.
    """

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        return text.encode(self.encoding)
