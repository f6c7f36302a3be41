"""A stored mention as tests need one: a one-star complaint about a café, with whatever fields a test changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.model import Mention

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
REVIEW_URL = "https://apps.apple.com/jp/app/acme/id123?see-all=reviews&page=2"


def make_mention(mention_id: int | None = 42, **changes: Any) -> Mention:
    base: dict[str, Any] = {
        "id": mention_id,
        "source": "app-store-jp",
        "kind": "appstore",
        "external_id": f"r{mention_id}",
        "url": REVIEW_URL,
        "title": "Never again",
        "text": "Cold coffee, rude staff and the card reader was broken. Not coming back.",
        "author": "taro",
        "published_at": NOW - timedelta(hours=3),
        "fetched_at": NOW,
        "language": "en",
        "rating": 1.0,
        "rating_scale": 5.0,
        "brand": "Acme Coffee",
        "sentiment": -0.71,
        "label": "negative",
        "status": "new",
        "fingerprint": f"fp{mention_id}",
    }
    base.update(changes)
    return Mention(**base)
