"""The pipeline scores a mention toward its brand and stores what a complaint is about; `mentions list` and the rules
see it. Real pipeline, real scorer, real SQLite, the command line as a real process."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.aspects import Aspects
from monitor.matching import BrandMatcher
from monitor.model import Item, Mention
from monitor.pipeline import Pipeline, SourceInfo
from monitor.sentiment import build_scorer
from monitor.storage import Database, open_database
from monitor.storage.mentions import Mentions
from rules.expressions import compile_condition, mention_fields
from tests.test_cli import cli

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
HEARTBROKEN = (
    "My other charger broke after years and I'm heartbroken... heard good things about Anker, any suggestions?"
)
RUDE = "Waited forty minutes at the Anker store and the staff were rude. Never again."
FORUM = SourceInfo("forum", "rss", None)
REVIEWS = SourceInfo("anker-reviews", "reviews", "Anker")  # every item of this source is about Anker


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(str(tmp_path / "monitor.db"))
    yield database  # type: ignore[misc]
    database.close()


def ingest(db: Database, source: SourceInfo, *items: Item, aspects: Aspects | None = None) -> list[Mention]:
    matcher = BrandMatcher([("Anker", ["Anker"], [])])
    Pipeline(db=db, matcher=matcher, scorer=build_scorer(), aspects=aspects).ingest(source, items, NOW)
    return Mentions(db).list()


def item(n: int, text: str, **extra: object) -> Item:
    return Item(external_id=f"i{n}", url=f"https://forum.example/{n}", text=text, published_at=NOW, **extra)  # type: ignore[arg-type]


def test_a_post_that_names_the_brand_is_scored_toward_it(db: Database) -> None:
    (mention,) = ingest(db, FORUM, item(1, HEARTBROKEN))
    assert mention.brand == "Anker"
    assert mention.label != "negative" and mention.aspects == ()  # the complaint is about another charger


def test_a_source_about_the_brand_by_nature_is_scored_whole(db: Database) -> None:
    (mention,) = ingest(db, REVIEWS, item(1, HEARTBROKEN))
    assert mention.label == "negative"


def test_a_star_rating_decides_whatever_the_text_says_of_others(db: Database) -> None:
    (mention,) = ingest(db, FORUM, item(1, "Heard good things about Anker.", rating=1.0, rating_scale=5.0))
    assert mention.label == "negative"


def test_a_complaint_is_stored_with_its_aspects_and_rules_can_use_them(db: Database) -> None:
    (mention,) = ingest(db, FORUM, item(1, RUDE))
    assert mention.label == "negative" and mention.aspects == ("staff", "waiting")
    waiting = compile_condition('"waiting" in aspects and label == "negative"')
    assert waiting.evaluate(mention_fields(mention))
    assert not compile_condition('"price" in aspects').evaluate(mention_fields(mention))
    assert "aspects=['staff', 'waiting']" in waiting.explain(mention_fields(mention))


def test_aspects_added_in_monitor_toml_are_found(db: Database) -> None:
    text = "Anker's new shop: no parking anywhere and the staff shrugged. Awful."
    (mention,) = ingest(db, FORUM, item(1, text), aspects=Aspects.packaged({"parking": ["parking"]}))
    assert mention.aspects == ("staff", "parking")


def test_mentions_list_shows_and_filters_aspects(db: Database, tmp_path: Path) -> None:
    ingest(db, FORUM, item(1, RUDE), item(2, "Anker's charger died in a week and the refund never came. Awful."))
    config = tmp_path / "monitor.toml"
    config.write_text('[monitor]\ndatabase = "monitor.db"\n\n[[brands]]\nname = "Anker"\n')
    listed = cli("mentions", "list", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    assert {m["url"]: m["aspects"] for m in json.loads(listed.stdout)} == {
        "https://forum.example/1": ["staff", "waiting"],
        "https://forum.example/2": ["quality", "billing"],
    }
    waiting = cli("mentions", "list", "--aspect", "waiting", "--json", config=config)
    assert [m["url"] for m in json.loads(waiting.stdout)] == ["https://forum.example/1"]
    assert json.loads(cli("mentions", "list", "--aspect", "price", "--json", config=config).stdout) == []


def test_score_command_reads_a_target() -> None:
    lines = [
        {"text": HEARTBROKEN},
        {"text": HEARTBROKEN, "target": "Anker"},
        {"text": HEARTBROKEN, "target": ["Anker Innovations", "@anker", "Anker"]},
        {"text": "料理は美味しかったが、店員の態度が最悪だった。", "target": "料理"},
        {"text": "anything", "target": 3},
    ]
    result = cli("score", "--jsonl", stdin="\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("label") for o in out[:4]] == ["negative", "positive", "positive", "positive"]
    assert out[3]["language"] == "ja"
    assert "target must be a string or a list of strings" in out[4]["error"] and result.returncode == 1
