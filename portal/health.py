"""/healthz: can the portal reach what it depends on?"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from portal import servers
from portal.celery import app as celery_app

log = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _meeting_server() -> None:
    """The default server and every configured one answer, asked all at once."""
    from portal.accounts.models import ConferencingServer

    targets = {"default": servers.default_backend}
    for server in ConferencingServer.objects.all():
        targets[server.name] = functools.partial(servers.server_backend, server)
    with ThreadPoolExecutor(max_workers=min(len(targets), 16)) as pool:
        answers = {
            name: pool.submit(lambda make: make().ping(), make) for name, make in targets.items()
        }
    failed = {}
    for name, answer in answers.items():
        try:
            answer.result()
        except Exception as exc:  # noqa: BLE001  (any failure means "down")
            failed[name] = f"{type(exc).__name__}: {exc}"
    if failed:
        # Which ones, and why, go to the log: /healthz is public, and a server's name,
        # address or error text is not for everyone.
        for name, error in failed.items():
            log.warning("health: meeting server %s did not answer: %s", name, error)
        raise RuntimeError(f"{len(failed)} of {len(targets)} meeting servers did not answer")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "broker": _broker,
    "meeting_server": _meeting_server,
}


def run_checks(names: list[str] | None = None) -> dict[str, dict[str, str]]:
    results = {}
    for name, check in CHECKS.items():
        if names and name not in names:
            continue
        try:
            check()
        except Exception as exc:  # noqa: BLE001  (any failure means "down")
            results[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"status": "up"}
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
