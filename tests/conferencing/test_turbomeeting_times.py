import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from conferencing.turbomeeting.times import from_server_time, to_server_time

NEW_YORK = ZoneInfo("America/New_York")


def test_formats_in_the_server_zone_to_the_minute():
    value = dt.datetime(2030, 7, 25, 13, 30, 59, tzinfo=dt.UTC)
    assert to_server_time(value, "UTC") == "2030/07/25 13:30"
    assert to_server_time(value, "Europe/Berlin") == "2030/07/25 15:30"
    assert to_server_time(value, NEW_YORK) == "2030/07/25 09:30"


def test_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        to_server_time(dt.datetime(2030, 1, 1, 9, 0), "UTC")


def test_parses_with_surrounding_whitespace_as_the_spec_prints_it():
    parsed = from_server_time("\n        2030/07/25 09:30\n      ", "America/New_York")
    assert parsed == dt.datetime(2030, 7, 25, 13, 30, tzinfo=dt.UTC)
    assert parsed.utcoffset() == dt.timedelta(hours=-4)


@pytest.mark.parametrize(
    "text",
    ["", "2030-07-25 09:30", "2030/07/25", "2030/13/01 09:30", "2030/02/30 09:30", "25:00", "x"],
)
def test_refuses_what_is_not_a_server_time(text):
    with pytest.raises(ValueError, match="server time"):
        from_server_time(text, "UTC")


def test_unknown_zone_is_a_value_error():
    with pytest.raises(ValueError, match="unknown time zone"):
        to_server_time(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "Mars/Olympus_Mons")


def test_a_wall_time_skipped_by_dst_becomes_the_real_instant_after_the_change():
    # 2030-03-10 02:30 does not exist in New York: clocks jump from 02:00 to 03:00.
    parsed = from_server_time("2030/03/10 02:30", NEW_YORK)
    assert parsed == dt.datetime(2030, 3, 10, 7, 30, tzinfo=dt.UTC)
    assert to_server_time(parsed, NEW_YORK) == "2030/03/10 03:30"


def test_an_ambiguous_wall_time_reads_as_its_first_occurrence():
    # 2030-11-03 01:30 happens twice in New York; the server cannot say which.
    # (Compared in UTC: Python never calls an ambiguous time equal to one in another zone.)
    parsed = from_server_time("2030/11/03 01:30", NEW_YORK)
    assert parsed.astimezone(dt.UTC) == dt.datetime(2030, 11, 3, 5, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("utc", "berlin"),
    [
        (dt.datetime(2030, 3, 31, 0, 59, tzinfo=dt.UTC), "2030/03/31 01:59"),
        (dt.datetime(2030, 3, 31, 1, 0, tzinfo=dt.UTC), "2030/03/31 03:00"),
        (dt.datetime(2030, 10, 27, 0, 30, tzinfo=dt.UTC), "2030/10/27 02:30"),
    ],
)
def test_round_trips_across_berlin_dst(utc, berlin):
    assert to_server_time(utc, "Europe/Berlin") == berlin
    assert from_server_time(berlin, "Europe/Berlin").astimezone(dt.UTC) == utc


zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(dt.UTC)
).map(lambda value: value.replace(second=0, microsecond=0))


@given(instants, zones)
def test_every_instant_round_trips_except_the_repeated_hour(instant, tz):
    text = to_server_time(instant, tz)
    parsed = from_server_time(text, tz)
    assert to_server_time(parsed, tz) == text
    local = instant.astimezone(ZoneInfo(tz))
    ambiguous = local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()
    if not ambiguous:
        assert parsed == instant
