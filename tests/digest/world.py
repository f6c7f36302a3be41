"""Five weeks of mentions, put through the real pipeline from real captured responses, for the digest tests.

Own brand "Xcode": the 50 reviews of the French App Store page (ratings 1..5, French and English text).
Competitor "Slack": the 20 entries of a real Google Alerts feed. Their times are moved into five weeks that end at
the digest's slot, Monday 2026-11-16 08:00 in Tokyo (= Sunday 23:00 UTC):

    week 0 (this period)  Xcode reviews  0..13  (14)   Slack entries  0..7  (8)
    week 1 (previous)     Xcode reviews 14..23  (10)   Slack entries  8..13 (6)
    weeks 2..4            Xcode reviews 24..49  (9, 9, 8)   Slack 14..19 (2 a week)

Within a week, item i is published `1 + 12*i` hours before the week's end, so in this period only items 0 and 1
are less than a day old at the slot. Two authors are made to come back (same source, same name): review 0 (4★)
is written by the author of review 17 (5★, previous week) and review 8 (1★) by the author of review 33 (1★).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Config, parse_config
from monitor.matching import BrandMatcher
from monitor.model import Item, Score
from monitor.pipeline import Pipeline, SourceInfo
from monitor.sentiment import detect_language
from monitor.service.app import source_configs
from monitor.storage import Database, open_database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from sources import appstore, rss
from tests.loopback import REAL

SLOT = datetime(2026, 11, 15, 23, 0, tzinfo=UTC)  # Monday 08:00 Asia/Tokyo
WEEK = timedelta(days=7)
XCODE_WEEKS = (14, 10, 9, 9, 8)
SLACK_WEEKS = (8, 6, 2, 2, 2)
APPSTORE = REAL / "app_store_reviews" / "jcoynel_497799835_fr_1.json"
ALERTS = REAL / "google_alerts" / "feedjira_google_alerts_atom_slack_2019.xml"


class StarScorer:
    """The scorer for these tests: labels from the stars, where there are stars, else neutral.

    The real scorer agrees on 1-2 and 4-5 stars but lets the text decide 3-star reviews (and may change as its
    models are retrained); hand-counted figures need a rule written down here: <= 2 stars negative, 3 neutral,
    >= 4 positive. `test_real_scorer_agrees_on_stars` runs the same world through `build_scorer()`.
    """

    def score(
        self,
        text: str,
        *,
        rating: float | None = None,
        rating_scale: float | None = None,
        language: str | None = None,
        target: object = None,
    ) -> Score:
        if rating is None:
            return Score(0.0, "neutral", language or "en")
        stars = rating / (rating_scale or 5.0) * 5.0
        label = "negative" if stars <= 2 else ("positive" if stars >= 4 else "neutral")
        return Score((stars - 3.0) / 2.0, label, language or "fr")

    def detect(self, text: str) -> str | None:
        return detect_language(text)

    def warm(self) -> None:
        """Nothing to build."""


def config_for(tmp: Path, *, schedule: str = "mon 08:00", zone: str = "Asia/Tokyo", **digest: Any) -> Config:
    raw: dict[str, Any] = {
        "monitor": {"database": str(tmp / "monitor.db"), "timezone": zone},
        "brands": [
            {"name": "Xcode", "terms": ["Xcode"]},
            {"name": "Slack", "terms": ["Slack"], "role": "competitor"},
        ],
        "sources": [
            {"name": "app-store-fr", "kind": "appstore", "app_id": "497799835", "country": "fr", "brand": "Xcode"},
            {"name": "google-alerts", "kind": "rss", "url": "https://www.google.com/alerts/feeds/1/2"},
        ],
        "destinations": digest.pop("destinations", {"owner_email": "json://127.0.0.1:9/unused"}),
        "digest": {"schedule": schedule, "notify": ["owner_email"], **digest},
    }
    return parse_config(raw, source_configs(), path=tmp / "monitor.toml", environ={})


def spread(items: Sequence[Item], weeks: Sequence[int], end: datetime) -> list[Item]:
    """Give the items publication times across the weeks before `end` (see the module docstring)."""
    moved: list[Item] = []
    index = 0
    for week, count in enumerate(weeks):
        week_end = end - week * WEEK
        for i in range(count):
            moved.append(dataclasses.replace(items[index], published_at=week_end - timedelta(hours=1 + 12 * i)))
            index += 1
    return moved


@dataclass
class World:
    db: Database
    config: Config
    xcode: list[Item]
    ids: dict[str, int]  # Xcode review external id -> mention id

    def mention_id(self, index: int) -> int:
        return self.ids[self.xcode[index].external_id]


def build_world(tmp: Path, config: Config | None = None, *, scorer: Any = None) -> World:
    config = config or config_for(tmp)
    db = open_database(config.monitor.database)
    matcher = BrandMatcher([(b.name, b.terms, b.exclude) for b in config.brands])
    pipeline = Pipeline(db=db, matcher=matcher, scorer=scorer or StarScorer())

    reviews = list(appstore.parse(APPSTORE.read_bytes(), "fr"))
    reviews[0] = dataclasses.replace(reviews[0], author=reviews[17].author)
    reviews[8] = dataclasses.replace(reviews[8], author=reviews[33].author)
    xcode = spread(reviews, XCODE_WEEKS, SLOT)
    alerts, _ = rss.parse(ALERTS.read_bytes())
    slack = spread(list(alerts), SLACK_WEEKS, SLOT)

    # Fetched a little after publication, as a poller would, oldest first.
    for item in sorted(xcode, key=lambda i: i.published_at or SLOT):
        assert item.published_at is not None
        fetched = item.published_at + timedelta(minutes=10)
        pipeline.ingest(SourceInfo("app-store-fr", "appstore", "Xcode"), [item], fetched)
    report = pipeline.ingest(SourceInfo("google-alerts", "rss", None), slack, SLOT - timedelta(minutes=5))
    assert len(report.new) == 20, "every Google Alerts entry is about Slack"

    mentions = Mentions(db)
    ids = {m.external_id: m.id for m in mentions.list(brand="Xcode") if m.id is not None}
    world = World(db, config, xcode, ids)
    _answer(world)
    return world


def _answer(world: World) -> None:
    """This period's answers, as the owner gave them (times relative to each review's publication):

    review 1: the owner replied on the App Store 5 h later (the pipeline's platform-reply path);
    review 2: `respond` from the command line 30 h later;
    review 4: `resolve` 2 h later;
    review 5: `ignore` (not counted in answer figures).
    """
    mentions, events = Mentions(world.db), Events(world.db)

    def published(index: int) -> datetime:
        when = world.xcode[index].published_at
        assert when is not None
        return when

    mentions.set_answered(world.mention_id(1), published(1) + timedelta(hours=5), published(1) + timedelta(hours=6))
    events.add("responded", at=published(1) + timedelta(hours=5), mention_id=world.mention_id(1))
    for index, status, after in ((2, "responded", 30), (4, "resolved", 2), (5, "ignored", 1)):
        at = published(index) + timedelta(hours=after)
        mentions.set_status(world.mention_id(index), status, at)
        events.add(status, at=at, mention_id=world.mention_id(index))
