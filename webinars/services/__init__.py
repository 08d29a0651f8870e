"""Writes for webinars: the only code that creates webinars, questions and registrations.

One module per aggregate: ``webinars`` (a webinar and the meeting it manages),
``questions``, ``registrations`` (and seats), ``mailing`` (which mail goes
with a status, reminders, the sweep for lost mails) and ``attendance`` (who
pressed Join on their personal link). Exports run through ``portal.exports``;
this app's exporters are in ``webinars/exports.py``.

Tasks live in ``webinars/tasks.py`` and call these services; services queue a
task by its name (``portal.queueing.queue``) once the transaction commits,
with ids, never objects, so neither module imports the other's.
"""
