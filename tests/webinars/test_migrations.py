"""Data migrations, run on a database migrated back to the state before them."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.migrations import migrate_to_newest
from tests.webinars.factories import RegistrationFactory, WebinarFactory


@pytest.mark.django_db(transaction=True)
def test_registrations_of_webinars_cancelled_before_0005_count_as_told():
    """Their notices were queued when they were cancelled: the sweep must not send more.

    Those of the last 45 minutes may still be on their way, and stay unmarked.
    """
    now = timezone.now().replace(microsecond=0)
    long_ago, just_now = now - dt.timedelta(hours=2), now - dt.timedelta(minutes=10)
    told = RegistrationFactory(webinar=WebinarFactory())
    on_its_way = RegistrationFactory(webinar=WebinarFactory())
    running = RegistrationFactory(webinar=WebinarFactory())
    before = ("webinars", "0004_registration_list_order_index")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        Webinar = executor.loader.project_state([before]).apps.get_model("webinars", "Webinar")
        Webinar.objects.filter(pk=told.webinar_id).update(cancelled_at=long_ago)
        Webinar.objects.filter(pk=on_its_way.webinar_id).update(cancelled_at=just_now)
    finally:
        migrate_to_newest()
    for registration in (told, on_its_way, running):
        registration.refresh_from_db()
    assert told.cancellation_sent_at == long_ago
    assert on_its_way.cancellation_sent_at is None and running.cancellation_sent_at is None


@pytest.mark.django_db(transaction=True)
def test_options_chosen_before_0012_that_a_question_no_longer_offers_are_retired():
    """The exports keep a column for them: 0012 finds them in the answers given."""
    from tests.webinars.factories import QuestionFactory
    from webinars.models import Question

    webinar = WebinarFactory()
    topics = QuestionFactory(
        webinar=webinar, answer_type=Question.AnswerType.MULTIPLE_CHOICE, choices="c\nd"
    )
    other = QuestionFactory(webinar=webinar, answer_type=Question.AnswerType.SINGLE_CHOICE)
    RegistrationFactory(webinar=webinar, answers={str(topics.pk): ["a, b", "c"]})
    RegistrationFactory(webinar=webinar, answers={str(topics.pk): ["old", "a, b"]})
    RegistrationFactory(webinar=webinar, answers={str(other.pk): "gone"})
    before = ("webinars", "0011_webinar_calendar_sequence")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    migrate_to_newest()
    topics.refresh_from_db()
    other.refresh_from_db()
    assert topics.retired_choice_list == ["a, b", "old"]
    assert other.retired_choices == ""


@pytest.mark.django_db(transaction=True)
def test_registration_exports_before_0014_become_export_jobs():
    """Same id in their URLs, same file, same state: a host's link keeps working."""
    import uuid

    from portal.exports.models import ExportJob

    webinar = WebinarFactory()
    uid = uuid.uuid4()
    before = ("webinars", "0013_registration_calendar_sequence_sent")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        Old = executor.loader.project_state([before]).apps.get_model(
            "webinars", "RegistrationExport"
        )
        Old.objects.create(
            uid=uid,
            webinar_id=webinar.pk,
            format="csv",
            status="done",
            rows_done=3,
            rows_total=3,
            file="exports/1-abc-registrations.csv",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    job = ExportJob.objects.get()
    assert (job.uid, job.exporter, job.target, job.format, job.status) == (
        uid,
        "registrations",
        webinar,
        "csv",
        "done",
    )
    assert job.file.name == "exports/1-abc-registrations.csv" and job.rows_done == 3
