"""Queue a Celery task by its name, so services never import the tasks that call them.

The rule, in every app: Celery tasks live in the app's ``tasks.py`` and call its
services; a service that needs work done later queues the task by name
(``queue("portal.exports.tasks.export_run", job_id)``), usually inside
``transaction.on_commit``, with ids, never objects. Each app's ``ready()``
imports its ``tasks`` module, so the name resolves to the registered task (and
runs in-process when ``CELERY_TASK_ALWAYS_EAGER`` is on).
"""

from __future__ import annotations

from celery import current_app


def queue(name: str, *args, **kwargs) -> None:
    """Send the task registered as ``name`` with these arguments to the broker now."""
    current_app.signature(name, args=args, kwargs=kwargs).delay()
