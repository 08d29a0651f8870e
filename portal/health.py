"""/healthz: can the portal reach what it depends on?"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from conferencing.base import Backend
from portal import servers
from portal.celery import app as celery_app

log = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _meeting_server() -> dict[str, int] | None:
    """The meeting servers customers use answer, asked all at once; the others are
    counted as unused.

    A server configured but used by no customer (one being set up, one kept for
    later) does not make the portal unhealthy: nothing depends on it yet.
    /healthz is public: each server's answer is remembered for
    SERVER_HEALTH_SECONDS, so no stream of requests becomes a stream of calls
    to the meeting servers.
    """
    from portal.accounts.models import Customer, MeetingServer

    targets = {}
    unused = 0
    for server in MeetingServer.objects.annotate(
        used=Exists(Customer.objects.filter(server=OuterRef("pk")))
    ):
        if not server.used:
            unused += 1
            continue
        make = functools.partial(servers.server_backend, server)
        targets[server.name] = (f"{server.pk}:{server.backend}", server.base_url, make)
    if not targets:
        return {"servers": 0, "unused": unused}
    with ThreadPoolExecutor(max_workers=min(len(targets), 16)) as pool:
        answers = {name: pool.submit(_answers, *target) for name, target in targets.items()}
    errors = {name: answer.result() for name, answer in answers.items()}
    failed = {name: error for name, error in errors.items() if error}
    if failed:
        # Which ones, and why, go to the log: /healthz is public, and a server's name,
        # address or error text is not for everyone.
        for name, error in failed.items():
            log.warning("health: meeting server %s did not answer: %s", name, error)
        raise RuntimeError(f"{len(failed)} of {len(targets)} meeting servers did not answer")
    return {"servers": len(targets), "unused": unused}


def _answers(server: str, url: str, make: Callable[[], Backend]) -> str:
    """Empty when the server answered, else why not; remembered for a short while."""
    cache_key = "health:server:" + hashlib.sha256(f"{server} {url}".encode()).hexdigest()
    error = cache.get(cache_key)
    if error is None:
        try:
            make().ping()
        except Exception as exc:  # noqa: BLE001  (any failure means "down")
            error = f"{type(exc).__name__}: {exc}"
        else:
            error = ""
        cache.set(cache_key, error, settings.SERVER_HEALTH_SECONDS)
    return error


CHECKS: dict[str, Callable[[], dict[str, int] | None]] = {
    "database": _database,
    "broker": _broker,
    "meeting_server": _meeting_server,
}


def run_checks(names: list[str] | None = None) -> dict[str, dict[str, object]]:
    results = {}
    for name, check in CHECKS.items():
        if names and name not in names:
            continue
        try:
            counts = check()
        except Exception as exc:  # noqa: BLE001  (any failure means "down")
            results[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"status": "up", **(counts or {})}
    return results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """All dependencies by default; ``?check=database`` for a load balancer's liveness probe.

    The portal keeps serving while the meeting server is down (it queues
    and retries), so a load balancer should not take every node out then.
    """
    names = [n for n in request.GET.get("check", "").split(",") if n in CHECKS]
    checks = run_checks(names)
    healthy = all(c["status"] == "up" for c in checks.values())
    return JsonResponse(
        {"status": "up" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )
