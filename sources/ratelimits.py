"""Rate-limit headers read into "wait this long" and "stop now": Reddit's and Mastodon's `X-RateLimit-*`.

No wall clock here: an absolute reset time is measured against the response's own `Date` header, which also avoids
any skew between our clock and the server's.
"""

from __future__ import annotations

import email.utils
from typing import Any

from sources.times import parse_time


def seconds_until_reset(reset: str | None, date_header: str | None) -> float | None:
    """A rate-limit reset as seconds from now: delta seconds (Reddit) or an ISO time (Mastodon), measured from the
    server's `Date` header."""
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
