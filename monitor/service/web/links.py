"""Signed, expiring links to one mention's page: the capability an alert carries.

`/m/ID?k=TOKEN` opens that mention and its buttons without a login, and nothing else: the token signs the mention's
id with `[web] secret` and a timestamp (itsdangerous), and is refused after `link_ttl`. Opening the link only shows;
every button on the page is a POST carrying the token and a CSRF value derived from it, so a mail scanner, a chat
preview or a prefetcher that follows the link changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from monitor.clock import Clock

MAX_TOKEN = 200  # characters; a longer "token" is refused before any work


class ClockSigner(TimestampSigner):
    """itsdangerous' timestamp signer, on our clock (so expiry is testable and follows the daemon's time)."""

    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self) -> int:
        return int(self.clock.now().timestamp())


def serializer(secret: str, salt: str, clock: Clock) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt, signer=ClockSigner, signer_kwargs={"clock": clock})


class Refused(Exception):
    """Why a link or cookie was not accepted, in words for the person holding it."""


class MentionLinks:
    def __init__(self, secret: str, public_url: str, ttl: timedelta, clock: Clock) -> None:
        self._serializer = serializer(secret, "mention-link", clock)
        self._csrf_key = hashlib.sha256(b"mention-link-csrf:" + secret.encode("utf-8")).digest()
        self._base = public_url.rstrip("/")
        self._ttl = ttl

    def token(self, mention_id: int) -> str:
        return self._serializer.dumps(mention_id)

    def link(self, mention_id: int) -> str:
        """The page of this mention, as an alert carries it."""
        return f"{self._base}/m/{mention_id}?k={self.token(mention_id)}"

    def verify(self, mention_id: int, token: str) -> None:
        """Raise Refused unless `token` opens `mention_id` now."""
        if not token or len(token) > MAX_TOKEN:
            raise Refused("This link is incomplete.")
        if not token.isascii():  # ours are URL-safe base64 and dots; anything else (a lone surrogate) cannot encode
            raise Refused("This link is not one we made.")
        try:
            signed = self._serializer.loads(token, max_age=int(self._ttl.total_seconds()))
        except SignatureExpired:
            raise Refused("This link has expired. Log in to see the mention.") from None
        except BadSignature:
            raise Refused("This link is not one we made.") from None
        if signed != mention_id:
            raise Refused("This link is not one we made.")

    def csrf(self, token: str) -> str:
        """The CSRF value the page's forms carry beside the token."""
        return hmac.new(self._csrf_key, token.encode("utf-8"), hashlib.sha256).hexdigest()
