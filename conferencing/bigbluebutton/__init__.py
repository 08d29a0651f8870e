"""BigBlueButton: meetings created when they start, signed join links and recordings."""

from conferencing.bigbluebutton.client import BigBlueButton

__all__ = ["BigBlueButton"]
