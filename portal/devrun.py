"""`make run`: the whole portal on one machine, with nothing but Python.

Makes var/, migrates, then starts the processes of the Procfile with honcho
(the web server, a Celery worker, its beat scheduler and, unless TM_SERVER_URL
points elsewhere, four fake meeting servers: TurboMeeting, TrueConf,
OpenMeetings and Webex), loads the demo data once they answer, and prints
where everything is. SQLite and a filesystem broker unless DATABASE_URL /
REDIS_URL say otherwise. Ctrl-C stops it all.
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
# The other vendors' fakes, for the demo customers on TrueConf, OpenMeetings and Webex.
OTHER_FAKES = {
    "FAKE_TRUECONF_PORT": int(os.environ.get("FAKE_TRUECONF_PORT", "8901")),
    "FAKE_OPENMEETINGS_PORT": int(os.environ.get("FAKE_OPENMEETINGS_PORT", "8902")),
    "FAKE_WEBEX_PORT": int(os.environ.get("FAKE_WEBEX_PORT", "8903")),
}
PORTAL = f"http://127.0.0.1:{PORT}"


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    env.setdefault("TM_SERVER_URL", f"http://127.0.0.1:{FAKE_PORT}")
    env.setdefault("TM_PASSWORD_ENCODING", "plain")
    env.setdefault("PORTAL_URL", PORTAL)
    env.setdefault("CSRF_TRUSTED_ORIGINS", PORTAL)
    env |= {"PORT": str(PORT), "FAKE_TM_PORT": str(FAKE_PORT)}
    env |= {name: str(port) for name, port in OTHER_FAKES.items()}
    # The Procfile names gunicorn, celery and python: this virtualenv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # The settings as the portal's processes will read them (.env too): the fake
    # TurboMeeting server gets the same partner ID, integration code and admin login,
    # the settings' demo values unless something else is set.
    os.environ.update(env)
    from portal import settings

    env |= {name: getattr(settings, name) for name in settings.TM_DEMO_VALUES}
    # The SQLite database and the beat schedule live in var/; nothing else makes it.
    settings.VAR_DIR.mkdir(exist_ok=True)
    processes = ["web", "worker", "beat"]
    fakes = env["TM_SERVER_URL"] == f"http://127.0.0.1:{FAKE_PORT}"
    if fakes:
        processes += ["fake_turbomeeting", "fake_trueconf", "fake_openmeetings", "fake_webex"]
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "start", *processes],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if fakes:
            _wait_for(env["TM_SERVER_URL"] + "/_fake/state")
            for port in OTHER_FAKES.values():
                _wait_for(f"http://127.0.0.1:{port}/_fake/state")
        _wait_for(PORTAL + "/healthz", accept_503=True)
        demo = [*manage, "demo_data"]
        if fakes:
            demo += [
                f"--{name.lower().replace('_', '-')}={port}" for name, port in OTHER_FAKES.items()
            ]
        subprocess.run(demo, cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "demo_webinars"], cwd=ROOT, env=env, check=True)
        ports = ", ".join(str(port) for port in OTHER_FAKES.values())
        others = f"  Fake TrueConf, OpenMeetings, Webex: ports {ports}\n" if fakes else ""
        print(
            f"\n  Host dashboard:  {PORTAL}/dashboard/   admin: {PORTAL}/admin/\n"
            f"  API docs:        {PORTAL}/api/docs/     health: {PORTAL}/healthz\n"
            f"  Fake TurboMeeting server: {env['TM_SERVER_URL']}\n"
            f"{others}"
            "  Logins:  admin / admin-demo-password   (staff)\n"
            "           host@acme.example / host-demo-password   (host of 'acme')\n"
            "           host@globex.example, host@initech.example, host@umbrella.example:\n"
            "           the same password (customers on TrueConf, OpenMeetings, Webex)\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        return honcho.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGINT)  # honcho stops its processes in turn
            try:
                honcho.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)


def _wait_for(url: str, *, accept_503: bool = False, seconds: float = 60) -> None:
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
