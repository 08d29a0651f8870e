"""Hosts sign in with their directory password, against a real OpenLDAP (slapd) on loopback."""

import os
import shutil
import socket
import subprocess
import time

import pytest

from conferencing.turbomeeting.returns import parse_return
from portal.accounts.models import Host
from tests.factories import CustomerFactory, company_uid

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
ldap = pytest.importorskip("ldap", reason="python-ldap not installed: pip install '.[ldap]'")
if not os.path.exists(SLAPD):
    if os.environ.get("CI"):
        raise RuntimeError(
            "CI must run the LDAP tests, but slapd is missing (apt-get install slapd)"
        )
    pytest.skip("slapd not installed (apt-get install slapd)", allow_module_level=True)

BASE = "dc=example,dc=com"
ADMIN = (f"cn=admin,{BASE}", "admin-secret")
CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {dir}/db
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "db").mkdir()
    config = folder / "slapd.conf"
    config.write_text(CONFIG.format(dir=folder, base=BASE, admin=ADMIN[0], password=ADMIN[1]))
    uri = f"ldap://127.0.0.1:{free_port()}/"
    server = subprocess.Popen(
        [SLAPD, "-f", str(config), "-h", uri, "-d", "0"], stderr=subprocess.PIPE
    )
    try:
        conn = _connect(uri, server)
        conn.add_s(
            BASE, _attrs(objectClass=["dcObject", "organization"], dc="example", o="Example")
        )
        conn.add_s(f"ou=people,{BASE}", _attrs(objectClass="organizationalUnit", ou="people"))
        conn.add_s(
            f"uid=grace,ou=people,{BASE}",
            _attrs(
                objectClass="inetOrgPerson",
                uid="grace",
                cn="Grace Hopper",
                givenName="Grace",
                sn="Hopper",
                mail="grace@corp.example",
                telephoneNumber="+1 555 0142",
                userPassword="directory-password",
            ),
        )
        conn.unbind_s()
        yield uri
    finally:
        server.terminate()
        server.wait(10)


def _connect(uri, server, seconds=10):
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = ldap.initialize(uri)
            conn.simple_bind_s(*ADMIN)
            return conn
        except ldap.SERVER_DOWN:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"slapd did not start: {server.stderr.read().decode()}"
                ) from None
            time.sleep(0.1)


def _attrs(**values):
    return [
        (name, [v.encode() for v in (value if isinstance(value, list) else [value])])
        for name, value in values.items()
    ]


@pytest.fixture
def ldap_settings(settings, directory):
    from django_auth_ldap.config import LDAPSearch

    customer = CustomerFactory(slug="corp")
    settings.AUTHENTICATION_BACKENDS = [
        "portal.accounts.ldap.HostLDAPBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.AUTH_LDAP_SERVER_URI = directory
    settings.AUTH_LDAP_BIND_DN, settings.AUTH_LDAP_BIND_PASSWORD = ADMIN
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(BASE, ldap.SCOPE_SUBTREE, "(mail=%(user)s)")
    settings.AUTH_LDAP_USER_ATTR_MAP = {
        "first_name": "givenName",
        "last_name": "sn",
        "email": "mail",
    }
    settings.LDAP_CUSTOMER = customer.slug
    return customer


@pytest.mark.django_db
def test_a_directory_user_signs_in_to_the_dashboard_and_becomes_a_host(client, ldap_settings):
    response = client.post(
        "/dashboard/login/", {"username": "grace@corp.example", "password": "directory-password"}
    )
    assert response.status_code == 302 and response.url == "/dashboard/"
    host = Host.objects.select_related("user").get()
    assert host.customer == ldap_settings
    assert (host.user.first_name, host.user.last_name, host.phone) == (
        "Grace",
        "Hopper",
        "+1 555 0142",
    )
    assert not host.user.has_usable_password()  # the directory keeps the password
    assert client.get("/dashboard/").status_code == 200

    client.logout()
    wrong = client.post(
        "/dashboard/login/", {"username": "grace@corp.example", "password": "not-it"}
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors


@pytest.mark.django_db
def test_the_meeting_server_signs_directory_users_in_through_tm_auth(
    client, ldap_settings, settings
):
    params = {"service_company_uid": settings.TM_SERVICE_COMPANY_UID, "email": "grace@corp.example"}
    reply = parse_return(
        client.get("/tm/auth", params | {"password": "directory-password"}).content
    )
    assert reply.ok, reply.reason
    assert reply.fields["FirstName"] == "Grace"
    assert reply.fields["CompanyUid"] == company_uid(ldap_settings)

    reply = parse_return(client.get("/tm/auth", params | {"password": "wrong"}).content)
    assert reply.status == "FAILED"


@pytest.mark.django_db
def test_a_directory_entry_cannot_take_over_a_portal_account(client, ldap_settings):
    from tests.factories import HostFactory

    victim = HostFactory(user__email="grace@corp.example", user__username="grace@corp.example")
    victim.user.first_name = "Victim"
    victim.user.save()
    response = client.post(
        "/dashboard/login/", {"username": "grace@corp.example", "password": "directory-password"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    victim.user.refresh_from_db()
    assert victim.user.first_name == "Victim"
    assert Host.objects.count() == 1
