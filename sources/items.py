"""What one response of a source yields: the items understood, how many were skipped, and the next page.

Every API and page source converts its raw entries with `collect`, so the rules that hold for *every* item live here
once: a malformed entry is skipped and counted (never fatal to the rest), and no item leaves a source with text that
cannot be encoded (a lone surrogate from `"\\ud800"` in JSON would fail the database write and lose the whole poll).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from monitor.errors import ParseError
from monitor.model import Item
from sources.text import without_surrogates

# The errors a malformed item raises while we read it: that item is skipped and counted.
ITEM_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
# How many pages one fetch follows (`Batch.next_page`) before it leaves the rest for the next poll.
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
            items.append(encodable(item))
    return Batch(tuple(items), skipped, next_page)


def encodable(item: Item) -> Item:
    """The item with every lone surrogate in its strings replaced by U+FFFD: kept, readable, and storable."""
    changes: dict[str, Any] = {}
    for field in fields(item):
        value = getattr(item, field.name)
        cleaned = _cleaned(value)
        if cleaned != value:
            changes[field.name] = cleaned
    return replace(item, **changes) if changes else item


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cleaned(v) for v in value)
    return value


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
