"""RHUB TurboMeeting's Django side: what the portal needs beyond the client in
conferencing/turbomeeting (which stays free of Django)."""
