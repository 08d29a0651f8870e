"""RHUB TurboMeeting's Django side: what the portal needs beyond the client in
conferencing/turbomeeting (which stays free of Django)."""

# Read by portal/vendors.py (``declared``) for logs and error reports.
#: The server passes passwords in /tm/auth's query string (spec §6).
SECRET_QUERY_PATHS = ("/tm/",)
#: A sign-in's meeting-list URL carries its token.
TOKEN_PATHS = (r"/tm/(?:servers/\d+/)?meetings/",)
#: The environment's server's settings: its partner ID guards /tm/auth.
SECRET_SETTINGS = ("TM_",)
