"""The HTTP plumbing every backend shares."""

from __future__ import annotations

import pytest

from conferencing.fakes.server import serve
from conferencing.http import base_url_checked, pooled_session


class Recorder:
    """A WSGI app that keeps the paths it was asked for and answers ``status``."""

    def __init__(self, status: str = "200 OK", headers: list | None = None):
        self.status, self.headers, self.paths = status, headers or [], []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        start_response(self.status, [("Content-Length", "0"), *self.headers])
        return [b""]


def test_a_pooled_session_never_follows_a_redirect_whatever_the_call_asks():
    elsewhere = Recorder()
    with serve(elsewhere) as target:
        redirecting = Recorder("302 Found", [("Location", f"{target.url}/internal")])
        with serve(redirecting) as server:
            session = pooled_session()
            assert session.get(f"{server.url}/api", allow_redirects=True).status_code == 302
            assert session.post(f"{server.url}/api").status_code == 302
    assert redirecting.paths == ["/api", "/api"] and elsewhere.paths == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tm.example",
        "https://",
        "tm.example",
        "https://tm.example/?",
        "https://tm.example/#",
        "http://169.254.169.254/latest/meta-data?x=",
        "https://user:password@tm.example",
        "https://tm.example:99999",
    ],
)
def test_a_base_url_the_backends_paths_cannot_be_appended_to_is_refused(url):
    with pytest.raises(ValueError) as refused:
        base_url_checked(url)
    assert "tm.example" not in str(refused.value)  # not repeated: it may hold a password


def test_a_base_url_keeps_its_path_and_loses_its_trailing_slash():
    assert base_url_checked("https://tm.example:8443/portal/") == "https://tm.example:8443/portal"
