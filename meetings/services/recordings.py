"""A meeting's recordings on its server, and which of them the public may see."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from conferencing.base import Capability, ConferencingError, Recording, ServerUnavailable, detail
from meetings.models import Meeting, PublishedRecording
from portal import servers
from portal.accounts.models import publication_changed

log = logging.getLogger(__name__)

#: Asking for the recordings changes nothing: no change is kept to send again.
RECORDINGS_UNANSWERED = _("The meeting server is not answering right now; try again later.")


def meeting_recordings(*, meeting: Meeting) -> tuple[list[Recording], str]:
    """The server's recordings of ``meeting``, and what went wrong asking ("" if nothing),
    in the host's words (the raw detail goes to the log).

    One call, made for the meeting's page; none where the server keeps no recordings.
    """
    if not meeting.server_meeting_id or Capability.RECORDINGS not in servers.capabilities(
        meeting.customer
    ):
        return [], ""
    try:
        return servers.backend(meeting.customer).recordings(meeting.server_meeting_id), ""
    except ConferencingError as exc:
        log.warning("meeting %s: recordings not listed: %s", meeting.pk, detail(exc))
        if isinstance(exc, ServerUnavailable):
            return [], str(RECORDINGS_UNANSWERED)
        return [], servers.explain(meeting.customer, exc)


def recording_publish(*, meeting: Meeting, recording_id: str) -> PublishedRecording:
    """List a recording of ``meeting`` in the public feeds and on its join links.

    Its details are read from the server now and kept, so public pages never ask
    the server; only a recording the server plays back can be published.
    """
    recordings, error = meeting_recordings(meeting=meeting)
    if error:
        raise ValidationError(error)
    found = next((r for r in recordings if r.recording_id == recording_id), None)
    if found is None:
        raise ValidationError(_("The meeting server has no such recording of this meeting."))
    if not (found.published and found.playback_url):
        raise ValidationError(_("The meeting server does not play this recording back (yet)."))
    published, _created = PublishedRecording.objects.update_or_create(
        meeting=meeting,
        recording_id=recording_id,
        defaults={
            "name": found.name[:200],
            "started_at": found.start,
            "duration": found.duration,
            "playback_url": found.playback_url,
        },
    )
    return published


def recording_unpublish(*, meeting: Meeting, recording_id: str) -> None:
    """Take a recording out of the public feeds and the join links again."""
    with transaction.atomic():
        PublishedRecording.objects.filter(meeting=meeting, recording_id=recording_id).delete()
        publication_changed([meeting.customer_id])
