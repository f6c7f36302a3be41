"""Durations as people write them in monitor.toml: "90s", "15m", "24h", "7d", "1h30m"."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
# The longest duration taken anywhere (config or command line): far past any sensible setting, and short enough
# that `now` plus or minus it, doubled, stays inside what datetime can count (years 1 to 9999).
LONGEST = timedelta(days=36500)


class DurationTooLong(ValueError):
    """A well-formed duration longer than LONGEST."""


def parse_duration(text: str) -> timedelta:
    """Parse a duration; raise ValueError with a helpful message when it is not one."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned:
        raise ValueError("empty duration")
    pos = 0
    seconds = 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(cleaned):
        raise ValueError(f"{text!r} is not a duration (write e.g. 90s, 15m, 24h, 7d or 1h30m)")
    if seconds > LONGEST.total_seconds():
        longest = format_duration(LONGEST)
        raise DurationTooLong(f"{text!r} is longer than {longest} (100 years), the longest duration taken")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The short form back: 5400s -> "1h30m"."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out)
