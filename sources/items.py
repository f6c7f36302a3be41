"""What one response of a source yields: the items understood, how many were skipped, and the next page.

Every source converts its raw entries with `collect`, so the rules that hold for *every* item live here once: a
malformed entry is skipped and counted (never fatal to the rest), one response yields at most `MAX_ITEMS` items (the
rest are counted as skipped), and every field a stranger controls is bounded and storable (`sources.bounds`: a lone
surrogate from `"\\ud800"` in JSON would fail the database write and lose the whole poll).

Items cross the boundary of the parse worker (`sources.isolation`) as JSON: `item_to_json` and `item_from_json`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from monitor.errors import ParseError
from monitor.model import Item
from sources.bounds import MAX_ITEMS, bounded

# The errors a malformed item raises while we read it: that item is skipped and counted. RecursionError: markup or
# JSON nested deeper than the interpreter's stack.
ITEM_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)
# How many pages one fetch follows (`Batch.next_page`) before it leaves the rest for the next poll.
MAX_PAGES = 5


@dataclass(frozen=True, slots=True)
class Batch:
    """What one response held: the items understood, how many were skipped, and the next-page token if any."""

    items: tuple[Item, ...]
    skipped: int = 0
    next_page: str | None = None


def collect(raws: Iterable[Any], convert: Callable[[Any], Item | None], next_page: str | None = None) -> Batch:
    """Convert each raw entry, bounded; one that raises is skipped and counted, and so is every entry past MAX_ITEMS.
    `convert` returns None for non-items."""
    items: list[Item] = []
    skipped = 0
    for raw in raws:
        if len(items) >= MAX_ITEMS:
            skipped += 1
            continue
        try:
            item = convert(raw)
            if item is not None:
                items.append(bounded(item))
        except ITEM_ERRORS:
            skipped += 1
    return Batch(tuple(items), skipped, next_page)


_TIMES = ("published_at", "answered_at")


def item_to_json(item: Item) -> dict[str, Any]:
    """The item as plain JSON (times in ISO 8601), for the way back from the parse worker."""
    data = {field.name: getattr(item, field.name) for field in fields(Item)}
    for name in _TIMES:
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def item_from_json(data: dict[str, Any]) -> Item:
    """The item `item_to_json` wrote."""
    values = dict(data)
    for name in _TIMES:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    return Item(**values)


def expect(data: Any, kind: type, what: str) -> Any:
    """The body (or a part of it) must have this JSON type, else the whole response is not what we asked for."""
    if not isinstance(data, kind):
        raise ParseError(f"{what}: expected a JSON {kind.__name__}, got {type(data).__name__}")
    return data


def stable_id(*parts: object) -> str:
    """A short stable id for items the platform gives no id (Places reviews, reviews on web pages)."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    # surrogatepass: the same bytes as UTF-8 for every valid text, and no crash on a lone surrogate.
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:20]
