"""The ingest stages, in order: normalise -> dedup -> match -> score -> store -> decide (rules).

Each stage is a plain function or a small object passed in; `Pipeline.ingest` only wires them. A new mention and
the rule decisions about it are written in one transaction, so a crash can never leave a stored mention whose
alerts were not queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.matching import BrandMatcher
from monitor.model import Item, Mention
from monitor.normalise import canonical_url, fingerprint
from monitor.sentiment import Scorer
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions

log = logging.getLogger(__name__)

# Kinds whose item URL names one story, so the same URL from two feeds is the same mention.
ARTICLE_KINDS = frozenset({"rss", "hackernews"})

# Called inside the transaction that stores a new mention; writes its decisions (events, outbox rows).
Decide = Callable[[Mention, datetime], None]


@dataclass
class IngestReport:
    new: list[Mention] = field(default_factory=list)
    seen_again: int = 0
    unmatched: int = 0
    answered: int = 0


@dataclass(frozen=True)
class SourceInfo:
    name: str
    kind: str
    brand: str | None


class Pipeline:
    def __init__(
        self,
        *,
        db: Database,
        matcher: BrandMatcher,
        scorer: Scorer,
        decide: Decide | None = None,
    ) -> None:
        self.db = db
        self.mentions = Mentions(db)
        self.events = Events(db)
        self.matcher = matcher
        self.scorer = scorer
        self.decide = decide

    def ingest(self, source: SourceInfo, items: Iterable[Item], now: datetime) -> IngestReport:
        report = IngestReport()
        for item in items:
            self._one(source, item, now, report)
        return report

    def _one(self, source: SourceInfo, item: Item, now: datetime, report: IngestReport) -> None:
        url = canonical_url(item.url)
        print_ = fingerprint(source.name, item.external_id, item.title, item.text)
        with self.db.transaction():
            by_url = url if source.kind in ARTICLE_KINDS else None
            existing = self.mentions.find_duplicate(source.name, item.external_id, by_url, print_)
            if existing is not None:
                self.mentions.add_sighting(existing, source.name, item.external_id, now)
                report.seen_again += 1
                self._owner_reply(existing, item, now, report)
                return
            brand = self._brand(source, item)
            if brand is None:
                report.unmatched += 1
                return
            score = self.scorer.score(
                _scored_text(item), rating=item.rating, rating_scale=item.rating_scale, language=item.language
            )
            mention = self.mentions.insert(
                Mention(
                    id=None,
                    source=source.name,
                    kind=source.kind,
                    external_id=item.external_id,
                    url=url,
                    title=item.title,
                    text=item.text,
                    author=item.author,
                    published_at=item.published_at or now,
                    fetched_at=now,
                    language=score.language,
                    rating=item.rating,
                    rating_scale=item.rating_scale,
                    brand=brand,
                    sentiment=score.sentiment,
                    label=score.label,
                    status="responded" if item.answered_at else "new",
                    status_changed_at=item.answered_at,
                    fingerprint=print_,
                    engagement=dict(item.engagement),
                    answered_at=item.answered_at,
                )
            )
            assert mention.id is not None
            self.events.add("ingested", at=now, mention_id=mention.id, reason=_describe(mention))
            if item.answered_at:
                self.events.add(
                    "responded", at=item.answered_at, mention_id=mention.id, reason="owner replied on the platform"
                )
            if self.decide is not None:
                self.decide(mention, now)
            report.new.append(mention)

    def _brand(self, source: SourceInfo, item: Item) -> str | None:
        if source.brand is not None:
            return None if self.matcher.excluded(source.brand, item.title, item.text) else source.brand
        return self.matcher.match(item.title, item.text, item.url)

    def _owner_reply(self, mention_id: int, item: Item, now: datetime, report: IngestReport) -> None:
        if item.answered_at is None:
            return
        mention = self.mentions.get(mention_id)
        if mention is None or mention.answered_at is not None:
            return
        self.mentions.set_answered(mention_id, item.answered_at, now)
        self.events.add("responded", at=now, mention_id=mention_id, reason="owner replied on the platform")
        report.answered += 1


def _scored_text(item: Item) -> str:
    if item.title and item.text and not item.text.startswith(item.title):
        return f"{item.title}. {item.text}"
    return item.text or item.title


def _describe(m: Mention) -> str:
    stars = f", {m.rating:g}/{m.rating_scale or 5:g} stars" if m.rating is not None else ""
    sentiment = f"{m.sentiment:+.2f}" if m.sentiment is not None else "unscored"
    return f"brand {m.brand!r}, {m.label} ({sentiment}){stars}, language {m.language or 'unknown'}"
