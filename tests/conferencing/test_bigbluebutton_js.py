"""The fake BigBlueButton held to an independent client: npm's bigbluebutton-js.

Our client and our fake could share one misreading of the API reference; a
client written by others, driving the fake over HTTP, would trip on it. The
package (pinned with its dependencies in bigbluebutton_js/package-lock.json) is
installed in a temporary folder; the test is skipped only where npm cannot reach
its registry, or node is not installed (``make test`` needs only Python).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conferencing.bigbluebutton import BigBlueButton
from conferencing.fakes.bigbluebutton import FakeBigBlueButton
from conferencing.fakes.server import RunningServer, serve

HERE = Path(__file__).parent / "bigbluebutton_js"
OFFLINE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH")


@pytest.fixture(scope="module")
def node_modules(tmp_path_factory) -> Path:
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        pytest.skip("node and npm are not installed: bigbluebutton-js cannot run here")
    work = tmp_path_factory.mktemp("bigbluebutton-js")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / name, work / name)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        if any(code in done.stderr for code in OFFLINE):
            pytest.skip(f"npm cannot reach its registry: {done.stderr.strip()[-300:]}")
        pytest.fail(f"npm ci failed:\n{done.stderr[-2000:]}")
    return work / "node_modules"


@pytest.fixture
def fake() -> FakeBigBlueButton:
    return FakeBigBlueButton(secret="shared-js-secret")


@pytest.fixture
def server(fake) -> Iterator[RunningServer]:
    with serve(fake) as running:
        yield running


def drive(node_modules: Path, root: str, secret: str) -> dict:
    done = subprocess.run(
        [shutil.which("node") or "node", str(HERE / "check.cjs"), root, secret],
        env={"NODE_PATH": str(node_modules), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_bigbluebutton_js_creates_joins_watches_and_ends_on_the_fake(node_modules, fake, server):
    root = fake.site_url(server.url)
    seen = drive(node_modules, root, fake.secret)

    assert seen["create"]["returncode"] == "SUCCESS"
    assert seen["create"]["moderatorPW"] == "mp-secret"
    again = seen["createAgain"]
    assert again["messageKey"] == "duplicateWarning"
    assert again["internalMeetingID"] == seen["create"]["internalMeetingID"]
    assert fake.created == 1

    assert seen["runningBefore"]["running"] is False
    for join in seen["joins"].values():
        assert join["status"] == 302
        assert join["location"].startswith(f"{server.url}/html5client/join?sessionToken=")
    # The meeting has ended since: its client pages say so.
    assert "session has ended" in requests.get(join["location"], timeout=5).text
    assert seen["badJoin"]["messageKey"] == "invalidPassword"

    assert seen["running"]["running"] is True
    info = seen["info"]
    assert info["participantCount"] == 2 and info["moderatorCount"] == 1
    roles = {a["fullName"]: a["role"] for a in info["attendees"]["attendee"]}
    assert roles == {"Mona Moderator": "MODERATOR", "Ada Attendee": "VIEWER"}

    assert seen["end"]["messageKey"] == "sentEndMeetingRequest"
    assert seen["runningAfter"]["running"] is False
    assert seen["infoAfter"]["messageKey"] == "notFound"
    (recording,) = seen["recordings"]["recordings"]
    assert recording["meetingID"] == seen["id"] and recording["published"] is True
    assert seen["wrongSecret"]["messageKey"] == "checksumError"

    # What bigbluebutton-js left on the server, our client reads the same way.
    ours = BigBlueButton(root, secret=fake.secret, checksum="sha1")
    (mine,) = ours.recordings(seen["id"])
    assert mine.recording_id == recording["recordID"]
    ours.close()
