import datetime as dt

import factory
from django.utils import timezone

from conferencing.base import MeetingKind
from tests.factories import HostFactory, MeetingFactory
from webinars.models import Question, Registration, Webinar
from webinars.services.webinars import webinar_manages_its_meeting


class WebinarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webinar
        skip_postgeneration_save = True

    host = factory.SubFactory(HostFactory)
    customer = factory.LazyAttribute(lambda w: w.host.customer)
    title = factory.Sequence(lambda n: f"Webinar {n}")
    slug = factory.Sequence(lambda n: f"webinar-{n}")
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda w: w.starts_at + dt.timedelta(hours=1))
    status = Webinar.Status.PUBLISHED
    meeting = factory.SubFactory(
        MeetingFactory,
        host=factory.SelfAttribute("..host"),
        kind=MeetingKind.WEBINAR,
        topic=factory.SelfAttribute("..title"),
        starts_at=factory.SelfAttribute("..starts_at"),
        ends_at=factory.SelfAttribute("..ends_at"),
    )

    @factory.post_generation
    def managed(webinar, create, extracted, **kwargs):  # as webinar_create does
        if create:
            webinar_manages_its_meeting(webinar)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    webinar = factory.SubFactory(WebinarFactory)
    label = factory.Sequence(lambda n: f"Question {n}")
    answer_type = Question.AnswerType.SHORT_TEXT
    position = factory.Sequence(lambda n: n + 1)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    webinar = factory.SubFactory(WebinarFactory)
    status = Registration.Status.CONFIRMED
    first_name = "Grace"
    last_name = factory.Sequence(lambda n: f"Hopper{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    confirmed_at = factory.LazyFunction(timezone.now)
    confirmation_sent_at = factory.LazyAttribute(lambda r: r.confirmed_at)  # mailed as usual
