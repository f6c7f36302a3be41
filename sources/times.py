"""Times as platforms write them (unix seconds, ISO 8601 of any fraction length, bare dates), read into aware UTC.

Pure: no wall clock here. A time a source cannot read is None, never an error: a wrong date must not cost us the
mention (the pipeline then uses the first-seen time).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from typing import Any

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any, *, naive_tz: tzinfo = UTC) -> datetime | None:
    """An aware UTC datetime from unix seconds, ISO 8601 (any fraction length, `Z`) or a bare date; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_unix(float(value))
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_unix(float(text))
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


def _from_unix(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # NaN, or a year no datetime can hold
        return None


def iso(when: datetime) -> str:
    """The time as APIs and our cursors want it: ISO 8601 in UTC with a `Z`."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
