"""The fault scenarios' table: ``--reliability-report PATH`` writes it (a pytest plugin, loaded by
tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

_rows: list = []
# Checks listed in the report: the bad-input sweep, and every security module
# (test_security.py and test_security_<topic>.py), each under its own heading.
_checks: dict[str, list[tuple[str, str]]] = {"test_bad_input.py": [], "test_security.py": []}


def _listed(module: str) -> bool:
    return module == "test_bad_input.py" or (
        module.startswith("test_security") and module.endswith(".py")
    )


def pytest_addoption(parser):
    parser.addoption(
        "--reliability-report",
        default="",
        help="write the fault scenarios' table (Markdown) to this file",
    )


@pytest.fixture
def reliability_rows() -> list:
    return _rows


HEADER = [
    "| server | operation | fault | tried | lost | duplicated | orphaned | reason shown "
    "| reconciled | result |",
    "|---|---|---|---|---|---|---|---|---|---|",
]


SECTIONS = {
    "Faults": [],
    "Load": [
        "Through gunicorn on PostgreSQL (skipped on SQLite). *Duplicated* counts seats",
        "given beyond the capacity; *reconciled*, every request answered as expected.",
    ],
    "Scale-out": [
        "Two gunicorns and two Celery workers on one PostgreSQL and one Redis (skipped",
        "without them). *Duplicated* counts work done twice (a second poll round, a",
        "second account); *reconciled*, one consistent outcome whichever process served.",
    ],
    "Webhooks": [
        "A customer's receiver (a real http.server verifying every signature with the",
        "standardwebhooks library) is broken one way while a webinar, its registrations",
        "and a meeting make events; then it is mended and the sweep runs twice. *Lost*:",
        "events recorded that never arrived. *Duplicated*: events that arrived under two",
        "webhook-ids (a retry resends the same id, which receivers may drop). *Reason",
        "shown*: each delivery's log says why it failed. *Reconciled*: every delivery",
        "delivered, every signature verified.",
    ],
}


def _row(r) -> str:
    return (
        f"| {r.server} | {r.operation} | {r.fault} | {r.tried} | {r.lost} | {r.duplicated} | "
        f"{r.orphaned} | "
        f"{'yes' if r.reason_shown else 'NO'} | {'yes' if r.reconciled else 'NO'} | "
        f"{'ok' if r.ok else 'FAILED'} |"
    )


def pytest_runtest_logreport(report):
    """The bad-input and security checks' outcomes, for their lists in the report."""
    module = report.nodeid.split("::")[0].rsplit("/", 1)[-1]
    if _listed(module) and (report.when == "call" or report.skipped):
        result = "known defect (xfail)" if hasattr(report, "wasxfail") else report.outcome
        _checks.setdefault(module, []).append((report.nodeid.split("::", 1)[1], result))


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("--reliability-report", default="")
    if not path or not (_rows or any(_checks.values())):
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    lines = [
        "# Reliability",
        "",
        "Written by `make reliability` (tests/reliability/); do not edit by hand.",
        f"Run on {dt.date.today():%Y-%m-%d} against the fake meeting servers over real HTTP,",
        f"database {engine}, broker {'Redis' if settings.REDIS_URL else 'files'}.",
        "",
        "## Faults",
        "",
        "Each operation runs once against each kind of server (TurboMeeting, TrueConf,",
        "OpenMeetings, BigBlueButton; Webex for what it does) while the server is broken",
        "one way;",
        "then the server is mended, the retry sweep runs, and an operator resolves",
        "what the portal marked *needs attention* (a Webex meeting: the host schedules",
        "it in the browser). Webex's URL API works only in people's browsers, so the",
        "portal's own calls never reach it and nothing can refuse them: it has no",
        "*refused* rows, and no edit, polling or webinar rows (it takes no changes,",
        "reports no status and holds no webinars). *Lost*: the portal's own record",
        "(or the change to it) is gone. *Duplicated*: the server holds a second copy",
        "afterwards. *Reason shown*: the record carries a sentence for the person",
        "while it is not in step. *Reconciled*: the server matches the portal",
        "afterwards. *Orphaned*: TurboMeeting meeting IDs the server reserved",
        "(`remote_schedule`) whose answer was lost, so a retry reserved another;",
        "nothing is scheduled under them. TrueConf and OpenMeetings orphan nothing:",
        "a create carries the portal's key for the meeting (a chosen conference ID,",
        "a room's externalId), so one resent after its answer was lost finds the first.",
        "BigBlueButton holds a meeting only while it runs: the portal names it when it is",
        "scheduled and creates it when the host presses Start (*meeting start*, pressed",
        "again once the server is mended); a second create of one meeting ID answers the",
        "meeting already there, so nothing is scheduled, changed or cancelled on the",
        "server ahead, and nothing is duplicated.",
        "",
        *HEADER,
    ]
    for section, description in SECTIONS.items():
        if section != "Faults":
            lines += ["", f"## {section}", "", *description, "", *HEADER]
        rows = [_row(r) for r in _rows if r.section == section]
        lines += rows or ["| (not run: needs PostgreSQL and Redis) ||||||||||"]
    security = sorted(m for m in _checks if m != "test_bad_input.py")
    titled = [("test_bad_input.py", "Bad input")] + [
        (m, "Security" + (f": {m[len('test_security_') : -3]}" if m != "test_security.py" else ""))
        for m in security
    ]
    for module, title in titled:
        checks = _checks[module]
        lines += ["", f"## {title}", "", f"`tests/reliability/{module}`, one line per check.", ""]
        lines += [f"- {name}: {result}" for name, result in checks] or ["- (not run)"]
    total = (sum(r.tried for r in _rows), sum(r.lost for r in _rows))
    lines += [
        "",
        f"{len(_rows)} scenarios, {total[0]} operations tried, {total[1]} objects lost, "
        f"{sum(r.duplicated for r in _rows)} duplicated on the server, "
        f"{sum(r.orphaned for r in _rows)} orphaned, "
        f"{sum(not r.ok for r in _rows)} failed.",
        "",
    ]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines))
