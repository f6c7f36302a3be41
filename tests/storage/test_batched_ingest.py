"""A poll's items are stored in one batch (monitor/pipeline.py) with exactly the outcome of storing them one at a time:
the same mentions, sightings, events of each mention in the same order, holds, alerts and reports, on both backends;
including the cases where the batch meets itself (the same item twice, the same story through its URL or its text,
an owner's reply to a mention the same poll stored) and where it meets what the database held before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config import parse_config
from monitor.matching import BrandMatcher
from monitor.model import Item
from monitor.pipeline import STORE_CHUNK, IngestReport, Pipeline, SourceInfo
from monitor.sentiment import build_scorer
from monitor.storage.base import BACKENDS
from monitor.storage.database import Database, open_database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from rules.engine import RuleEngine, compile_rules
from tests.factories import NOW
from tests.storage.postgres import TestDatabase

SOURCE = SourceInfo("blog", "rss", None)
CONFIG: dict[str, Any] = {
    "brands": [{"name": "Acme", "terms": ["acme", "slack"]}],
    "destinations": {"owner": "json://127.0.0.1:9/unused"},
    "rules": [{"name": "complaint", "when": "label == 'negative'", "notify": ["owner"]}],
}
STORY = "Acme lost my order again and support never answered. Terrible service, I want my money back now."


def item(external_id: str, url: str, text: str, **changes: Any) -> Item:
    return replace(Item(external_id=external_id, url=url, title="", text=text, published_at=NOW), **changes)


BEFORE = [item("old", "https://blog.example.com/old", "Acme was rude to me at the counter today, never again.")]
POLL = [
    item("a", "https://blog.example.com/a", STORY),
    item("a", "https://blog.example.com/a", STORY, answered_at=NOW - timedelta(minutes=5)),  # itself, answered
    item("b", "https://blog.example.com/a?utm_source=x", "Another post on the same page about Acme."),  # its URL
    item("c", "https://elsewhere.example.com/c", STORY),  # its text, through another page
    item("d", "https://blog.example.com/d", "Nothing about any brand here, just the weather."),  # no brand
    item("e", "https://blog.example.com/e", "Cut me some slack, it has been a long week at work."),  # held back
    item("f", "https://blog.example.com/f", "Acme answered my question within minutes.", answered_at=NOW),
    item("old", "https://blog.example.com/old", "edited", answered_at=NOW - timedelta(hours=1)),  # stored before
    item("g", "https://blog.example.com/old", "Same page again", answered_at=NOW),  # answered already
    item("d", "https://blog.example.com/d", "Nothing about any brand here, just the weather."),  # no brand, again
    item("h", "https://blog.example.com/h", "Acme is the worst: broken on arrival, no refund, rude staff."),
]


@pytest.fixture(params=BACKENDS)
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Database]:
    opened: list[Database] = []

    def new() -> Database:
        if request.param == "sqlite":
            url = str(tmp_path / f"monitor-{len(opened)}.db")
        else:
            postgres: TestDatabase = request.getfixturevalue("postgres")
            url = postgres.fresh()
        opened.append(open_database(url))
        return opened[-1]

    request.addfinalizer(lambda: [db.close() for db in opened])
    return new


def pipeline(db: Database, tmp_path: Path) -> Pipeline:
    config = parse_config(CONFIG, {}, path=tmp_path / "monitor.toml", environ={})
    engine = RuleEngine(
        compile_rules(config),
        destinations=config.destinations,
        muted=frozenset(),
        competitors=frozenset(),
        outbox=Outbox(db),
        events=Events(db),
        mentions=Mentions(db),
    )
    matcher = BrandMatcher.from_config(config.brands)
    return Pipeline(db=db, matcher=matcher, scorer=build_scorer(), decide=engine.on_new_mentions)


def rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in r.keys()) for r in db.query(sql)]  # sqlite3.Row is no mapping: keys() it is


def state(db: Database) -> dict[str, Any]:
    """Everything ingest writes, without the ids of events and outbox rows (the order of a mention's events stays)."""
    return {
        "mentions": rows(db, "SELECT * FROM mentions ORDER BY id"),
        "sightings": rows(db, "SELECT * FROM sightings ORDER BY source, external_id"),
        "events": rows(
            db, "SELECT mention_id, type, rule, destination, reason, at FROM events ORDER BY mention_id, id"
        ),
        "outbox": rows(db, "SELECT key, destination, rule, mention_id, reason, due_at, state FROM outbox ORDER BY key"),
        "held": rows(db, "SELECT * FROM held_back ORDER BY mention_id"),
    }


def summary(reports: list[IngestReport]) -> tuple[Any, ...]:
    return (
        [m.external_id for r in reports for m in r.new],
        [m.external_id for r in reports for m in r.held_back],
        sum(r.seen_again for r in reports),
        sum(r.unmatched for r in reports),
        sum(r.answered for r in reports),
    )


def test_a_batch_stores_what_one_item_at_a_time_stores(new_database: Callable[[], Database], tmp_path: Path) -> None:
    one_by_one, batched = new_database(), new_database()
    singles, batch = pipeline(one_by_one, tmp_path), pipeline(batched, tmp_path)
    for p in (singles, batch):
        p.ingest(SOURCE, BEFORE, NOW - timedelta(days=1))
    expected = summary([singles.ingest(SOURCE, [i], NOW) for i in POLL])
    assert summary([batch.ingest(SOURCE, POLL, NOW)]) == expected
    assert state(batched) == state(one_by_one)
    # and the cases above happened: stored, seen again, answered, held back, unmatched
    assert expected == (["a", "e", "f", "h"], ["e"], 5, 2, 2)


def test_a_poll_bigger_than_a_transaction_is_stored_in_several(
    new_database: Callable[[], Database], tmp_path: Path
) -> None:
    many = [
        item(f"n{i}", f"https://blog.example.com/n{i}", f"Acme post {i}: the app crashed.")
        for i in range(STORE_CHUNK + 3)
    ]
    many.append(item("again", "https://blog.example.com/n0", "The first post's page, at the end of the poll."))
    db = new_database()
    report = pipeline(db, tmp_path).ingest(SOURCE, many, NOW)
    assert (len(report.new), report.seen_again) == (STORE_CHUNK + 3, 1)
    assert Mentions(db).count() == STORE_CHUNK + 3
