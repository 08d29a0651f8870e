"""`make lint` type-checks the backends against the contract (pyproject.toml, tool.mypy)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api", reason="mypy comes with the dev extra")

ROOT = Path(__file__).resolve().parents[2]

BROKEN = """
from conferencing.base import BaseBackend, MeetingRequest, MeetingStatus
from conferencing.browser import BrowserScheduling


class Wrong(BaseBackend):
    def meeting_status(self, meeting_id: int) -> MeetingStatus:  # the contract says str
        raise NotImplementedError


class NoBackUrl(BaseBackend):
    def schedule_url(self, request: MeetingRequest) -> str:  # back_url is missing
        return ""


checked: type[BrowserScheduling] = NoBackUrl
"""


def test_a_backend_that_breaks_the_protocol_fails_the_type_check(tmp_path):
    module = tmp_path / "broken_backend.py"
    module.write_text(textwrap.dedent(BROKEN))
    config = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "c")]
    out, _, status = mypy_api.run([*config, str(module)])
    assert status == 1, out
    assert 'Argument 1 of "meeting_status" is incompatible with supertype' in out
    assert 'variable has type "type[BrowserScheduling]"' in out
