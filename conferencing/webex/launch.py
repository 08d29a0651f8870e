"""Webex Meetings URL API: the links the portal sends people's browsers to.

The URL API is driven by a person's browser, never by the portal's server:
the portal builds ``https://SITE.webex.com/SITE/<page>.php?AT=<command>&...``,
the browser opens it, Webex acts on the person's Webex session (a cookie on
the Webex site) and redirects to the back URL ``BU`` with ``AT``, ``ST``
(SUCCESS or FAIL), ``RS`` (a reason) and, after scheduling, ``MK`` (the
meeting key). ``results.parse_back_url`` reads that answer.

Commands used here (seed 002 and VENDORS.md): on ``p.php`` ``LI`` log in
(``WID`` and a login ticket ``TK`` or a password ``PW``; ``MU`` says where to
go after logging in, ``GoBack`` meaning the back URL) and ``LO`` log out; on
``m.php`` ``SM`` schedule (``MN`` topic, ``YE MO DA HO MI`` in the host's Webex
time zone, ``DU`` minutes, ``PW``), ``HM`` host (start), ``JM`` join
(``MK``, ``PW``, ``AN`` name, ``AE`` email) and ``LM`` the host's meetings.
Neither seed 002 nor VENDORS.md documents an edit command (the reference's
``AT=EM`` is not confirmed there), so a meeting is changed on Webex's own pages:
``meetings_url`` is where the host finds it.

Passwords: a login ticket (``TK``, minted for one login by the site) is
preferred to a password in every case. A login URL built with a password
carries it in the query string, which ends up in browser history and in
Webex's logs, and must never be written to the portal's logs (``redact``
removes ``PW`` and ``TK`` for logging); ``login_form`` POSTs the password
instead and is the way to use one. A join link carries only the meeting's
password, as Webex's own invitations do.

Every value goes through ``urlencode``, and free text (topic, names) is
flattened to one line first, so nothing a person types can add a parameter
or a header.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conferencing.base import MeetingKind, MeetingRequest, Unsupported

#: The command pages, relative to the site URL: the only paths this module knows.
PAGES = {"partner": "p.php", "meeting": "m.php"}
#: Which page serves which ``AT`` command.
COMMANDS = {
    "LI": "partner",
    "LO": "partner",
    "SM": "meeting",
    "HM": "meeting",
    "JM": "meeting",
    "LM": "meeting",
}
#: ``MU`` value that sends the browser to ``BU`` after logging in.
GO_BACK = "GoBack"
#: Parameters whose values are secrets: never logged (see ``redact``).
SECRET_PARAMS = frozenset({"PW", "TK"})

_KEY_SEPARATORS = re.compile(r"[\s-]+")
_DIGITS = re.compile(r"\d{1,12}")


@dataclass(frozen=True)
class LaunchForm:
    """A form the page auto-submits by POST, so a password stays out of URLs and history."""

    action: str
    fields: dict[str, str]


# --- checks ---------------------------------------------------------------------


def site_url(base_url: str) -> str:
    """``https://SITE.webex.com/SITE``, checked: http(s), with the site's path, nothing more."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the Webex site URL must start with https:// : {base_url!r}")
    if not parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(
            "the Webex site URL must end with the site name and carry no query, "
            f"e.g. https://acme.webex.com/acme : {base_url!r}"
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def back_url_checked(back_url: str) -> str:
    """A back URL must be an absolute http(s) URL (the portal's own view), or empty."""
    if not back_url:
        return ""
    parts = urlsplit(back_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"a back URL must be an absolute http(s) URL: {back_url[:100]!r}")
    if any(unicodedata.category(char) == "Cc" or char.isspace() for char in back_url):
        raise ValueError("a back URL must not contain spaces or control characters")
    return back_url


def meeting_key(value: str) -> str:
    """Digits only; the spaces or dashes people type (``123 456 789``) are dropped."""
    key = _KEY_SEPARATORS.sub("", str(value))
    if not _DIGITS.fullmatch(key):
        raise ValueError(f"a Webex meeting key is digits: {str(value)[:20]!r}")
    return key


def one_line(text: str) -> str:
    """Free text with control characters (CR, LF, tab, NUL...) turned into spaces."""
    flat = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)
    return " ".join(flat.split())


def zone(name: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(name, dt.tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


# --- the links ------------------------------------------------------------------


def command_url(site: str, command: str, params: dict[str, str]) -> str:
    """``site/<page>.php?AT=<command>&...``; empty values are left out, ``BU`` goes last."""
    page = PAGES[COMMANDS[command]]
    query = [("AT", command)]
    query += [(key, value) for key, value in params.items() if value and key != "BU"]
    if params.get("BU"):
        query.append(("BU", params["BU"]))
    return f"{site_url(site)}/{page}?{urlencode(query)}"


def _login_params(
    site: str, webex_id: str, *, ticket: str, password: str, back_url: str, then: str
) -> dict[str, str]:
    webex_id = webex_id.strip()
    if not webex_id or one_line(webex_id) != webex_id:
        raise ValueError("logging in needs the host's Webex ID, on one line")
    if then and not then.startswith(site_url(site) + "/"):
        raise ValueError("`then` must be a link on the same Webex site (e.g. host_url(...))")
    params = {"WID": webex_id}
    if ticket:
        params["TK"] = ticket  # preferred: single-use, short-lived, not the host's password
    elif password:
        params["PW"] = password
    else:
        raise ValueError("logging in needs a login ticket (preferred) or a password")
    params["MU"] = then or (GO_BACK if back_url else "")
    params["BU"] = back_url_checked(back_url)
    return params


def login_url(
    site: str,
    webex_id: str,
    *,
    ticket: str = "",
    password: str = "",
    back_url: str = "",
    then: str = "",
) -> str:
    """Log the browser in to the Webex site (``AT=LI``).

    With a ticket the password is never sent, even if given. ``then`` is a link
    on the same site to open once logged in (``MU``), typically ``host_url``;
    without it Webex goes back to ``back_url``. A failure always goes back to
    ``back_url`` with ``RS`` AccessDenied, InvalidTicket, AccountLocked or
    AlreadyLogon. A URL built with a password is a secret: see the module doc.
    """
    params = _login_params(
        site, webex_id, ticket=ticket, password=password, back_url=back_url, then=then
    )
    return command_url(site, "LI", params)


def login_form(
    site: str, webex_id: str, *, password: str, back_url: str = "", then: str = ""
) -> LaunchForm:
    """``AT=LI`` with the password in a POST body rather than the URL."""
    if not password:
        raise ValueError("login_form is for a password; use login_url for a login ticket")
    params = _login_params(
        site, webex_id, ticket="", password=password, back_url=back_url, then=then
    )
    fields = {"AT": "LI", **{key: value for key, value in params.items() if value}}
    return LaunchForm(action=f"{site_url(site)}/{PAGES['partner']}", fields=fields)


def sign_in_form(site: str, *, back_url: str, then: str = "") -> LaunchForm:
    """``AT=LI`` for the host to fill in: the page adds ``WID`` and ``PW`` inputs and the
    browser posts them straight to Webex, so the portal never holds the password.

    ``then`` (a link on the same site, e.g. ``schedule_url``) opens once signed in;
    without it Webex goes back to ``back_url``, as it does on a failure.
    """
    if then and not then.startswith(site_url(site) + "/"):
        raise ValueError("`then` must be a link on the same Webex site (e.g. schedule_url(...))")
    fields = {"AT": "LI", "MU": then or GO_BACK, "BU": back_url_checked(back_url)}
    return LaunchForm(action=f"{site_url(site)}/{PAGES['partner']}", fields=fields)


def logout_url(site: str, back_url: str = "") -> str:
    return command_url(site, "LO", {"BU": back_url_checked(back_url)})


def schedule_url(
    site: str, request: MeetingRequest, *, time_zone: str | dt.tzinfo = "UTC", back_url: str = ""
) -> str:
    """Schedule a single meeting as the logged-in host (``AT=SM``).

    ``time_zone`` must be the host's time zone in Webex: the URL API takes the
    wall-clock start (``YE MO DA HO MI``) and reads it in that zone. The
    duration is whole minutes, rounded up. Webex answers on the back URL with
    the new meeting's key in ``MK``.
    """
    if request.kind != MeetingKind.MEETING:
        raise Unsupported(
            f"the Webex Meeting Center URL API schedules meetings only, not {request.kind.name}"
        )
    if request.is_recurring:
        raise Unsupported("the Webex URL API schedules single meetings, not recurring ones")
    if request.start is None or request.end is None:
        raise ValueError("scheduling needs a start and an end")
    if request.start.tzinfo is None or request.start.utcoffset() is None:
        raise ValueError("refusing a naive start time: its time zone would be a guess")
    seconds = (request.end - request.start).total_seconds()
    if seconds <= 0:
        raise ValueError("a meeting must end after it starts")
    topic = one_line(request.topic)
    if not topic:
        raise ValueError("a Webex meeting needs a topic")
    local = request.start.astimezone(zone(time_zone))
    params = {
        "MN": topic,
        "YE": str(local.year),
        "MO": str(local.month),
        "DA": str(local.day),
        "HO": str(local.hour),
        "MI": str(local.minute),
        "DU": str(-(-int(seconds) // 60)),
        "PW": request.password,
        "BU": back_url_checked(back_url),
    }
    return command_url(site, "SM", params)


def host_url(site: str, key: str, *, back_url: str = "") -> str:
    """Start a meeting as its host (``AT=HM``); the browser must be logged in as that host."""
    return command_url(site, "HM", {"MK": meeting_key(key), "BU": back_url_checked(back_url)})


def meetings_url(site: str) -> str:
    """The signed-in host's meetings on the site (``AT=LM``), where each can be opened and
    changed on Webex's own pages."""
    return command_url(site, "LM", {})


def join_url(
    site: str, key: str, *, name: str = "", email: str = "", password: str = "", back_url: str = ""
) -> str:
    """Join a meeting (``AT=JM``) under a name and email, so Webex need not ask for them."""
    params = {
        "MK": meeting_key(key),
        "AN": one_line(name),
        "AE": one_line(email),
        "PW": password,
        "BU": back_url_checked(back_url),
    }
    return command_url(site, "JM", params)


def redact(url: str) -> str:
    """The URL with passwords and login tickets replaced by ``***``, fit for a log line."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    safe = [
        (key, "***" if key.upper() in SECRET_PARAMS and value else value) for key, value in pairs
    ]
    return urlunsplit(parts._replace(query=urlencode(safe)))
