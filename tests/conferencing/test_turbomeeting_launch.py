from urllib.parse import parse_qs, urlsplit

import defusedxml.ElementTree as DET
import pytest

from conferencing.base import MeetingKind
from conferencing.turbomeeting.client import PATHS, Endpoint
from conferencing.turbomeeting.launch import (
    COMMAND_FILE_ROOT,
    LaunchForm,
    android_intent_url,
    app_url,
    command_file,
    command_file_address,
    join_url,
    parse_launch_url,
    start_form,
    start_url,
    web_viewer_url,
)

SERVER = "https://meet.example.com/"


def test_start_form_posts_passwords_and_keeps_them_out_of_the_url():
    form = start_form(
        SERVER,
        email="host@example.com",
        user_password="pw1",
        meeting_id="123",
        meeting_password="pw2",
    )
    assert form == LaunchForm(
        action="https://meet.example.com/as/wapi/goto_downloader",
        fields={
            "role": "host",
            "email": "host@example.com",
            "user_password": "pw1",
            "meeting_id": "123",
            "password": "pw2",
        },
    )
    assert "pw" not in form.action


def test_unscheduled_start_form_has_no_meeting_fields():
    form = start_form(SERVER, email="host@example.com")
    assert form.fields == {"role": "host", "email": "host@example.com", "user_password": ""}


def test_start_url_has_no_password():
    url = start_url(SERVER, email="host@example.com", meeting_id="123")
    assert url == (
        "https://meet.example.com/as/wapi/goto_downloader"
        "?role=host&email=host%40example.com&meeting_id=123"
    )
    assert "password" not in url


def test_join_url_is_what_the_published_join_page_sends():
    url = join_url(SERVER, name="Brian Smith & Co", meeting_id="123", password="p&q")
    parts = urlsplit(url)
    assert parts.path == "/as/wapi/goto_downloader"
    assert parse_qs(parts.query) == {
        "role": ["attendee"],
        "name": ["Brian Smith & Co"],
        "meeting_id": ["123"],
        "password": ["p&q"],
        "sumbit": ["submit"],
    }


def test_parse_launch_url_accepts_the_specs_misspelt_role():
    url = "http://tm.example.com/as/wapi/goto_downloader?role=attende&name=A&meeting_id=9"
    assert parse_launch_url(url) == {"role": "attendee", "name": "A", "meeting_id": "9"}
    assert parse_launch_url(join_url(SERVER, name="A", meeting_id="9"))["role"] == "attendee"
    assert parse_launch_url(start_url(SERVER, email="h@example.com"))["role"] == "host"


@pytest.mark.parametrize("url", ["https://x/as/wapi/goto_downloader", "https://x/?role=admin"])
def test_parse_launch_url_refuses_urls_without_a_known_role(url):
    with pytest.raises(ValueError, match="launch URL"):
        parse_launch_url(url)


def test_web_viewer_url():
    assert web_viewer_url(SERVER, meeting_id="123", name="Ann") == (
        "https://meet.example.com/as/wapi/web_viewer?meeting_id=123&name=Ann"
    )


def test_paths_come_from_the_one_table(monkeypatch):
    monkeypatch.setitem(PATHS, "goto_downloader", Endpoint("/custom/launch"))
    assert start_url(SERVER, email="h@example.com").startswith(
        "https://meet.example.com/custom/launch?"
    )


def test_app_url_for_attendees_and_hosts():
    assert app_url(
        role="attendee",
        account_server="meet.example.com",
        meeting_id="123",
        meeting_password="p w",
        name="Ann",
    ) == (
        "turbomeeting80://?role=attendee&meeting_id=123&meeting_password=p+w&name=Ann"
        "&account_server_ip=meet.example.com"
    )
    assert (
        app_url(
            scheme="turbomeeting61",
            role="host",
            account_server="10.0.0.5",
            email="h@example.com",
            user_password="pw",
        )
        == "turbomeeting61://?role=host&email=h%40example.com&user_password=pw&account_server_ip=10.0.0.5"
    )


def test_android_intent_url():
    url = android_intent_url(role="attende", account_server="meet.example.com", meeting_id="1")
    assert url == (
        "intent://?role=attendee&meeting_id=1&meeting_password=&name="
        "&account_server_ip=meet.example.com"
        "#Intent;scheme=turbomeeting80;package=com.rhubcom.turbomeeting80;end"
    )
    assert parse_launch_url(url)["meeting_id"] == "1"
    custom = android_intent_url(
        scheme="turbomeetingmobile",
        package="com.rhubcom.turbomeeting",
        role="host",
        account_server="s",
        email="h@example.com",
    )
    assert custom.endswith("#Intent;scheme=turbomeetingmobile;package=com.rhubcom.turbomeeting;end")


@pytest.mark.parametrize(
    "options",
    [
        {"role": "attendee", "account_server": "s"},  # no meeting_id
        {"role": "host", "account_server": "s"},  # no email
        {"role": "guest", "account_server": "s", "email": "e"},
        {"role": "host", "account_server": "s", "email": "e", "scheme": "bad scheme"},
    ],
)
def test_app_url_refuses_incomplete_requests(options):
    with pytest.raises(ValueError):
        app_url(**options)


def _read(file: bytes) -> tuple[str, dict[str, str]]:
    root = DET.fromstring(file, forbid_dtd=True)
    return root.tag, {child.tag: child.text or "" for child in root}


def test_join_command_file():
    file = command_file(
        action="Join",
        server_address="meet.example.com",
        server_port=443,
        meeting_id="123",
        meeting_password="</MeetingPassword><x>",
        attendee_name="Brian Smith",
        start_at_minimized=True,
    )
    assert file.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    tag, values = _read(file)
    assert tag == COMMAND_FILE_ROOT == "TurboMeeting"
    assert list(values) == [
        "Action",
        "ServerAddress",
        "ServerPort",
        "MeetingPassword",
        "MeetingId",
        "AttendeeName",
        "Email",
        "UserPassword",
        "MeetingType",
        "StartMeetingNow",
        "StartAtMinimized",
        "Caller",
        "Timeout",
    ]
    assert values["Action"] == "Join"
    assert values["ServerPort"] == "443"
    assert values["MeetingPassword"] == "</MeetingPassword><x>"
    assert values["AttendeeName"] == "Brian Smith"
    assert values["StartAtMinimized"] == "Y"
    assert values["Caller"] == ""
    assert values["Timeout"] == "-1"


def test_host_command_file():
    _, values = _read(
        command_file(
            action="host",
            server_address="10.0.0.5",
            email="h@example.com",
            user_password="pw",
            kind=MeetingKind.WEBINAR,
            start_meeting_now=False,
            timeout=3600,
        )
    )
    assert values["Action"] == "Host"
    assert values["ServerPort"] == "80"
    assert values["Email"] == "h@example.com"
    assert values["UserPassword"] == "pw"
    assert values["MeetingType"] == "3"
    assert values["StartMeetingNow"] == "N"
    assert values["StartAtMinimized"] == "N"
    assert values["Timeout"] == "3600"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"action": "Join", "meeting_id": "1"}, "attendee_name"),
        ({"action": "Join", "attendee_name": "A"}, "meeting_id"),
        ({"action": "Host"}, "email"),
        ({"action": "Watch", "email": "e"}, "Host or Join"),
        ({"action": "Host", "email": "e", "server_port": 8080}, "80, 443, 8889"),
        ({"action": "Host", "email": "e", "timeout": -2}, "timeout"),
        ({"action": "Host", "email": "e", "server_address": ""}, "server address"),
    ],
)
def test_command_file_validates_per_action(options, message):
    with pytest.raises(ValueError, match=message):
        command_file(**({"server_address": "s"} | options))


@pytest.mark.parametrize(
    ("server_url", "expected"),
    [
        ("https://tm.example:8889/", ("tm.example", 8889)),
        ("https://tm.example", ("tm.example", 443)),
        ("http://tm.example", ("tm.example", 80)),
        ("http://127.0.0.1:8900", ("127.0.0.1", 80)),  # no client port: the scheme's
    ],
)
def test_command_files_use_the_servers_real_port_where_the_client_has_it(server_url, expected):
    assert command_file_address(server_url) == expected
