"""Fake meeting servers that speak real HTTP: one module per backend, which names it
(``fake = "conferencing.fakes.<name>"`` on the backend class).

Each module offers what `make run` (portal/devrun.py), the contract tests and the demo
data need of it:

- ``Fake``: the fake's class, a WSGI app (serve it with ``server.serve``) made with no
  arguments, that accepts ``DEMO``'s credentials. ``backend_options()`` gives the
  keywords a backend pointed at it takes besides ``base_url``, and ``site_url(url)``
  that ``base_url`` once the fake is served at ``url``.
- ``DEMO``: those credentials, by the backend constructor's keywords: what the demo
  server row stores.
- ``PORT``: the port `make run` serves it on (``FAKE_<NAME>_PORT`` overrides it), and
  ``main(argv)``: ``python -m conferencing.fakes.<name> --port N`` serves ``Fake()``.
- optionally ``portal_environment(url)``: the settings that make the fake at ``url`` the
  portal's environment-managed server, for a backend that has one.
"""
