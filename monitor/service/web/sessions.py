"""Login sessions in a signed, HttpOnly cookie, and the CSRF value every form carries.

The cookie holds `{"u": user or None, "e": the user's session epoch, "c": a random CSRF value}`, signed with
`[web] secret` and a timestamp (itsdangerous), refused after `session_ttl`. Nothing is stored server-side; a new
password or a removal moves the user's epoch on, which ends every session they had. A visitor who is not logged in
gets an anonymous cookie too, so the login form has a CSRF value to carry.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature

from monitor.clock import Clock
from monitor.service.web.links import serializer

COOKIE = "mm_session"
MAX_COOKIE = 1024


@dataclass(frozen=True)
class Session:
    user: str | None
    epoch: int
    csrf: str
    fresh: bool = False  # made for this request: the response must set the cookie

    def csrf_ok(self, value: str | None) -> bool:
        return matches(self.csrf, value)


def matches(expected: str, value: str | None) -> bool:
    """Whether a form carried the CSRF value its page was given (compared in constant time)."""
    return bool(value) and hmac.compare_digest(expected, value or "")


class Sessions:
    def __init__(self, secret: str, ttl: timedelta, clock: Clock, *, secure: bool) -> None:
        self._serializer = serializer(secret, "session", clock)
        self.ttl = ttl
        self.secure = secure  # the cookie only travels over HTTPS when the public URL is https://

    def read(self, cookie: str | None) -> Session:
        """The session a cookie carries, or a new anonymous one."""
        if cookie and len(cookie) <= MAX_COOKIE:
            try:
                data = self._serializer.loads(cookie, max_age=int(self.ttl.total_seconds()))
            except BadSignature:
                data = None
            if isinstance(data, dict) and isinstance(data.get("c"), str):
                user = data.get("u")
                return Session(user if isinstance(user, str) else None, int(data.get("e") or 0), data["c"])
        return self.anonymous()

    def anonymous(self) -> Session:
        return Session(None, 0, secrets.token_urlsafe(24), fresh=True)

    def login(self, user: str, epoch: int) -> Session:
        """A new session (and a new CSRF value) for a user who just proved their password."""
        return Session(user, epoch, secrets.token_urlsafe(24), fresh=True)

    def cookie(self, session: Session) -> str:
        return str(self._serializer.dumps({"u": session.user, "e": session.epoch, "c": session.csrf}))

    def cookie_options(self) -> dict[str, object]:
        return {
            "max_age": int(self.ttl.total_seconds()),
            "httponly": True,
            "secure": self.secure,
            "samesite": "lax",
            "path": "/",
        }
