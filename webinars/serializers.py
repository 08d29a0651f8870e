from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from portal.exports.models import ExportJob
from portal.exports.registry import exporters_for
from portal.exports.serializers import ExportJobSerializer
from portal.validators import PlainText
from webinars import exports  # noqa: F401  (registers the exporters offered below)
from webinars.models import Question, Registration, Webinar
from webinars.services.webinars import WEBINAR_FIELDS
from webinars.text import render_markdown

# --- hosts' API ----------------------------------------------------------------------------


class ChoicesField(serializers.ListField):
    """Options as a JSON list; stored one per line."""

    child = serializers.CharField(max_length=200)

    def to_representation(self, value: str) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def to_internal_value(self, data) -> str:
        return "\n".join(super().to_internal_value(data))


class RegistrationFilterSerializer(serializers.Serializer):
    """The registration list's query: a search with a NUL is refused (a 400, not a 500 from
    PostgreSQL, which cannot compare text holding one), as is an unknown status."""

    status = serializers.ChoiceField(
        choices=Registration.Status.choices, required=False, allow_blank=True, default=""
    )
    search = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


class QuestionSerializer(PlainText, serializers.ModelSerializer):
    choices = ChoicesField(required=False)
    field_name = serializers.CharField(read_only=True)
    depends_on = serializers.PrimaryKeyRelatedField(
        queryset=Question.objects.none(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(
        source="answer_type",
        choices=Question.AnswerType.choices,
        default=Question.AnswerType.SHORT_TEXT,
    )

    class Meta:
        model = Question
        fields = [
            "id",
            "field_name",
            "label",
            "help_text",
            "kind",  # the API's name for answer_type
            "required",
            "choices",
            "depends_on",
            "depends_on_value",
            "position",
            "archived_at",
        ]
        read_only_fields = ["position", "archived_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        webinar = self.context.get("webinar")
        if webinar is not None:
            self.fields["depends_on"].queryset = webinar.questions.filter(archived_at__isnull=True)


class WebinarSerializer(PlainText, serializers.ModelSerializer):
    description_html = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()
    server_meeting_id = serializers.CharField(source="meeting.server_meeting_id", read_only=True)
    page_url = serializers.SerializerMethodField()
    embed_url = serializers.SerializerMethodField()
    register_url = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    slug = serializers.SlugField(max_length=80, required=False, allow_blank=True)

    class Meta:
        model = Webinar
        # What webinar_create or webinar_update takes, then what the portal shows besides.
        fields = [
            "id",
            *WEBINAR_FIELDS,
            "description_html",
            "cancelled_at",
            "cancellation_message",
            "meeting",
            "server_meeting_id",
            "page_url",
            "embed_url",
            "register_url",
            "counts",
            "questions",
        ]
        read_only_fields = ["cancelled_at", "cancellation_message", "meeting"]

    def validate_slug(self, value: str) -> str:
        taken = Webinar.objects.filter(slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if value and taken.exists():
            raise serializers.ValidationError("This address is taken.")
        return value

    def validate(self, attrs):
        start = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        end = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"ends_at": "The webinar must end after it starts."})
        return attrs

    def get_description_html(self, webinar: Webinar) -> str:
        return str(render_markdown(webinar.description))

    @extend_schema_field(QuestionSerializer(many=True, read_only=True))
    def get_questions(self, webinar: Webinar) -> list[dict]:
        active = [q for q in webinar.questions.all() if q.archived_at is None]
        return QuestionSerializer(active, many=True).data

    def _url(self, name: str, webinar: Webinar) -> str:
        path = reverse(name, kwargs={"slug": webinar.slug})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_page_url(self, webinar: Webinar) -> str:
        return self._url("webinar-page", webinar)

    def get_embed_url(self, webinar: Webinar) -> str:
        return self._url("webinar-embed", webinar)

    def get_register_url(self, webinar: Webinar) -> str:
        return self._url("webinar-register", webinar)

    @extend_schema_field(
        inline_serializer(
            "WebinarCounts",
            {name: serializers.IntegerField() for name in ("confirmed", "pending", "waiting")},
        )
    )
    def get_counts(self, webinar: Webinar) -> dict[str, int]:
        """From the list's annotations when present (no query per webinar)."""
        if hasattr(webinar, "confirmed_count"):
            return {
                "confirmed": webinar.confirmed_count,
                "pending": webinar.pending_count,
                "waiting": webinar.waiting_count,
            }
        statuses = Registration.Status
        return {
            "confirmed": webinar.registrations.filter(status=statuses.CONFIRMED).count(),
            "pending": webinar.registrations.filter(status=statuses.PENDING).count(),
            "waiting": webinar.registrations.filter(status=statuses.WAITLISTED).count(),
        }


class RegistrationSerializer(serializers.ModelSerializer):
    answers = serializers.DictField(
        read_only=True,
        help_text='{"<question id>": answer}: text, a list of the options chosen for multiple '
        "choice, true/false for a checkbox, YYYY-MM-DD for a date.",
    )

    class Meta:
        model = Registration
        fields = [
            "id",
            "status",
            "first_name",
            "last_name",
            "email",
            "organisation",
            "phone",
            "answers",
            "consent",
            "consent_text",
            "source_url",
            "channel",
            "rejection_message",
            "created_at",
            "confirmed_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class RegistrationCreateSerializer(PlainText, serializers.Serializer):
    """For integrations: the public form's fields, answers keyed by question id."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    answers = serializers.DictField(
        required=False,
        default=dict,
        help_text='{"<question id>": answer}: text, a list for multiple choice, '
        "true/false for a checkbox, YYYY-MM-DD for a date.",
    )
    consent = serializers.BooleanField(required=False, default=False)
    source_url = serializers.URLField(max_length=2000, required=False, allow_blank=True)


class MessageSerializer(PlainText, serializers.Serializer):
    """The host's optional word to registrants, for a rejection or a cancelled webinar."""

    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


#: The exporters registered for a webinar (``webinars/exports.py``), which the API offers.
WEBINAR_EXPORTERS = [(e.identifier, e.label) for e in exporters_for(Webinar)]


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)
    exporter = serializers.ChoiceField(
        choices=WEBINAR_EXPORTERS,
        default="registrations",
        help_text="What to export: every registration with its answers, or the attendance "
        "(status, and when each person pressed Join on their personal link).",
    )


class RegistrationExportSerializer(ExportJobSerializer):
    """An export job: poll ``status_url`` until ``status`` is done, then GET ``download_url``."""

    webinar = serializers.IntegerField(source="object_id", read_only=True)

    status_route = "webinar-export-detail"
    download_route = "webinar-export-download"

    class Meta(ExportJobSerializer.Meta):
        #: Any export job's fields, the object it exports named as the webinar.
        fields = [
            "webinar" if name == "object_id" else name for name in ExportJobSerializer.Meta.fields
        ]
        read_only_fields = fields

    def route_kwargs(self, job: ExportJob) -> dict:
        return {"pk": job.object_id, "export_pk": job.uid}


# --- the public endpoint, for the schema --------------------------------------------------


class PublicRegistrationSerializer(serializers.Serializer):
    """What ``POST /w/<slug>/register`` reads as JSON (documentation only: the form validates)."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)
    organisation = serializers.CharField(max_length=200, required=False)
    phone = serializers.CharField(max_length=40, required=False)
    consent = serializers.BooleanField(
        required=False, help_text="Required (true) when the webinar has a consent text."
    )
    source_url = serializers.URLField(
        required=False, help_text="The page the form is on; defaults to the Referer."
    )
    answers = serializers.DictField(
        required=False,
        help_text='{"<question id>": answer}: text, a list of the options chosen for '
        "multiple choice, true/false for a checkbox, YYYY-MM-DD for a date.",
    )


class PublicRegistrationFormSerializer(serializers.Serializer):
    """What ``POST /w/<slug>/register`` reads as a form (a plain HTML form): the same
    person, and one field per question named ``q_<question id>`` (documentation only)."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)
    organisation = serializers.CharField(max_length=200, required=False)
    phone = serializers.CharField(max_length=40, required=False)
    consent = serializers.CharField(
        required=False, help_text="on / true; required when the webinar has a consent text."
    )
    source_url = serializers.URLField(
        required=False, help_text="The page the form is on; defaults to the Referer."
    )
    success_url = serializers.URLField(
        required=False,
        help_text="Where to send the browser afterwards (303, with "
        "?registration=<status>). Must be on an allowed origin.",
    )
    website = serializers.CharField(
        required=False, help_text="Honeypot: hide it and leave it empty; filled in means a bot."
    )
    q_id = serializers.CharField(
        required=False,
        help_text="Stands for one field per question, named q_<question id> (see the "
        "host's custom page recipe). Multiple choice: repeat the field. "
        "Checkbox: on / true. Date: YYYY-MM-DD.",
    )


class PublicRegistrationResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[*Registration.Status.choices, ("already_registered", "Already registered")]
    )
    created = serializers.BooleanField(help_text="False: this email was registered already.")
    message = serializers.CharField(help_text="A sentence to show the person.")


class PublicErrorSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="A sentence to show the person.")
    code = serializers.ChoiceField(
        choices=[
            "invalid",
            "bot",
            "draft",
            "cancelled",
            "not_yet_open",
            "closed",
            "full",
            "rate_limited",
            "origin_not_allowed",
            "not_found",
            "parse_error",
            "unsupported_media_type",
        ]
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field name; non_field_errors for the form as a whole.",
    )
