"""The vendors' Django sides: one Django app per vendor that needs one, found through the
entry-point group ``portal.vendors`` (pyproject.toml).

A vendor app may import conferencing, portal and meetings; portal, meetings and
webinars never import it: they reach a vendor through portal/servers.py.
"""
