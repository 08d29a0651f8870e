"""Control characters are refused in every text field people fill in; line breaks only in
multi-line ones; passwords are left as typed."""

import pytest
from django.forms import modelform_factory

from meetings.forms import MeetingForm, PublicJoinForm
from meetings.serializers import MeetingSerializer
from portal.accounts.admin import CustomerForm
from portal.accounts.models import Customer
from portal.accounts.serializers import CustomerSerializer
from portal.ical import Text
from tests.webinars.factories import QuestionFactory, WebinarFactory
from webinars.forms.host import WebinarForm
from webinars.forms.registration import RegistrationForm
from webinars.models import Question
from webinars.serializers import WebinarSerializer

pytestmark = pytest.mark.django_db

WEBINAR = {
    "title": "Launch",
    "status": "draft",
    "approval": "automatic",
    "starts_at": "2030-07-01T10:00",
    "ends_at": "2030-07-01T11:00",
}


@pytest.mark.parametrize(
    "bad", ["Kick\x13off", "two\nlines", "tab\there", "del\x7fete", "c1\x85here"]
)
def test_one_line_fields_refuse_control_characters(bad):
    meeting = MeetingForm({"kind": 0, "topic": bad, "is_recurring": "on"})
    assert not meeting.is_valid() and meeting.errors["topic"][0].startswith("Remove the control")
    assert not WebinarForm(WEBINAR | {"title": bad}).is_valid()
    api = MeetingSerializer(data={"topic": bad, "is_recurring": True})
    assert not api.is_valid() and "topic" in api.errors
    customer = CustomerSerializer(data={"name": bad, "contact_email": "it@acme.example"})
    assert not customer.is_valid() and "name" in customer.errors
    admin_form = modelform_factory(Customer, form=CustomerForm, fields=["name"])  # as the admin
    assert "name" in admin_form({"name": bad}).errors


def test_multi_line_fields_keep_tabs_and_line_breaks_only():
    text = "First line\r\n\tindented"
    assert WebinarForm(WEBINAR | {"description": text}).is_valid()
    form = WebinarForm(WEBINAR | {"description": "bell\x07"})
    assert not form.is_valid() and "description" in form.errors

    webinar = WebinarFactory()
    api = WebinarSerializer(instance=webinar, data={"description": text}, partial=True)
    assert api.is_valid(), api.errors
    api = WebinarSerializer(instance=webinar, data={"description": "x\x13"}, partial=True)
    assert not api.is_valid() and "description" in api.errors


def test_registration_names_and_answers_refuse_control_characters():
    webinar = WebinarFactory()
    short = QuestionFactory(webinar=webinar, answer_type=Question.AnswerType.SHORT_TEXT)
    long = QuestionFactory(webinar=webinar, answer_type=Question.AnswerType.LONG_TEXT)
    person = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}

    def form(**data):
        return RegistrationForm(person | data, webinar=webinar, questions=[short, long])

    assert form(**{long.field_name: "two\nlines"}).is_valid()
    for name, value in [
        ("first_name", "Gr\x13ace"),
        ("last_name", "Hop\nper"),
        (short.field_name, "one\nline"),
        (long.field_name, "bell\x07"),
    ]:
        assert name in form(**{name: value}).errors, name


def test_passwords_are_left_as_typed():
    assert PublicJoinForm({"name": "Vera", "password": "p\x13ss"}).is_valid()
    api = MeetingSerializer(data={"topic": "T", "is_recurring": True, "password": "p\x13ss"})
    assert api.is_valid(), api.errors


def test_calendar_text_drops_control_characters_and_escapes_line_breaks():
    assert Text("Kick\x13off\nnext\tline").to_ical() == b"Kickoff\\nnext\tline"
