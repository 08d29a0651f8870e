"""Reads for webinars: lists, counts, the chart, the attendance and the export tables.

Every function here runs a fixed number of queries however many
registrations there are; pages show the meeting's stored live state and
attendance (written by the poller) and never call the meeting server.

One module per concern; every public name is importable from here:

- ``public``: the public page's webinar, kept in the cache by version, and its form's questions;
- ``counts``: registrations by status and the seats they hold (dashboard and public page);
- ``dashboard``: the host's webinars, their registrations, the chart, recent exports;
- ``attendance``: who may join, who joined, and the attendance export;
- ``registrations``: the registration export and answers as cells.
"""

from webinars.selectors.attendance import (
    ATTENDANCE_COLUMNS,
    JOINED_SHOWN,
    attendance_table,
    registration_may_join,
    webinar_attendance,
)
from webinars.selectors.counts import public_availability, webinar_counts
from webinars.selectors.dashboard import (
    dashboard_webinars,
    host_registrations,
    recent_exports,
    registrations_chart,
)
from webinars.selectors.public import (
    PUBLIC_VERSION_KEY,
    form_questions,
    public_webinar,
    public_webinars_changed,
)
from webinars.selectors.registrations import (
    ANSWER_CELLS,
    EXPORT_CHUNK_SIZE,
    EXPORT_COLUMNS,
    all_questions,
    answer_rows,
    registration_table,
)

__all__ = [
    "ANSWER_CELLS",
    "ATTENDANCE_COLUMNS",
    "EXPORT_CHUNK_SIZE",
    "EXPORT_COLUMNS",
    "JOINED_SHOWN",
    "PUBLIC_VERSION_KEY",
    "all_questions",
    "answer_rows",
    "attendance_table",
    "dashboard_webinars",
    "form_questions",
    "host_registrations",
    "public_availability",
    "public_webinar",
    "public_webinars_changed",
    "recent_exports",
    "registration_may_join",
    "registration_table",
    "registrations_chart",
    "webinar_attendance",
    "webinar_counts",
]
