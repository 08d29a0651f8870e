"""The Celery app, configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["portal.accounts", "meetings", "webinars"])


@app.task(name="portal.ping")
def ping(value: str = "pong") -> str:
    """Round trip through broker, worker and result backend (health checks, tests)."""
    return value
