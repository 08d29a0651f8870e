"""Host pages for webinars under /dashboard/webinars/ (routed by webinars/dashboard_urls.py).

One module per aggregate: webinars (list, create, edit, cancel, the custom
page recipe), questions, registrations (the list and the actions on one)
and exports; base holds what they share.

Thin views: forms validate, services write, selectors read. Counts and
attendance come from stored state (the poller writes the meeting's), so no
page calls the meeting server, and every list runs a fixed number of queries.
"""
