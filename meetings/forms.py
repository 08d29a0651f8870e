from django import forms
from django.utils.translation import gettext_lazy as _

from conferencing.base import Capability, MeetingKind
from meetings.models import KIND_CHOICES
from portal.validators import PlainText

#: What the meeting form says of the password, by whether the server checks it itself.
PASSWORD_CHECKED_BY_SERVER = _("The meeting server asks everyone who joins for this password.")
PASSWORD_NOT_ON_SERVER = _(
    "This meeting server has no meeting passwords: the portal asks visitors on your public "
    "page for it, and keeps the meeting's ID and server links out of public pages, feeds "
    "and registrants' mails. Anyone you give the meeting's own link or ID can join "
    "without it."
)


class MeetingForm(PlainText, forms.Form):
    """Times are entered and shown in the customer's zone (the view activates it)."""

    kind = forms.TypedChoiceField(
        label=_("Type"), choices=KIND_CHOICES, coerce=int, initial=MeetingKind.MEETING
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    is_recurring = forms.BooleanField(
        label=_("Recurring (no fixed time)"),
        required=False,
        help_text=_("Recurring meetings have no times."),
    )
    password = forms.CharField(
        label=_("Meeting password"),
        required=False,
        max_length=64,
        widget=forms.PasswordInput(render_value=True),
    )
    is_published = forms.BooleanField(
        label=_("To be published"),
        required=False,
        help_text=_("List it on your public meetings page."),
    )
    password_in_public_links = forms.BooleanField(
        label=_("Include the password in public links"),
        required=False,
        help_text=_(
            "Off: visitors who click Join on your public page are asked for the password. "
            "On: anyone who sees the page, a feed or a copy of it can join without knowing it."
        ),
    )
    call_number = forms.CharField(label=_("Audio call number"), required=False, max_length=40)
    attendee_access_code = forms.CharField(
        label=_("Audio access code"), required=False, max_length=40
    )
    access_code_is_meeting_id = forms.BooleanField(
        label=_("Use the meeting ID as the audio access code"), required=False
    )

    def __init__(self, *args, kinds=None, capabilities=None, locked=None, recurring=True, **kwargs):
        """``kinds``: the meeting kinds the customer's server can hold (all by default);
        ``capabilities``: what it can do, which says what a password protects there;
        ``locked``: fields that cannot change now, each with the reason (shown, not sent);
        ``recurring``: whether the server holds recurring meetings (else not offered)."""
        super().__init__(*args, **kwargs)
        if not recurring:
            del self.fields["is_recurring"]
        if capabilities is not None:
            self.fields["password"].help_text = (
                PASSWORD_CHECKED_BY_SERVER
                if Capability.MEETING_PASSWORD in capabilities
                else PASSWORD_NOT_ON_SERVER
            )
        if kinds is not None:
            field = self.fields["kind"]
            field.choices = [(value, label) for value, label in field.choices if value in kinds]
        self.locked = {name: why for name, why in (locked or {}).items() if name in self.fields}
        for name, reason in self.locked.items():
            self.fields[name].disabled = True
            self.fields[name].help_text = reason

    def clean(self):
        data = super().clean()
        if data.get("is_recurring"):
            data["starts_at"] = data["ends_at"] = None
        elif not {"starts_at", "ends_at"} & set(self.errors):
            start, end = data.get("starts_at"), data.get("ends_at")
            if not start:
                self.add_error("starts_at", _("Give a start, or make the meeting recurring."))
            if not end:
                self.add_error("ends_at", _("Give an end, or make the meeting recurring."))
            if start and end and end <= start:
                self.add_error("ends_at", _("The meeting must end after it starts."))
        return data


class JoinForm(PlainText, forms.Form):
    meeting_id = forms.RegexField(label=_("Meeting ID"), regex=r"^\s*\d[\d ]*\s*$", max_length=20)
    name = forms.CharField(label=_("Your name"), max_length=100)
    password = forms.CharField(label=_("Meeting password"), required=False, max_length=64)


class NameForm(PlainText, forms.Form):
    """Who is joining: the name the others will see."""

    name = forms.CharField(label=_("Your name"), max_length=100)


class PublicJoinForm(PlainText, forms.Form):
    """A visitor joining a published meeting whose links leave out the password."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    password = forms.CharField(
        label=_("Meeting password"), max_length=64, widget=forms.PasswordInput
    )
