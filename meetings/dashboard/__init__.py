"""Host pages for meetings under /dashboard/ (routed by meetings/dashboard_urls.py).

``pages``: the host's meetings (the list and its live state, scheduling, start,
join, stop, cancel, retry); ``on_server``: the steps taken on the meeting
server's own pages (Webex schedules in the browser).

Views stay thin: forms validate, services write, selectors read, and pages
show the stored live state (the poller keeps it fresh; no page calls the
server per meeting).
"""
