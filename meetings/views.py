import logging
import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from conferencing.base import ConferencingError, Participant
from meetings import selectors, services
from meetings.feeds import listed_meeting
from meetings.forms import NameForm, PublicJoinForm
from meetings.launch import (
    join_link_followed,
    may_still_join,
    read_join_page_token,
    server_join_url,
)
from meetings.models import Meeting
from portal import i18n
from portal.net import client_network
from portal.sync import describe

log = logging.getLogger(__name__)


@require_http_methods(["GET", "HEAD", "POST"])
def published_join(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Join a published meeting whose public links leave out its password: ask for it.

    The visitor's name and the password go to the server's join link once the
    password is right; wrong guesses are limited per address, so the page is
    no better an oracle than the meeting server's own.
    """
    meeting = listed_meeting(slug, pk)
    if meeting is None or not meeting.server_meeting_id:
        raise Http404("No such meeting to join.")
    i18n.activate_for(meeting.customer)
    form = PublicJoinForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if _wrong_guesses(request, add=False):
            form.add_error("password", _("Too many wrong passwords from your network. Try later."))
            status = 429
        elif services.public_join_check(meeting=meeting, password=form.cleaned_data["password"]):
            # Straight to the server, as the portal's join page would go: the name is asked once.
            link, refusal, status = _let_in(request, meeting, form.cleaned_data["name"])
            if link:
                return HttpResponseRedirect(link, status=303)
            form.add_error(None, refusal)
        else:
            _wrong_guesses(request, add=True)
            form.add_error("password", _("That is not the meeting's password."))
    context = {"meeting": meeting, "customer": meeting.customer, "form": form}
    return render(request, "meetings/join.html", context, status=status)


def _too_many_join_links(request: HttpRequest, *, add: bool) -> bool:
    """Each join makes a link on the meeting server (a login and a hash on OpenMeetings):
    one address may make JOIN_LINKS_PER_ADDRESS of them (``add``: count one more first)."""
    return _used_up(request, "meetings:join-link", settings.JOIN_LINKS_PER_ADDRESS, add=add)


def _wrong_guesses(request: HttpRequest, *, add: bool) -> bool:
    """Whether this address has used up its wrong passwords (``add``: count one more first)."""
    return _used_up(
        request, "meetings:public-join", settings.PUBLIC_JOIN_FAILURES_PER_ADDRESS, add=add
    )


def _used_up(request: HttpRequest, group: str, rate: str, *, add: bool) -> bool:
    """Whether the caller's address has reached ``rate`` in ``group`` (``add``: count one
    more first), through django-ratelimit's counters."""
    usage = get_usage(
        request,
        group=group,
        key=lambda group, request: client_network(request) or "unknown",
        rate=rate,
        increment=add,
    )
    return usage is not None and usage["count"] >= usage["limit"]


@require_http_methods(["GET", "HEAD", "POST"])
def meeting_join(request: HttpRequest, token: str) -> HttpResponse:
    """The portal's join link: for servers whose own links are single-use or expire, and
    for every registrant, whose link must stop working when their seat goes.

    The server's link is made on the POST, when the person presses Join: a
    mail scanner that follows the GET cannot use it up, and it cannot have
    expired by the time it is used.
    """
    found = read_join_page_token(token)
    meeting = selectors.joinable_meeting(found[0]) if found else None
    if meeting is None:
        # A meeting that is over still shows its published recordings to its link's holder.
        recorded = selectors.recorded_meeting(found[0]) if found else None
        if recorded is None or not may_still_join(found[2]):
            raise Http404("This join link is not valid, or the meeting is over or cancelled.")
        i18n.activate_for(recorded.customer)
        context = {
            "meeting": recorded,
            "customer": recorded.customer,
            "recordings": list(recorded.published_recordings.all()),
            "over": True,
        }
        return render(request, "meetings/join_now.html", context)
    i18n.activate_for(meeting.customer)
    _meeting_id, name, external_id = found
    if not may_still_join(external_id):
        raise Http404("This join link's registration no longer holds a seat.")
    form = NameForm(request.POST or None, initial={"name": name})
    status = 200
    if request.method == "POST" and form.is_valid():
        link, refusal, status = _let_in(request, meeting, form.cleaned_data["name"], external_id)
        if link:
            if external_id:
                join_link_followed.send(sender=Meeting, external_id=external_id)
            return HttpResponseRedirect(link, status=303)
        form.add_error(None, refusal)
    context = {
        "meeting": meeting,
        "customer": meeting.customer,
        "form": form,
        "recordings": list(meeting.published_recordings.all()),
    }
    return render(request, "meetings/join_now.html", context, status=status)


def _let_in(
    request: HttpRequest, meeting, name: str, external_id: str = ""
) -> tuple[str, str, int]:
    """The server's join link for ``name``, made now: ``(link, "", 303)``, or
    ``("", why not, status)``. Joins are limited per network, made or not."""
    if _too_many_join_links(request, add=False):
        return "", _("Too many joins from your network. Try again in a few minutes."), 429
    _too_many_join_links(request, add=True)  # this one counts, made or not
    who = Participant(name=name, external_id=external_id or f"visitor-{secrets.token_hex(8)}")
    try:  # the password travels only in this answer, to whom the link still admits
        return server_join_url(meeting, who, password=meeting.password), "", 303
    except ConferencingError as exc:
        log.warning("join link for meeting %s not made: %s", meeting.pk, describe(exc))
        refusal = _("The meeting server could not let you in just now. Try again in a moment.")
        return "", refusal, 503
