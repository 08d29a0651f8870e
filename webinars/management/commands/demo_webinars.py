"""Demo webinars for `make run`: one published webinar of customer "acme", with questions.

Idempotent, and meant to run after demo_data (which creates the customer and
its host): running it again changes nothing that is there already.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from meetings.services import meeting_push
from portal.accounts.models import Host, SyncState
from webinars.models import Question, Webinar
from webinars.services.questions import question_create
from webinars.services.webinars import webinar_create

HOST_EMAIL = "host@acme.example"
SLUG = "acme-product-launch"


class Command(BaseCommand):
    help = "Load a demo webinar for customer 'acme' (run demo_data first); safe to run again."

    def handle(self, *args, **options):
        host = (
            Host.objects.select_related("customer")
            .filter(user__username=HOST_EMAIL, customer__slug="acme")
            .first()
        )
        if host is None:
            raise CommandError(f"No host {HOST_EMAIL} of customer 'acme': run demo_data first.")
        webinar = Webinar.objects.filter(slug=SLUG).first()
        if webinar is None:
            start = (timezone.now() + dt.timedelta(days=7)).replace(
                hour=15, minute=0, second=0, microsecond=0
            )
            webinar = webinar_create(
                host=host,
                slug=SLUG,
                title="Acme product launch",
                description=(
                    "See what is new in **Acme Rocket 2** and ask the team anything.\n\n"
                    "- live demo\n- roadmap\n- questions and answers"
                ),
                speakers="Ada Host, Head of Product\nWile E. Coyote, Power User",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
                capacity=50,
                consent_text="I agree that Acme may contact me about this webinar.",
                status=Webinar.Status.PUBLISHED,
            )
        if not webinar.questions.exists():
            role = question_create(
                webinar=webinar,
                label="What describes you best?",
                answer_type=Question.AnswerType.SINGLE_CHOICE,
                choices="Customer\nPartner\nJust curious",
                required=True,
            )
            question_create(
                webinar=webinar,
                label="Which product do you use today?",
                answer_type=Question.AnswerType.SHORT_TEXT,
                depends_on=role,
                depends_on_value="Customer",
            )
        if webinar.meeting.sync_state != SyncState.SYNCED:
            meeting_push(meeting_id=webinar.meeting_id)
        self.stdout.write(f"Demo webinar ready: /w/{webinar.slug}/")
