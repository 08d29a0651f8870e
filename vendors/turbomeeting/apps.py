from conferencing.base import MeetingKind, Participant
from conferencing.turbomeeting import launch
from portal.vendors import VendorApp


class TurboMeetingApp(VendorApp):
    """TurboMeeting's callbacks (urls.py), its sign-in sessions, and its launch files."""

    name = "vendors.turbomeeting"
    label = "turbomeeting"
    verbose_name = "TurboMeeting"
    backend = "turbomeeting"
    default = True
    host_profile = "HostProfile"

    def ready(self) -> None:
        from vendors.turbomeeting import checks  # noqa: F401  (registers its checks)

    def command_file(
        self,
        *,
        base_url: str,
        host: bool,
        meeting_id: str,
        kind: MeetingKind,
        who: Participant,
        password: str = "",
    ) -> bytes:
        address, port = launch.command_file_address(base_url)
        if host:
            return launch.command_file(
                action="Host",
                server_address=address,
                server_port=port,
                email=who.email,
                meeting_id=meeting_id,
                kind=kind,
                start_meeting_now=True,
                start_at_minimized=False,
            )
        return launch.command_file(
            action="Join",
            server_address=address,
            server_port=port,
            meeting_id=meeting_id,
            meeting_password=password,
            attendee_name=who.name or "Guest",
            start_at_minimized=False,
        )

    def web_viewer_url(
        self, *, base_url: str, meeting_id: str, who: Participant, password: str
    ) -> str:
        return launch.web_viewer_url(
            base_url, meeting_id=meeting_id, name=who.name, password=password
        )
