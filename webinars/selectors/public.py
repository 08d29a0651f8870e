"""The public page's webinar, kept in Django's cache by version, and its form's questions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch, QuerySet

from webinars.models import Question, Webinar

#: The current version of every public webinar in the cache: a new one whenever a webinar,
#: a question, a customer or a host changes (public_webinars_changed). A webinar is kept
#: with the version it was read at, and read again once that is no longer the current one.
PUBLIC_VERSION_KEY = "webinars:public:version"


def public_webinar(slug: str) -> Webinar | None:
    """The webinar at /w/<slug>/, with its customer, its host and its form's questions.

    Read once per version from Django's cache: a registration reads it on every post,
    and its query costs more to compile than to run. What must be current for a
    registration (status, dates, capacity) the service reads again under its lock.
    """
    key = f"webinars:public:{slug}"
    found = cache.get_many([PUBLIC_VERSION_KEY, key])  # one round trip
    version = found.get(PUBLIC_VERSION_KEY) or cache.get_or_set(
        PUBLIC_VERSION_KEY, _new_version, None
    )
    kept_version, webinar = found.get(key, (None, None))
    if kept_version == version:
        return webinar
    webinar = (
        Webinar.objects.select_related("customer", "host__user")
        .prefetch_related(Prefetch("questions", _asked(), to_attr="asked_questions"))
        .filter(slug=slug, customer__deleted_at__isnull=True)  # a deleted customer's are gone
        .first()
    )
    if webinar is not None:  # unknown addresses are not kept: anyone can make up many
        cache.set(key, (version, webinar), settings.WEBINAR_PUBLIC_CACHE_SECONDS)
    return webinar


def public_webinars_changed(**kwargs: object) -> None:
    """(Receives ``post_save`` and ``post_delete`` of what a public webinar shows.)
    A new version now, and again once committed: a page read meanwhile may have kept
    the old rows under the new version."""
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # a host signing in changes nothing a visitor sees
    cache.set(PUBLIC_VERSION_KEY, _new_version(), None)
    transaction.on_commit(lambda: cache.set(PUBLIC_VERSION_KEY, _new_version(), None))


def _new_version() -> str:
    return uuid.uuid4().hex


def _asked() -> QuerySet[Question]:
    return (
        Question.objects.filter(archived_at__isnull=True)
        .select_related("depends_on")
        .order_by("position", "pk")
    )


def form_questions(webinar: Webinar) -> list[Question]:
    """The questions the form asks, in order; archived ones keep their answers, unasked.

    A public webinar (public_webinar) has them already."""
    if hasattr(webinar, "asked_questions"):
        return webinar.asked_questions
    return list(_asked().filter(webinar=webinar))
