"""Active-meeting status polling: the only writer of a meeting's live state.

Pages read the stored state and never call the server per meeting, so one
beat-scheduled round asks the server about every meeting that may be live,
fanned out over the backend's one pooled session, and writes the answers back
with one ORM ``update()`` per kind of change. Threads only talk HTTP; the database
is touched in the calling thread alone, so no connection leaks per thread.

A round can be shared by several Celery workers (POLL_WORKERS): each claims
meetings, POLL_CLAIM_SIZE at a time, that the round has not taken on yet
(``select_for_update(skip_locked=True)``, then one UPDATE of ``poll_round_at``;
on SQLite the IMMEDIATE transaction serialises the claims instead), so no
meeting is asked twice in a round, however many workers share it.

``rounds`` runs a round and a worker's share of it, ``asking`` claims the meetings
and asks their servers, ``storing`` writes the answers; every name callers use is
importable from here.
"""

from meetings.polling.asking import BREAKER_AFTER, EARLY_HORIZON
from meetings.polling.rounds import SHARE_TASK, PollLock, PollReport, poll_round, poll_share
from meetings.polling.storing import LIVE_FIELDS

__all__ = [
    "BREAKER_AFTER",
    "EARLY_HORIZON",
    "LIVE_FIELDS",
    "SHARE_TASK",
    "PollLock",
    "PollReport",
    "poll_round",
    "poll_share",
]
