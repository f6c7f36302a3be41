"""The frozen data that flows through the pipeline.

Source.fetch() -> FetchResult(items: Item...)  ->  pipeline: Item -> Mention (matched, scored)  ->  storage
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Label = Literal["negative", "neutral", "positive", "unscored"]
# `irrelevant`: held back as not about the brand (a homonym), with a reason; kept, never alerted on, and brought
# back by `mention-monitor about-us ID`.
# `follow_up`: a complaint resolved a while ago, back once to ask the customer whether all is well ([response]).
Status = Literal["new", "alerted", "acknowledged", "responded", "resolved", "ignored", "irrelevant", "follow_up"]
STATUSES: tuple[Status, ...] = (
    "new",
    "alerted",
    "acknowledged",
    "responded",
    "resolved",
    "ignored",
    "irrelevant",
    "follow_up",
)
# Statuses after which nobody needs to answer the mention any more.
ANSWERED_STATUSES: frozenset[str] = frozenset({"responded", "resolved", "ignored"})


@dataclass(frozen=True, slots=True)
class Item:
    """One thing a source found, as the source understood it, before matching and scoring.

    `external_id` is stable per source (a feed entry id, a review id); `url` is the permalink.
    `rating` is on the source's own scale `rating_scale` (App Store 1..5, say). `published_at` is None when the
    source gives no time (the pipeline then uses the first-seen time). `answered_at` is set when the source itself
    shows that the owner replied (a review reply, a comment from the channel owner).
    """

    external_id: str
    url: str
    title: str = ""
    text: str = ""
    author: str = ""
    published_at: datetime | None = None
    language: str | None = None
    rating: float | None = None
    rating_scale: float | None = None
    engagement: dict[str, int] = field(default_factory=dict)
    answered_at: datetime | None = None
    reply_text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Score:
    """What the scorer says of a text. `sentiment` is -1..1, or None when the text could not be scored."""

    sentiment: float | None
    label: Label
    language: str | None


@dataclass(frozen=True, slots=True)
class Mention:
    """A stored mention: an Item matched to a brand and scored."""

    id: int | None
    source: str
    kind: str
    external_id: str
    url: str
    title: str
    text: str
    author: str
    published_at: datetime
    fetched_at: datetime
    language: str | None
    rating: float | None
    rating_scale: float | None
    brand: str
    sentiment: float | None
    label: Label
    status: Status
    fingerprint: str
    engagement: dict[str, int] = field(default_factory=dict)
    answered_at: datetime | None = None
    status_changed_at: datetime | None = None
    assignee: str | None = None  # the user who handles it (the web inbox, `assign`)
    aspects: tuple[str, ...] = ()  # what a negative mention complains about (monitor/aspects.py): "waiting", "staff"

    def replace(self, **changes: Any) -> Mention:
        return dataclasses.replace(self, **changes)

    def as_json(self) -> dict[str, Any]:
        """The public JSON shape (`mentions list --json`, DESIGN.md)."""
        return {
            "id": self.id,
            "source": self.source,
            "kind": self.kind,
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "author": self.author,
            "published_at": self.published_at.isoformat(),
            "fetched_at": self.fetched_at.isoformat(),
            "brand": self.brand,
            "language": self.language,
            "rating": self.rating,
            "rating_scale": self.rating_scale,
            "sentiment": self.sentiment,
            "label": self.label,
            "status": self.status,
            "engagement": dict(self.engagement),
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "aspects": list(self.aspects),
        }


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between fetches; kept in the database so a restart loses nothing.

    `cursor` is the source's own high-water mark (newest id or time seen, a page token), JSON-serialisable.
    """

    etag: str | None = None
    last_modified: str | None = None
    cursor: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchResult:
    items: tuple[Item, ...]
    state: SourceState
    not_modified: bool = False
    # Items the source could not understand (skipped and counted, never fatal).
    skipped: int = 0
    # When the source knows better than the schedule (rate-limit reset, Retry-After on a 200), seconds from now.
    next_check_after: float | None = None
