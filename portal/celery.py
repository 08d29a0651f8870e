"""The Celery app, configured from Django settings under the CELERY_ namespace."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["portal.accounts", "meetings", "webinars"])


@app.on_after_configure.connect
def make_broker_folders(sender, source, **kwargs) -> None:
    """The embedded broker (no REDIS_URL) keeps its queue and results in folders that
    neither kombu nor Celery makes. They are made when Celery is first used, not when
    the settings are read: a container may keep the code on a read-only file system."""
    if source.broker_url != "filesystem://":
        return
    options = source.broker_transport_options
    folders = [options[name] for name in ("data_folder_in", "processed_folder", "control_folder")]
    folders.append(source.result_backend.removeprefix("file://"))
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)


@app.task(name="portal.ping")
def ping(value: str = "pong") -> str:
    """Round trip through broker, worker and result backend (health checks, tests)."""
    return value
