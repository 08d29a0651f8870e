import defusedxml.ElementTree as DET
import pytest
from hypothesis import given, strategies as st

from conferencing.base import BadServerResponse
from conferencing.turbomeeting.returns import TMReturn, build_return, parse_return

# Spec §2 as printed: every value on its own line, indented.
SPEC_CREATE = b"""
<__Return__>
  <__Status__>
    SUCCEED
  </__Status__>
  <__Reason__>
  </__Reason__>
  <__CompanyUid__>
    6f1c9a7e-0b7d-4a55-9d7c-2f0b1f3e5a10
  </__CompanyUid__>
</__Return__>
"""

# Spec §11 as printed.
SPEC_MEETINGS = b"""<?xml version="1.0" encoding="UTF-8"?>
<__Return__>
  <__Status__>
    SUCCEED
  </__Status__>
  <__Reason__>
  </__Reason__>
  <__MeetingList__>
    <__Meeting__>
      <__MeetingId__>
        123456789
      </__MeetingId__>
      <__ScheduledStartTime__>
        2030/03/04 09:30
      </__ScheduledStartTime__>
      <__MeetingTopic__>
        Quarterly review
      </__MeetingTopic__>
      <__JoinMeetingURL__>
        https://portal.example.com/join/123456789
      </__JoinMeetingURL__>
    </__Meeting__>
    <__Meeting__>
      <__MeetingId__>987654321</__MeetingId__>
      <__MeetingTopic__></__MeetingTopic__>
    </__Meeting__>
  </__MeetingList__>
</__Return__>
"""


def test_parses_the_spec_layout_with_whitespace_around_values():
    ret = parse_return(SPEC_CREATE)
    assert ret == TMReturn(
        status="SUCCEED",
        reason="",
        fields={"CompanyUid": "6f1c9a7e-0b7d-4a55-9d7c-2f0b1f3e5a10"},
    )
    assert ret.ok


def test_parses_a_meeting_list():
    ret = parse_return(SPEC_MEETINGS)
    assert ret.fields == {}
    assert ret.meetings == [
        {
            "MeetingId": "123456789",
            "ScheduledStartTime": "2030/03/04 09:30",
            "MeetingTopic": "Quarterly review",
            "JoinMeetingURL": "https://portal.example.com/join/123456789",
        },
        {"MeetingId": "987654321", "MeetingTopic": ""},
    ]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("SUCCEED", "SUCCEED"),
        ("SUCCEEDED", "SUCCEED"),
        ("succeeded", "SUCCEED"),
        ("Success", "SUCCEED"),
        ("\n   Succeed \n", "SUCCEED"),
        ("FAILED", "FAILED"),
        ("failed", "FAILED"),
        ("Deleted", "DELETED"),
        ("pending", "PENDING"),
    ],
)
def test_normalises_status(raw, status):
    ret = parse_return(build_return(raw))
    assert ret.status == status
    assert ret.ok is (status == "SUCCEED")


def test_tolerates_unknown_elements_and_keeps_them_as_fields():
    body = b"""<__Return__>
      <__Status__>FAILED</__Status__>
      <__Reason__>  no such account  </__Reason__>
      <__Extra__>x</__Extra__>
      <Plain>y</Plain>
      <__Nested__><__Deep__>z</__Deep__></__Nested__>
      <!-- a comment -->
    </__Return__>"""
    ret = parse_return(body)
    assert ret.status == "FAILED"
    assert ret.reason == "no such account"
    assert ret.fields == {"Extra": "x", "Plain": "y"}


def test_get_is_case_insensitive_because_the_spec_mixes_id_spellings():
    ret = parse_return(build_return("SUCCEED", fields={"MeetingId": "42", "UserID": "u1"}))
    assert ret.get("MeetingID") == "42"
    assert ret.get("UserId") == "u1"
    assert ret.get("Missing") == ""
    assert ret.get("Missing", "default") == "default"


HOSTILE = {
    "billion laughs": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<__Return__><__Status__>&lol4;</__Status__></__Return__>""",
    "external entity": b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<__Return__><__Status__>&xxe;</__Status__></__Return__>""",
    "external DTD": b"""<?xml version="1.0"?>
<!DOCTYPE __Return__ SYSTEM "http://127.0.0.1:9/evil.dtd">
<__Return__><__Status__>SUCCEED</__Status__></__Return__>""",
    "parameter entity": b"""<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]>
<__Return__/>""",
    "undefined entity": b"<__Return__><__Status__>&nope;</__Status__></__Return__>",
    "wrong root": b"<html><__Status__>SUCCEED</__Status__></html>",
    "no status": b"<__Return__><__Reason__>?</__Reason__></__Return__>",
    "empty": b"",
    "html": b"<!DOCTYPE html><html><body><p>502 Bad Gateway<br></body></html>",
    "truncated": SPEC_CREATE[:60],
    "json": b'{"Status": "SUCCEED"}',
    "bad encoding": b'<?xml version="1.0" encoding="no-such-codec"?><__Return__/>',
    "not utf-8": b"<__Return__><__Status__>\xff\xfe</__Status__></__Return__>",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_refuses_hostile_or_broken_input(body):
    with pytest.raises(BadServerResponse):
        parse_return(body)


def test_refuses_an_oversized_answer_before_parsing():
    body = build_return("SUCCEED", fields={"Padding": "x" * 2000})
    with pytest.raises(BadServerResponse, match="more than 1000"):
        parse_return(body, max_bytes=1000)
    assert parse_return(body, max_bytes=len(body)).ok


def test_refuses_text_instead_of_bytes():
    with pytest.raises(BadServerResponse):
        parse_return(SPEC_CREATE.decode())  # type: ignore[arg-type]


def test_build_writes_a_declaration_elements_in_order_and_closed_empty_elements():
    body = build_return(
        "SUCCEEDED",
        fields=[("CompanyName", "Acme"), ("Email", "a@example.com"), ("CompanyName", "again")],
    )
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert b"<__Reason__></__Reason__>" in body
    root = DET.fromstring(body)
    assert [child.tag for child in root] == [
        "__Status__",
        "__Reason__",
        "__CompanyName__",
        "__Email__",
        "__CompanyName__",
    ]


def test_build_keeps_markup_as_text():
    topic = "</__MeetingTopic__><x>&amp; 'q' \"qq\""
    body = build_return("SUCCEED", meetings=[{"MeetingId": "1", "MeetingTopic": topic}])
    assert b"<x>" not in body
    assert parse_return(body).meetings == [{"MeetingId": "1", "MeetingTopic": topic}]


def test_build_strips_characters_xml_cannot_carry():
    body = build_return("SUCCEED", reason="a\x00b\x1fc\ufffed\ud800e")
    assert parse_return(body).reason == "abcde"


def test_build_refuses_element_names_that_are_not_names():
    with pytest.raises(ValueError, match="element name"):
        build_return("SUCCEED", fields={"bad name": "x"})


def test_empty_meeting_list_is_written_and_read_back():
    body = build_return("SUCCEED", meetings=[])
    assert b"<__MeetingList__></__MeetingList__>" in body
    assert parse_return(body).meetings == []


# --- properties ----------------------------------------------------------------


def _legal(char: str) -> bool:
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _as_read_back(text: str) -> str:
    """What any XML reader sees: illegal characters gone, line ends normalised, trimmed."""
    kept = "".join(char for char in text if _legal(char))
    return kept.replace("\r\n", "\n").replace("\r", "\n").strip(" \t\r\n")


texts = st.one_of(
    st.text(st.characters(codec=None)),
    # Lone surrogates: Python strings can hold them, XML cannot.
    st.text(st.one_of(st.characters(categories=["Cs"]), st.characters(max_codepoint=0x7F))),
    st.sampled_from(
        [
            "</__MeetingTopic__><x>",
            "\n    The status of execution\n  ",
            "]]>",
            "<![CDATA[x]]>",
            "&lol;",
            "a\r\nb\rc",
            "\u00a0nbsp\u00a0",
        ]
    ),
)
names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda name: name not in ("Status", "Reason", "MeetingList")
)


@given(
    status=st.sampled_from(["SUCCEED", "SUCCEEDED", "FAILED", "Deleted"]),
    reason=texts,
    fields=st.dictionaries(names, texts, max_size=5),
)
def test_build_then_parse_round_trips_any_text(status, reason, fields):
    ret = parse_return(build_return(status, reason=reason, fields=fields))
    assert ret.status == {"SUCCEEDED": "SUCCEED", "Deleted": "DELETED"}.get(status, status)
    assert ret.reason == _as_read_back(reason)
    assert ret.fields == {name: _as_read_back(value) for name, value in fields.items()}


@given(texts)
def test_any_status_text_reads_back_upper_cased_or_is_refused_when_blank(status):
    body = build_return(status)
    expected = _as_read_back(status).upper()
    if not expected:
        with pytest.raises(BadServerResponse):
            parse_return(body)
        return
    if expected in ("SUCCEED", "SUCCEEDED", "SUCCESS"):
        expected = "SUCCEED"
    assert parse_return(body).status == expected


@given(st.lists(st.dictionaries(names, texts, max_size=4), max_size=4))
def test_meeting_lists_round_trip(meetings):
    ret = parse_return(build_return("SUCCEED", meetings=meetings))
    assert ret.meetings == [{k: _as_read_back(v) for k, v in m.items()} for m in meetings]


_markup = st.text(alphabet="<>/_&;#!?[]=\"%' \nabcdeRturnSsDOCTYPEENTITYSYSTEM:x", max_size=300)
_valid = build_return("SUCCEED", fields={"CompanyUid": "abc"}, meetings=[{"MeetingId": "1"}])


@given(
    st.one_of(
        st.binary(max_size=2000),
        _markup.map(str.encode),
        st.tuples(st.integers(0, len(_valid)), st.binary(max_size=20)).map(
            lambda cut: _valid[: cut[0]] + cut[1] + _valid[cut[0] :]
        ),
        st.sampled_from(list(HOSTILE.values())),
    )
)
def test_any_bytes_either_parse_or_raise_bad_server_response(body):
    try:
        ret = parse_return(body)
    except BadServerResponse:
        return
    assert isinstance(ret, TMReturn)
    assert ret.status
