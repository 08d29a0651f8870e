"""TrueConf's OAuth 2.0 access token: bought with the client credentials, kept until shortly
before it expires, shared by every thread of one backend (the status poller fans out)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from conferencing.base import BadServerResponse, CredentialsRefused
from conferencing.http import Endpoint, Transport
from conferencing.trueconf.answers import ACCEPT, json_object, oauth_reason, read_answer

#: Renew the token this long before the server says it expires (a tenth of its
#: life when that is shorter), so a call never leaves with a token about to die.
TOKEN_MARGIN = 60.0


class AccessToken:
    def __init__(
        self,
        http: Transport,
        endpoint: Endpoint,
        *,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float],
    ) -> None:
        self._http, self._endpoint = http, endpoint
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._expires = 0.0

    def get(self) -> str:
        """The cached token, or a new one; ``CredentialsRefused`` when the server refuses
        the client credentials."""
        with self._lock:
            if self._token and self._clock() < self._expires:
                return self._token
            started = self._clock()
            answer = self._http.send(self._endpoint, data=self._form, headers=ACCEPT)
            if answer.status_code in (400, 401):
                reason = oauth_reason(answer.content)
                raise CredentialsRefused(reason, status=str(answer.status_code))
            data = json_object(read_answer(answer, self._endpoint), "token")
            token = data.get("access_token")
            lifetime = data.get("expires_in")
            if not isinstance(token, str) or not token.strip():
                raise BadServerResponse("token: the answer has no access_token")
            if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
                raise BadServerResponse("token: expires_in is not a positive integer")
            self._token = token
            self._expires = started + lifetime - min(TOKEN_MARGIN, lifetime / 10)
            return token

    def renew(self) -> str:
        """A new token whatever is cached: the one call that tells whether the server
        takes the client credentials (``CredentialsRefused`` when it does not)."""
        with self._lock:
            self._token = ""
        return self.get()

    def forget(self, token: str) -> None:
        """Drop a refused token, unless another thread has already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = ""
