"""Public registration: the built-in page, the embeddable form, the endpoint for custom pages.

All three validate with the same form and register with the same service;
they differ only in how they trust the request:

- the built-in page ``/w/<slug>/`` is first-party: Django's CSRF cookie;
- the embedded form ``/w/<slug>/embed/`` lives in a third-party iframe where
  the browser may block every cookie: a signed, time-limited form token
  instead, and CSP frame-ancestors naming the customer's allowed origins;
- the endpoint ``/w/<slug>/register`` takes posts from the customer's own
  pages (form-encoded or JSON): no cookie at all, origins checked against
  the customer's allowed origins, CORS for them.

Every submission counts against the rate limits and meets the honeypot.

One module per way in: page (the built-in page, and cancelling through
the link in the mail), embed and register (the endpoint; its OpenAPI
description is in webinars/openapi.py); common holds what they share.
"""
