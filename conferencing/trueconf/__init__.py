"""TrueConf Server: conferences over its REST API (v3.x) with OAuth 2.0 client credentials.

The backend is ``client.TrueConf``; it reads answers with ``answers``, builds what a
conference holds with ``conferences`` and keeps its access token with ``token``.

What the client relies on (seed 003 and VENDORS.md, "TrueConf Server"):

- The portal is an OAuth application of the server (Control panel, API -> OAuth2)
  with the ``conferences`` and ``conferences.participants`` permissions. Its
  ``client_id`` and ``client_secret`` buy a token at ``POST /oauth2/v1/token``
  (``grant_type=client_credentials``, sent as a form) that lives ``expires_in``
  seconds (an hour in the seed). The token is cached until shortly before it
  expires, and fetched again once when the server refuses it anyway (401, or 403
  with reason ``accessTokenInvalid``, which some servers send): a server
  restarted, or an administrator who revoked it.
- v3 calls carry the token as ``?access_token=`` (v4 moved to an
  ``Authorization: Bearer`` header and ``/api/v4``): the token is in URLs, so
  this client never logs a URL and no error chains the request's exception. But
  urllib3 logs URLs at DEBUG, and the server's access log keeps them, so by
  default (``token_in="header"``) the token goes in the header instead, which
  the server's OAuth library (bshaffer's oauth2-server) reads on v3 too, as
  TrueConf's own v3.11 sample (One-Click Web Conference) does.
- Conferences: ``POST /conferences`` creates (``{"conference": {...}}`` back, with
  its ``id`` and ``webclient_url``). The create may choose the ``id`` (digits,
  Latin letters, underscores; 1 to 128; "generated automatically if it is not
  specified", developers.trueconf.com/api/server); a taken one is refused with
  ``uniqueValueAlreadyInUse``. The portal chooses it from the meeting's own key,
  so a create resent after its answer was lost never makes a second conference.
  The documentation that says so is written for servers 4.3.9 and later; a server
  that ignores the chosen ID is told in the log (a warning), as there a resent
  create cannot be told from a new one.
  ``GET|PUT|DELETE /conferences/{id}``,
  ``POST .../run`` and ``.../stop`` answer ``{id, owner, state}``;
  ``GET .../participants`` lists who is connected. ``state`` is ``running`` or
  ``stopped``. While a conference runs only its description may change (the
  server refuses anything else, ``conferenceIsRunning``): a change reads the
  conference first and, while it runs, sends nothing but raises ``MeetingRunning``
  when the request differs from what the server holds (``changeable_while_running``
  tells the portal beforehand).
- Errors are ``{"error": {"code", "message", "errors": [{"reason", "message"}]}}``
  with the HTTP status: the first ``reason`` (``conferenceNotFound``,
  ``uniqueValueAlreadyInUse``, ...) becomes ``ServerRefused.reason``.

Choices the server leaves to us, documented where they are made: the owner is the
host email's local part (``owner_id``); a one-off meeting is a one-time schedule,
a recurring one a permanent virtual room; the server's own ``webclient_url`` (at
its public address, which may not be the API's) comes back from scheduling for the
portal to keep, and links for a conference known only by its ID are built locally
(``/webrtc/{id}`` under ``web_url``), so pages and feeds make no API call per link;
``start_url`` does not run the conference (``run_conference`` does, and a scheduled
conference starts on its own).
"""

from conferencing.trueconf.client import TrueConf

__all__ = ["TrueConf"]
