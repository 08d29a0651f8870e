"""Benchmarks that print ratios (`make bench`); each runs in its own process."""


def server_row(base_url: str = "http://127.0.0.1:8900", **credentials: str):
    """The meeting server the benchmarks' customers live on: a TurboMeeting server row."""
    from portal.accounts.models import MeetingServer

    server = MeetingServer.objects.filter(name="Bench TurboMeeting").first()
    server = server or MeetingServer(name="Bench TurboMeeting", backend="turbomeeting")
    server.base_url = base_url
    server.set_credentials(credentials)
    server.save()
    return server


def full() -> bool:
    """Whether the large sizes run (``make bench-full``, ``python -m bench --full``)."""
    import os

    return os.environ.get("BENCH_FULL", "") not in ("", "0", "false")


HEADER = f"  {'name':40} {'ours':>11} {'baseline':>11} {'ratio':>6} {'target':>8}  verdict"


def figure(
    name: str,
    ours: float,
    baseline: float,
    ratio: float,
    target: str = "",
    *,
    met: bool | None = None,
    digits: int = 3,
) -> bool:
    """Prints one figure as ``name ours baseline ratio target verdict``; True if it missed.

    ``target`` is shown as given ("<= 1.30", ">= 0.50"); without one the
    verdict is "info" and the figure can never fail the run.
    """
    verdict = "info" if met is None else ("ok" if met else "MISSED")
    print(
        f"  {name:40} {ours:11.{digits}f} {baseline:11.{digits}f} {ratio:6.2f} "
        f"{target or '-':>8}  {verdict}",
        flush=True,
    )
    return met is False
