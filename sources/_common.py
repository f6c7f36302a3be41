"""What the API and review source kinds share: HTML to text, times, ratings, cursors, rate limits, JWT and OAuth.

All pure (no I/O, no wall clock) except the token requests at the bottom. JWTs are signed with `cryptography`
directly (imported lazily), not PyJWT: two algorithms, a few lines each, one dependency fewer.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

from monitor.errors import CredentialsError, HTTPStatusError, ParseError
from monitor.model import Item
from sources.http import HttpFetcher

# The errors a malformed item raises while we read it: that item is skipped and counted.
ITEM_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
# How many recent ids a cursor keeps for sources that give no usable order (Places, Yelp, review pages).
SEEN_LIMIT = 500
MAX_PAGES = 5


@dataclass(frozen=True, slots=True)
class Batch:
    """What one response held: the items understood, how many were skipped, and the next-page token if any."""

    items: tuple[Item, ...]
    skipped: int = 0
    next_page: str | None = None


def collect(raws: Iterable[Any], convert: Callable[[Any], Item | None], next_page: str | None = None) -> Batch:
    """Convert each raw entry; one that raises is skipped and counted. `convert` returns None for non-items."""
    items: list[Item] = []
    skipped = 0
    for raw in raws:
        try:
            item = convert(raw)
        except ITEM_ERRORS:
            skipped += 1
            continue
        if item is not None:
            items.append(item)
    return Batch(tuple(items), skipped, next_page)


def expect(data: Any, kind: type, what: str) -> Any:
    """The body (or a part of it) must have this JSON type, else the whole response is not what we asked for."""
    if not isinstance(data, kind):
        raise ParseError(f"{what}: expected a JSON {kind.__name__}, got {type(data).__name__}")
    return data


# --- text ---------------------------------------------------------------------------------------------------------

_BLOCK = frozenset({"p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "hr"})
_SKIP = frozenset({"script", "style", "noscript", "template"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_BLANKS = re.compile(r"\n{3,}")


class _TextParser(HTMLParser):
    """The stdlib parser is enough for fragments (posts, comments) and, unlike bs4, never warns on odd input."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: tags and comments dropped, entities decoded once, whitespace folded."""
    if not markup:
        return ""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return fold("".join(parser.parts))


def fold(text: str) -> str:
    """Whitespace folded per line, at most one blank line in a row, ends trimmed."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def stable_id(*parts: object) -> str:
    """A short stable id for items the platform gives no id (Places reviews, reviews on web pages)."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


# --- numbers and times --------------------------------------------------------------------------------------------

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any, *, naive_tz: tzinfo = UTC) -> datetime | None:
    """An aware UTC datetime from unix seconds, ISO 8601 (any fraction length, `Z`) or a bare date; else None.

    A wrong date must not cost us the mention, so unreadable values give None (the pipeline then uses first-seen).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), UTC)
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_tz)
    return parsed.astimezone(UTC)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_int(value: Any) -> int | None:
    """Counts arrive as ints, floats or numeric strings depending on the API; None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def engagement(**counts: Any) -> dict[str, int]:
    """Only the counts the platform actually gave, as ints."""
    out: dict[str, int] = {}
    for key, value in counts.items():
        number = to_int(value)
        if number is not None:
            out[key] = number
    return out


def rating(value: Any, scale: float = 5.0) -> float | None:
    """A star rating on its own scale, or None when absent or outside 0..scale (never guessed, never rescaled)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0.0 <= number <= scale else None


# --- cursors ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HighWater:
    """The newest item time seen plus the ids seen *at* that time, so `>=` queries neither repeat nor miss items.

    Stored in `state.cursor` as {"since": ISO time, "at": [ids]}; a restart reads it back unchanged.
    """

    since: datetime | None = None
    at: frozenset[str] = frozenset()

    @classmethod
    def load(cls, cursor: Mapping[str, Any]) -> HighWater:
        since = parse_time(cursor.get("since"))
        ids = cursor.get("at") or ()
        return cls(since, frozenset(str(i) for i in ids) if isinstance(ids, list) else frozenset())

    def is_new(self, when: datetime | None, item_id: str) -> bool:
        if self.since is None or when is None:
            return self.since is None or item_id not in self.at
        return when > self.since or (when == self.since and item_id not in self.at)

    def advance(self, seen: Iterable[tuple[datetime | None, str]]) -> HighWater:
        since, at = self.since, set(self.at)
        for when, item_id in seen:
            if when is None:
                continue
            if since is None or when > since:
                since, at = when, {item_id}
            elif when == since:
                at.add(item_id)
        return HighWater(since, frozenset(at))

    def dump(self) -> dict[str, Any]:
        if self.since is None:
            return {}
        return {"since": iso(self.since), "at": sorted(self.at)}


def activity(item: Item) -> datetime | None:
    """When an item last changed for us: its publication or the owner's reply, whichever is later. Cursors of
    reply-aware sources advance on this, so an item answered after we first saw it comes back once, answered."""
    times = [t for t in (item.published_at, item.answered_at) if t is not None]
    return max(times) if times else None


def unseen(items: Iterable[Item], seen: Iterable[str]) -> tuple[Item, ...]:
    """Items whose id is not among the recently seen ids (for sources without a usable order)."""
    known = set(seen)
    return tuple(item for item in items if item.external_id not in known)


def remember(seen: Iterable[str], items: Iterable[Item], limit: int = SEEN_LIMIT) -> list[str]:
    """The bounded list of recent ids after this fetch, newest first, without duplicates."""
    out: list[str] = []
    for item_id in [i.external_id for i in items] + [str(s) for s in seen]:
        if item_id not in out:
            out.append(item_id)
    return out[:limit]


def seen_list(cursor: Mapping[str, Any], key: str = "seen") -> list[str]:
    value = cursor.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


# --- rate limits --------------------------------------------------------------------------------------------------


def seconds_until_reset(reset: str | None, date_header: str | None) -> float | None:
    """A rate-limit reset as seconds from now: delta seconds (Reddit) or an ISO time (Mastodon). For an ISO time,
    "now" is the server's `Date` header: no wall clock in sources, and no skew between our clock and the server's."""
    if not reset:
        return None
    reset = reset.strip()
    try:
        return max(0.0, float(reset))
    except ValueError:
        pass
    when = parse_time(reset)
    if when is None or not date_header:
        return None
    try:
        server_now = email.utils.parsedate_to_datetime(date_header)
        return max(0.0, (when - server_now).total_seconds())
    except (TypeError, ValueError):  # unreadable, or a naive date that cannot be compared
        return None


def server_date(headers: Any) -> str | None:
    """The response's `Date`. When there are several (a proxy added its own), the last one, nearest the origin."""
    values = headers.get_list("date")
    return values[-1] if values else None


def exhausted(remaining: str | None, floor: float = 1.0) -> bool:
    """True when a `*-Remaining` header says we have (almost) no requests left in this window."""
    if remaining is None:
        return False
    try:
        return float(remaining) < floor
    except ValueError:
        return False


# --- JWT and OAuth tokens -----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_jwt(claims: Mapping[str, Any], private_key_pem: str, alg: Literal["ES256", "RS256"], kid: str | None) -> str:
    """A compact JWS: ES256 for App Store Connect, RS256 for Google. A bad key is a CredentialsError that never
    quotes the key."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    header: dict[str, str] = {"alg": alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, dict(claims))
    ).encode("ascii")
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CredentialsError(f"the private key is not a readable unencrypted PEM key (needed for {alg})") from None
    if alg == "ES256" and isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "RS256" and isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise CredentialsError(f"the private key is not of the kind {alg} needs")
    return signing_input.decode("ascii") + "." + _b64(signature)


@dataclass(frozen=True, slots=True)
class Token:
    """An access token held in memory only (never in state or logs) with the time to stop using it."""

    value: str
    expires_at: datetime

    def fresh(self, now: datetime) -> bool:
        # A minute of margin so a token never expires between our check and the server's.
        return now < self.expires_at - timedelta(seconds=60)


GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)


def load_google_credentials(raw: str) -> dict[str, Any]:
    """The JSON key file's content (the config may also give a path to it). Errors never quote the content."""
    text = raw.strip()
    if not text.startswith("{"):
        try:
            text = Path(text).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise CredentialsError(f"cannot read the Google credentials file ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise CredentialsError("the Google credentials are not valid JSON") from None
    if not isinstance(data, dict) or data.get("type") not in ("service_account", "authorized_user"):
        raise CredentialsError("the Google credentials must be a service_account or authorized_user JSON key")
    return data


async def google_token(
    http: HttpFetcher, creds: Mapping[str, Any], scope: str, token_url: str | None, now: datetime
) -> Token:
    """Exchange a service-account JWT (or an authorized user's refresh token) for an access token."""
    url = token_url or str(creds.get("token_uri") or GOOGLE_TOKEN_URL)
    if creds.get("type") == "authorized_user":
        keys = ("client_id", "client_secret", "refresh_token")
        form = {"grant_type": "refresh_token", **{k: str(creds.get(k, "")) for k in keys}}
    else:
        issued = int(now.timestamp())
        claims = {"iss": creds.get("client_email"), "scope": scope, "aud": url, "iat": issued, "exp": issued + 3600}
        assertion = sign_jwt(claims, str(creds.get("private_key", "")), "RS256", creds.get("private_key_id"))
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    return await fetch_token(http, url, form, now=now)


async def fetch_token(
    http: HttpFetcher,
    url: str,
    form: Mapping[str, str],
    *,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Token:
    """POST an OAuth token request; a 400 (bad grant) is a credentials problem too, not something to retry."""
    try:
        response = await http.request("POST", url, form=form, auth=auth, headers=headers)
    except HTTPStatusError as exc:
        if exc.status == 400:
            raise CredentialsError(f"token request refused (HTTP 400) by {url.split('?')[0]}") from None
        raise
    data = response.json()
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise CredentialsError(f"{url.split('?')[0]} answered without an access_token")
    lifetime = to_int(data.get("expires_in")) or 3600
    start = now or datetime.min.replace(tzinfo=UTC)
    return Token(data["access_token"], start + timedelta(seconds=lifetime))
