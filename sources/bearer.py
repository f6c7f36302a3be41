"""Owner APIs that authenticate with a short-lived bearer token (a signed JWT, or one exchanged for it).

The token (made by `sources.tokens`) lives in memory only — a secret never reaches the database — and is renewed
when it is about to expire, or once when the API rejects it before its time (revoked, clock skew).
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from monitor.clock import Clock, SystemClock
from monitor.errors import CredentialsError, HTTPStatusError
from sources.base import APISourceConfig, Source
from sources.http import HttpFetcher, HttpResponse
from sources.tokens import Token, google_token, load_google_credentials

C = TypeVar("C", bound=APISourceConfig)


class BearerTokenSource(Source[C], Generic[C]):
    # A JWT carries its issue and expiry times, so these sources need the real time: they take the daemon's Clock.
    needs_clock = True

    def __init__(self, config: C, *, clock: Clock | None = None) -> None:
        super().__init__(config)
        self._clock: Clock = clock or SystemClock()
        self._token: Token | None = None

    @abstractmethod
    async def _new_token(self, http: HttpFetcher, now: datetime) -> Token:
        """Make (sign, or sign and exchange) a fresh token."""

    async def _authorization(self, http: HttpFetcher) -> dict[str, str]:
        now = self._clock.now()
        if self._token is None or not self._token.fresh(now):
            self._token = await self._new_token(http, now)
        return {"Authorization": f"Bearer {self._token.value}"}

    async def _get(self, http: HttpFetcher, url: str, params: dict[str, str | int] | None) -> HttpResponse:
        try:
            return await http.get(url, params=params, headers=await self._authorization(http))
        except CredentialsError:
            if self._token is None:
                raise
        self._token = None  # rejected before its time: one new token, one more try
        return await http.get(url, params=params, headers=await self._authorization(http))

    async def _send(self, http: HttpFetcher, method: str, url: str, json_body: Any) -> HttpResponse:
        """A write (the owner's reply) with `_get`'s token handling: a token the API rejects is replaced once and the
        request sent once more, which is safe because a 401/403 means the API did not act on it."""
        try:
            return await self._send_once(http, method, url, json_body)
        except CredentialsError:
            if self._token is None:
                raise
        self._token = None  # rejected before its time: one new token, one more try
        return await self._send_once(http, method, url, json_body)

    async def _send_once(self, http: HttpFetcher, method: str, url: str, json_body: Any) -> HttpResponse:
        try:
            headers = await self._authorization(http)
        except HTTPStatusError as exc:
            if exc.retryable:
                raise
            # A 4xx from the token endpoint is about our credentials, not about the review we write to.
            raise CredentialsError(f"the token request was refused (HTTP {exc.status})") from exc
        return await http.request(method, url, headers=headers, json_body=json_body)


class GoogleAPISource(BearerTokenSource[C], Generic[C]):
    """Google APIs: a service-account (or authorised-user) key exchanged for an access token.

    Subclasses set `api` (the default host), `scope`, and `credentials_key` (the config key holding the JSON key).
    With `base_url` set (tests, proxies), the token endpoint is `{base_url}/token` too.
    """

    api: ClassVar[str]
    scope: ClassVar[str]
    credentials_key: ClassVar[str]

    def _base(self) -> str:
        return (self.config.base_url or self.api).rstrip("/")

    async def _new_token(self, http: HttpFetcher, now: datetime) -> Token:
        credentials = load_google_credentials(str(getattr(self.config, self.credentials_key)))
        token_url = f"{self._base()}/token" if self.config.base_url else None
        return await google_token(http, credentials, self.scope, token_url, now)
