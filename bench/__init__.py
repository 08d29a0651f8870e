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
