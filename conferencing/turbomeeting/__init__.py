"""RHUB TurboMeeting: the wapi client, its XML, its times, and how people launch meetings."""

from conferencing.turbomeeting.client import TurboMeeting

__all__ = ["TurboMeeting"]
