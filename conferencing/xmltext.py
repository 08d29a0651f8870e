"""Text made safe for XML 1.0, for every format the portal writes (feeds, vendor protocols)."""

from __future__ import annotations

import re

_ILLEGAL_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Drop what XML 1.0 cannot represent, so user input never makes building crash."""
    return _ILLEGAL_XML.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
