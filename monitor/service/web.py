"""Signed "acknowledge" links: an owner taps the link in an alert on their phone and the mention is acknowledged.

The link carries the mention id, the new status, an expiry and an HMAC-SHA256 of the three under `[web] secret`,
so it acknowledges that one mention and nothing else, and stops working after `link_ttl`. The listener is a few
lines of asyncio on the daemon's own loop (one writer to the database stays true): GET /a?m=ID&s=STATUS&e=EXP&t=SIG.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from monitor.clock import Clock
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions

log = logging.getLogger(__name__)

LINK_STATUSES = ("acknowledged", "responded", "resolved", "ignored")
_MAX_REQUEST = 8192


class Signer:
    def __init__(self, secret: str, public_url: str, ttl: timedelta, clock: Clock) -> None:
        self._key = secret.encode("utf-8")
        self._base = public_url.rstrip("/")
        self._ttl = ttl
        self._clock = clock

    def _sign(self, mention_id: int, status: str, expires: int) -> str:
        message = f"{mention_id}:{status}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def link(self, mention_id: int, status: str = "acknowledged") -> str:
        expires = int((self._clock.now() + self._ttl).timestamp())
        query = urlencode({"m": mention_id, "s": status, "e": expires, "t": self._sign(mention_id, status, expires)})
        return f"{self._base}/a?{query}"

    def verify(self, query: str, now: datetime) -> tuple[int, str] | str:
        """(mention id, status) for a good link, or the reason it is refused."""
        fields = {k: v[0] for k, v in parse_qs(query).items() if v}
        try:
            mention_id, status, expires, token = int(fields["m"]), fields["s"], int(fields["e"]), fields["t"]
        except (KeyError, ValueError):
            return "this link is incomplete"
        if status not in LINK_STATUSES:
            return "this link is not one we made"
        if not hmac.compare_digest(token, self._sign(mention_id, status, expires)):
            return "this link is not one we made"
        if now.timestamp() > expires:
            return "this link has expired; use the command in the alert"
        return mention_id, status


class AckServer:
    """Serves the links. Answers only GET /a and /healthz; everything else is 404.

    `current()` gives the signer and database of the running configuration, so a reload (new secret, new
    connection) is followed without restarting the listener.
    """

    def __init__(self, current: Callable[[], tuple[Signer | None, Database]], clock: Clock) -> None:
        self.current = current
        self.clock = clock
        self._server: asyncio.Server | None = None

    async def start(self, listen: str) -> int:
        host, port = listen.rsplit(":", 1)
        self._server = await asyncio.start_server(self._handle, host, int(port))
        bound: int = self._server.sockets[0].getsockname()[1]
        log.info("acknowledge links served on %s:%d", host, bound)
        return bound

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            status, body = self.answer(head[:_MAX_REQUEST].decode("latin-1").split("\r\n", 1)[0])
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, UnicodeDecodeError):
            status, body = 400, "bad request"
        page = _page(body).encode("utf-8")
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}.get(status, "OK")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(page)}\r\n"
            "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n".encode()
            + page
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    def answer(self, request_line: str) -> tuple[int, str]:
        parts = request_line.split(" ")
        if len(parts) != 3 or parts[0] != "GET":
            return 400, "bad request"
        target = urlsplit(parts[1])
        if target.path == "/healthz":
            return 200, "ok"
        if target.path != "/a":
            return 404, "not found"
        signer, db = self.current()
        if signer is None:
            return 404, "acknowledge links are switched off"
        verdict = signer.verify(target.query, self.clock.now())
        if isinstance(verdict, str):
            return 403, verdict
        mention_id, status = verdict
        mentions = Mentions(db)
        mention = mentions.get(mention_id)
        if mention is None:
            return 404, f"mention {mention_id} is not in the database"
        now = self.clock.now()
        if mention.status != status:
            with db.transaction():
                mentions.set_status(mention_id, status, now)
                if status == "responded":
                    mentions.set_answered(mention_id, now, now)
                Events(db).add(status, at=now, mention_id=mention_id, reason="set from the link in an alert")
        return 200, f"Mention #{mention_id} ({mention.brand}) is now {status}. Thank you."


def _page(text: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f'<title>mention-monitor</title></head><body style="font-family:sans-serif;padding:24px"><p>'
        f"{html.escape(text)}</p></body></html>"
    )
