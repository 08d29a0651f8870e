"""Meetings scheduled through the portal and mirrored on the meeting server."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from conferencing.base import MeetingKind
from portal import crypto
from portal.accounts.models import Customer, Host, Synced, SyncState, publication_changed


class LiveState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live now")
    ENDED = "ended", _("Ended")


#: What the portal calls each kind of meeting; the numbers stored are MeetingKind's.
KIND_LABELS = {
    MeetingKind.MEETING: _("Meeting"),
    MeetingKind.SUPPORT: _("Support session"),
    MeetingKind.REMOTE_ACCESS: _("Remote access"),
    MeetingKind.WEBINAR: _("Webinar"),
    MeetingKind.VIDEO_CONFERENCE: _("Video conference"),
}
KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]


#: A meeting the server holds, with a change of the portal's not sent there yet.
CHANGE_PENDING = _("change not yet on the server")


class Meeting(Synced):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="meetings")
    host = models.ForeignKey(Host, on_delete=models.PROTECT, related_name="meetings")
    server_meeting_id = models.CharField(max_length=64, blank=True, db_index=True)
    #: The server's own link to the meeting, the same for everyone, where it gives one
    #: (TrueConf's ``webclient_url``: its public address, which may not be its API's).
    server_join_url = models.URLField(max_length=500, blank=True, editable=False)
    #: The raw detail of the last failed push (the error's kind, paths, HTTP statuses, the
    #: server's reason codes), for staff in the admin; its host reads ``sync_error``, a
    #: sentence's message id translated when shown (portal/sync.py).
    sync_detail = models.TextField(blank=True, editable=False)
    kind = models.PositiveSmallIntegerField(choices=KIND_CHOICES, default=MeetingKind.MEETING.value)
    topic = models.CharField(max_length=200)
    starts_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    is_recurring = models.BooleanField(default=False)
    is_published = models.BooleanField("to be published", default=False)
    password_encrypted = models.TextField(blank=True, editable=False)
    # Published join links leave the password out unless the host asks: feeds are
    # copied, cached and forwarded far beyond the people meant to join.
    password_in_public_links = models.BooleanField(
        "include the password in public links", default=False
    )
    call_number = models.CharField("audio call number", max_length=40, blank=True)
    attendee_access_code = models.CharField("audio access code", max_length=40, blank=True)
    access_code_is_meeting_id = models.BooleanField(
        "use the meeting ID as the audio access code", default=False
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: What manages this meeting in an app built on meetings ("webinar"), with the paths
    #: of its page and its API resource; blank: its host, directly. Such a meeting is
    #: changed and cancelled only there, so the two never drift. The managing app sets
    #: these (services.meeting_manage); meetings never names it.
    managed_by = models.CharField(max_length=40, blank=True, editable=False)
    managed_page = models.CharField(max_length=200, blank=True, editable=False)
    managed_api = models.CharField(max_length=200, blank=True, editable=False)

    # Live status, written only by the poller (meetings/polling/); pages read these.
    live_state = models.CharField(
        max_length=16, choices=LiveState.choices, default=LiveState.SCHEDULED, db_index=True
    )
    attendees = models.PositiveIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_seen_active_at = models.DateTimeField(null=True, blank=True)
    inactive_polls = models.PositiveSmallIntegerField(default=0)
    #: Since when the server has given no answer about this live meeting (down, or not
    #: asked once its circuit breaker tripped); null while its answers come in. Pages and
    #: feeds then say when it was last seen live, not "Live now".
    server_silent_since = models.DateTimeField(null=True, blank=True)
    #: The start of the last poll round that took this meeting on (meetings.polling): the
    #: workers sharing a round each claim meetings not yet taken by it, so none is asked twice.
    poll_round_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["customer", "is_published", "starts_at"])]

    def __str__(self) -> str:
        return self.topic

    def save(self, *args, **kwargs) -> None:
        """Every save is a new version of its customer's feeds, in the same transaction."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            publication_changed([self.customer_id])

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            publication_changed([self.customer_id])
            return super().delete(*args, **kwargs)

    @property
    def password(self) -> str:
        return crypto.decrypt(self.password_encrypted)

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = crypto.encrypt(value)

    @property
    def calendar_uid(self) -> str:
        """The event's UID in every calendar the portal sends (feeds, mail attachments).

        Stable across edits, and across the host name a feed was fetched by,
        as calendar clients need to update rather than duplicate the event.
        """
        return f"meeting-{self.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"

    @property
    def audio_access_code(self) -> str:
        return (
            self.server_meeting_id if self.access_code_is_meeting_id else self.attendee_access_code
        )

    @property
    def is_live(self) -> bool:
        return self.live_state == LiveState.LIVE

    @property
    def sync_label(self) -> str:
        """The sync state as a host reads it: a change still on its way to a meeting the
        server already holds is not the meeting missing from the server."""
        if self.sync_state == SyncState.PENDING and self.server_meeting_id:
            return str(CHANGE_PENDING)
        return self.get_sync_state_display()

    @property
    def live_is_stale(self) -> bool:
        """Live when the server last answered, but it has not answered since."""
        return self.is_live and self.server_silent_since is not None

    def clean(self) -> None:
        if self.is_recurring:
            if self.starts_at or self.ends_at:
                raise ValidationError(_("A recurring meeting has no start or end time."))
            return
        if not self.starts_at or not self.ends_at:
            raise ValidationError(_("Give a start and an end, or make the meeting recurring."))
        if self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The meeting must end after it starts."})


class MeetingSample(models.Model):
    """One poll of a meeting's status: the history behind the attendance chart."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="samples")
    taken_at = models.DateTimeField()
    active = models.BooleanField()
    attendees = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["taken_at"]
        indexes = [models.Index(fields=["meeting", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.meeting_id} at {self.taken_at:%Y-%m-%d %H:%M}: {self.attendees}"


class PublishedRecording(models.Model):
    """A recording of a meeting that its host published: listed in the customer's public
    feeds and on the meeting's join links.

    What the server said of it is copied here when published, so no public page
    asks the meeting server.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="published_recordings"
    )
    recording_id = models.CharField(max_length=256)
    name = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField()
    playback_url = models.URLField(max_length=2000)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [models.F("started_at").desc(nulls_last=True), "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "recording_id"], name="one_publication_per_recording"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.recording_id

    def save(self, *args, **kwargs) -> None:
        """Every save is a new version of its customer's feeds, in the same transaction."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            publication_changed([self.meeting.customer_id])

    @property
    def duration_seconds(self) -> int:
        return int(self.duration.total_seconds())
