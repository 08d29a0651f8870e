"""Apache OpenMeetings: rooms, per-person room hashes and live counts over its REST API."""

from conferencing.openmeetings.client import OpenMeetings

__all__ = ["OpenMeetings"]
