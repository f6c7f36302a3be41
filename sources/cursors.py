"""What a source remembers between polls so that it neither repeats nor misses items (`SourceState.cursor`).

Two shapes: a high-water mark for APIs that give items in time order (`HighWater`), and a bounded list of recently
seen ids for those that give no usable order (Places, Yelp, review pages). Both are plain JSON in the cursor, so a
restart reads them back unchanged. Pure: no I/O, no wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.model import Item
from sources.times import iso, parse_time

# How many recent ids a cursor keeps for sources that give no usable order.
SEEN_LIMIT = 500


@dataclass(frozen=True, slots=True)
class HighWater:
    """The newest item time seen plus the ids seen *at* that time, so `>=` queries neither repeat nor miss items.

    Stored in `state.cursor` as {"since": ISO time, "at": [ids]}.
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
    """The recently seen ids stored under `key`; an absent or malformed entry is an empty list."""
    value = cursor.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []
