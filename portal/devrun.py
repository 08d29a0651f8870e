"""`make run`: the whole portal on one machine, with nothing but Python.

Starts a fake TurboMeeting server, migrates, loads demo data, then serves the
portal with a Celery worker and its beat scheduler (SQLite and a filesystem
broker unless DATABASE_URL / REDIS_URL say otherwise). Ctrl-C stops it all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("PORT", "8000"))
FAKE_PORT = int(os.environ.get("FAKE_TM_PORT", "8900"))
PORTAL = f"http://127.0.0.1:{PORT}"


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    env.setdefault("TM_SERVER_URL", f"http://127.0.0.1:{FAKE_PORT}")
    env.setdefault("TM_PASSWORD_ENCODING", "plain")
    env.setdefault("PORTAL_URL", PORTAL)
    env.setdefault("CSRF_TRUSTED_ORIGINS", PORTAL)
    python = sys.executable
    processes: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        processes.append(process)
        return process

    def stop_all(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if env["TM_SERVER_URL"] == f"http://127.0.0.1:{FAKE_PORT}":
            start(
                python, "-m", "conferencing.fakes.turbomeeting",
                "--port", str(FAKE_PORT),
                "--partner-id", env.get("TM_SERVICE_COMPANY_UID", "demo-partner"),
                "--integration-code", env.get("TM_INTEGRATION_CODE", "demo-integration"),
                "--admin-email", env.get("TM_ADMIN_EMAIL", "admin@example.com"),
                "--admin-password", env.get("TM_ADMIN_PASSWORD", "admin-password"),
                "--portal-auth-url", f"{PORTAL}/tm/auth",
            )  # fmt: skip
            _wait_for(env["TM_SERVER_URL"] + "/_fake/state")
        manage = [python, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "demo_data"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "demo_webinars"], cwd=ROOT, env=env, check=True)
        start(
            python, "-m", "celery", "-A", "portal", "worker", "--beat",
            "--loglevel", "INFO", "--concurrency", "2",
            "--schedule", str(ROOT / "var" / "celerybeat-schedule"),
        )  # fmt: skip
        start(*manage, "runserver", f"127.0.0.1:{PORT}", "--noreload")
        _wait_for(PORTAL + "/healthz", accept_503=True)
        print(
            f"\n  Host dashboard:  {PORTAL}/dashboard/   admin: {PORTAL}/admin/\n"
            f"  API docs:        {PORTAL}/api/docs/     health: {PORTAL}/healthz\n"
            f"  Fake TurboMeeting server: {env['TM_SERVER_URL']}\n"
            "  Logins:  admin / admin-demo-password   (staff)\n"
            "           host@acme.example / host-demo-password   (host of 'acme')\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("A process stopped; stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all()


def _wait_for(url: str, *, accept_503: bool = False, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310  (our own loopback URL)
            return
        except urllib.error.HTTPError as exc:
            if accept_503 and exc.code == 503:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
