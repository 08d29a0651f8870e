"""Sign-in, rate limits, logs and tokens: what an outside attack on the portal tried.

Each test is one hole the attack found, tried again the way the attacker did.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conferencing.turbomeeting.returns import parse_return
from tests.conftest import PARTNER_ID
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
SERVER = "127.0.0.1"  # in TM_CALLBACK_ALLOWED_IPS (tests/conftest.py)


def tm_auth(client, email: str, password: str):
    data = {"service_company_uid": PARTNER_ID, "email": email, "password": password}
    return parse_return(client.get("/tm/auth", data, REMOTE_ADDR=SERVER).content)


def api_token(email: str, password: str, address: str):
    data = {"username": email, "password": password}
    return APIClient().post("/api/v1/auth/token/", data, REMOTE_ADDR=address)


# --- sign-in lockouts ---------------------------------------------------------------------------


def test_a_strangers_guesses_in_a_turbomeeting_client_do_not_lock_the_host_out(client, settings):
    """Five wrong passwords typed into any TurboMeeting client reach /tm/auth from the
    meeting server's address, which stands for every TurboMeeting user."""
    settings.TM_SERVICE_COMPANY_UID = PARTNER_ID
    settings.SIGNIN_MAX_FAILURES, settings.SIGNIN_SERVER_MAX_FAILURES = 5, 50
    host = HostFactory()
    for n in range(settings.SIGNIN_MAX_FAILURES + 5):
        assert tm_auth(client, host.user.email, f"guess {n}").status == "FAILED"
    assert tm_auth(client, host.user.email, PASSWORD).ok  # the real host, a moment later

    # A scripted guesser is still stopped, at the much higher bar.
    for n in range(settings.SIGNIN_SERVER_MAX_FAILURES):
        tm_auth(client, host.user.email, f"guess {n}")
    assert "Too many" in tm_auth(client, host.user.email, PASSWORD).reason


def test_hosts_behind_one_nat_do_not_lock_each_other_out_of_the_token_endpoint(settings):
    """A script with a stale password fails over and over from an office's one address."""
    settings.SIGNIN_FAILURES_PER_ADDRESS = "5/900"
    office = "198.51.100.40"
    colleague, stale = HostFactory(), HostFactory()
    assert api_token(colleague.user.email, PASSWORD, office).status_code == 200
    for n in range(10):
        api_token(stale.user.email, f"old password {n}", office)
    assert api_token(colleague.user.email, PASSWORD, office).status_code == 200
    # A name that never signed in from there is still held back (password spraying).
    newcomer = HostFactory()
    refused = api_token(newcomer.user.email, PASSWORD, office)
    assert refused.status_code == 429 and "network" in refused.json()["reason"]


# --- per-address limits and IPv6 ----------------------------------------------------------------


def test_an_ipv6_guesser_cannot_rotate_addresses_inside_its_64(settings):
    """Every subscriber has a /64: one address per guess would never be counted twice."""
    settings.SIGNIN_MAX_FAILURES = 3
    settings.SIGNIN_FAILURES_PER_ADDRESS = "1000/900"
    host = HostFactory()
    for n in range(3):
        api_token(host.user.email, f"guess {n}", f"2001:db8:5:6::{n + 1:x}")
    locked = api_token(host.user.email, PASSWORD, "2001:db8:5:6:ffff::99")
    assert locked.status_code == 429
    assert api_token(host.user.email, PASSWORD, "2001:db8:5:7::1").status_code == 200


def test_an_ipv6_sprayer_is_throttled_per_64(settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = "5/900"
    host = HostFactory()
    for n in range(5):
        api_token(f"junk{n}@example.com", "x", f"2001:db8:9:9::{n + 1:x}")
    refused = api_token(host.user.email, PASSWORD, "2001:db8:9:9:abcd::1")
    assert refused.status_code == 429 and "network" in refused.json()["reason"]
