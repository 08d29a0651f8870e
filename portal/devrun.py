"""`make run`: the whole portal on one machine, with nothing but Python.

Makes var/, migrates, then starts the processes of the Procfile with honcho
(the web server, a Celery worker and its beat scheduler) and a fake meeting
server of every installed backend (its fake module, conferencing/fakes/__init__.py,
on its ``PORT`` or ``FAKE_<NAME>_PORT``), loads the demo data once they answer,
and prints where everything is. A fake that can be the environment-managed server
becomes it unless the environment names another, and runs a second time on its own
(on ``OWN_PORT``, with ``--own``): two TurboMeeting servers, each with its customer.
SQLite and a filesystem broker unless DATABASE_URL / REDIS_URL say otherwise. Ctrl-C stops it all.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType

from conferencing.base import backend_class, backend_names

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("PORT", "8000"))
PORTAL = f"http://127.0.0.1:{PORT}"


def fakes() -> dict[str, tuple[ModuleType, int]]:
    """Every installed backend's fake module and the port `make run` serves it on."""
    found = {}
    for name in backend_names():
        module = importlib.import_module(backend_class(name).fake)
        found[name] = (module, int(os.environ.get(f"FAKE_{name.upper()}_PORT", module.PORT)))
    return found


def _has_own(module: ModuleType) -> bool:
    """Whether a fake that serves the environment's server also runs as one of its own."""
    return hasattr(module, "portal_environment") and hasattr(module, "OWN_PORT")


def own_port(name: str, module: ModuleType) -> int:
    """The port of a fake's second instance, the one on its own (``FAKE_<NAME>_OWN_PORT``)."""
    return int(os.environ.get(f"FAKE_{name.upper()}_OWN_PORT", module.OWN_PORT))


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    env.setdefault("PORTAL_URL", PORTAL)
    env.setdefault("CSRF_TRUSTED_ORIGINS", PORTAL)
    env["PORT"] = str(PORT)
    # A fake becomes the environment-managed server where the environment names none;
    # such a fake is also served on its own (``--own``), one more server of its kind.
    served, on_their_own = fakes(), {}
    own = {name: (module, port) for name, (module, port) in served.items() if _has_own(module)}
    for name, (module, port) in list(served.items()):
        if name in own:
            on_their_own[name] = own_port(name, module)
        if hasattr(module, "portal_environment"):
            wanted = module.portal_environment(f"http://127.0.0.1:{port}")
            for key, value in wanted.items():
                env.setdefault(key, value)
            if any(env[key] != value for key, value in wanted.items()):
                del served[name]  # the environment names a real one
                continue
        else:
            on_their_own[name] = port
    # The Procfile names gunicorn, celery and python: this virtualenv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # The settings as the portal's processes will read them (.env too): a fake serving the
    # environment's server reads the same values from the environment.
    os.environ.update(env)
    from portal import settings

    env = dict(os.environ)
    # The SQLite database and the beat schedule live in var/; nothing else makes it.
    settings.VAR_DIR.mkdir(exist_ok=True)
    procfile = settings.VAR_DIR / "Procfile.run"
    lines = [(ROOT / "Procfile").read_text()]
    lines += [
        f"fake_{name}: python -m {module.__name__} --port {port}\n"
        for name, (module, port) in served.items()
    ]
    lines += [
        f"fake_{name}_own: python -m {module.__name__} --port {on_their_own[name]} --own\n"
        for name, (module, _port) in own.items()
    ]
    procfile.write_text("".join(lines))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "start", "-f", str(procfile), "-d", str(ROOT)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for port in [p for _module, p in served.values()] + [on_their_own[n] for n in own]:
            _wait_for(f"http://127.0.0.1:{port}/_fake/state")
        _wait_for(PORTAL + "/healthz", accept_503=True)
        demo = [*manage, "demo_data"]
        demo += [f"--fake={name}:{port}" for name, port in on_their_own.items()]
        subprocess.run(demo, cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "demo_webinars"], cwd=ROOT, env=env, check=True)
        print(banner(served, on_their_own), flush=True)
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


def banner(served: dict[str, tuple[ModuleType, int]], on_their_own: dict[str, int]) -> str:
    """What `make run` prints once everything answers: where to go, and how to sign in
    (a fake's own ``BANNER`` line says how to sign in to it, e.g. the fake Webex site)."""
    listed = "".join(
        f"  Fake {name}: http://127.0.0.1:{port}"
        + (f"   ({module.BANNER})" if getattr(module, "BANNER", "") else "")
        + "\n"
        for name, (module, port) in served.items()
    )
    listed += "".join(  # a fake's instance on its own beside the environment's
        f"  Fake {name} (one more server, its own partner ID and password key): "
        f"http://127.0.0.1:{port}\n"
        for name, port in on_their_own.items()
        if name not in served or served[name][1] != port
    )
    others = ", ".join(f"host@{name}.example" for name in on_their_own)
    return (
        f"\n  Host dashboard:  {PORTAL}/dashboard/   admin: {PORTAL}/admin/\n"
        f"  API docs:        {PORTAL}/api/docs/     health: {PORTAL}/healthz\n"
        f"  Public feeds:    {PORTAL}/p/acme/meetings/  (also .json .xml .ics .rss)\n"
        f"{listed}"
        "  Logins:  admin / admin-demo-password   (staff)\n"
        "           host@acme.example / host-demo-password   (host of 'acme')\n"
        f"           {others}:\n"
        "           the same password (a customer on each fake's server)\n"
        "  Ctrl-C stops everything.\n"
    )


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
