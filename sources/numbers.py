"""Counts and star ratings as platforms send them: ints, floats or numeric strings, sometimes absent.

A number we cannot read is None and is left out, never guessed: an engagement count of 0 or a rating of 1 star would
say something the platform did not.
"""

from __future__ import annotations

from typing import Any


def to_int(value: Any) -> int | None:
    """Counts arrive as ints, floats or numeric strings depending on the API; None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):  # OverflowError: "1e999" is a float, but no int
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
