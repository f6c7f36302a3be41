"""Learning from the owner, end to end, on the real Google Alerts feed for "Slack": three homonyms marked "not about
us" from the command line hold back a fourth like them (stored as `irrelevant`, with the reason, no rule fired);
`mentions list --status irrelevant` shows why; `about-us` brings it back; `match --jsonl` decides as the pipeline."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.clock import FixedClock
from monitor.matching import BrandMatcher
from monitor.model import Item, Mention
from monitor.pipeline import Pipeline, SourceInfo
from monitor.service.app import load
from monitor.storage import open_database
from monitor.storage.database import Database
from monitor.storage.mentions import Mentions
from monitor.storage.relevance import Relevance
from sources.rss import parse
from tests.digest.world import ALERTS, StarScorer
from tests.factories import NOW

# An investor-relations watcher: market news is news to them, so "market" is a context word, and the market reports
# about automotive slack adjusters and slack wax get through the matcher. Only the owner can tell them apart.
CONFIG = """
[monitor]
database = "monitor.db"
timezone = "UTC"

[[brands]]
name = "Slack"
terms = ["Slack", "slack.com"]
context = ["market", "shares", "NASDAQ", "NYSE", "messaging", "collaboration"]
"""
SOURCE = SourceInfo("google-alerts", "rss", None)
ADJUSTER = "Automotive Slack Adjuster 3150 Market Report"  # the feed's 15th entry, held back from the first poll
HOMONYMS = ("Report offers Prediction of Automotive Slack", "Global Automotive Slack Market", "Slack Wax Market 2019")

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def cli(config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def run(*argv: str, stdin: str = "", later: timedelta = timedelta(0)) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(["--config", str(config), *argv], clock=FixedClock(NOW + later))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


class Decisions:
    """Stands in for the rule engine: which mentions it was asked about."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, mentions: Sequence[Mention], now: datetime) -> None:
        self.seen.extend(m.title for m in mentions)


def _pipeline(config: Path, db: Database, decide: Decisions) -> Pipeline:
    matcher = BrandMatcher.from_config(load(config, environ={}).brands)
    return Pipeline(db=db, matcher=matcher, scorer=StarScorer(), decide=decide)


def _items() -> tuple[list[Item], Item]:
    items, _ = parse(ALERTS.read_bytes())
    adjuster = next(i for i in items if i.title.startswith(ADJUSTER))
    return [i for i in items if i is not adjuster], adjuster


def _id(db: Database, title: str) -> int:
    found = [m.id for m in Mentions(db).list() if m.title.startswith(title) and m.id is not None]
    assert len(found) == 1, title
    return found[0]


def test_three_homonyms_marked_not_about_us_hold_back_a_fourth_and_about_us_brings_it_back(
    cli: Run, config: Path
) -> None:
    first, adjuster = _items()
    decide = Decisions()
    db = open_database(str(config.parent / "monitor.db"))
    try:
        pipeline = _pipeline(config, db, decide)
        report = pipeline.ingest(SOURCE, first, NOW)
        # The matcher alone: the person named Slack and the slack in a uniform are held back; the rest is kept.
        assert sorted(m.title[:20] for m in report.held_back) == ["Armed man killed, K-", "Pineview advances in"]
        kept = [m for m in report.new if m not in report.held_back]  # `new`: every mention stored
        assert len(report.new) == 19 and len(kept) == 17
        assert {h[:20] for h in HOMONYMS} <= {m.title[:20] for m in kept}
        homonyms = [_id(db, title) for title in HOMONYMS]
    finally:
        db.close()

    for mention_id in homonyms:
        code, out, err = cli("not-about-us", str(mention_id))
        assert code == 0, err

    # What the daemon would decide now, through the command that shows it.
    lines = [
        {"title": adjuster.title, "text": adjuster.text, "url": adjuster.url},
        {"title": "Slack (NYSE:WORK) opens at $38.50 in its direct listing"},
    ]
    code, out, err = cli("match", "--jsonl", stdin="".join(json.dumps(line) + "\n" for line in lines))
    assert code == 0, err
    first_line, second_line = (json.loads(line) for line in out.splitlines())
    assert (first_line["brand"], first_line["relevant"]) == ("Slack", False)
    assert first_line["reason"].startswith("like the 3 mentions marked not about us (")
    assert (second_line["brand"], second_line["relevant"]) == ("Slack", True)

    decide.seen.clear()
    db = open_database(str(config.parent / "monitor.db"))
    try:
        report = _pipeline(config, db, decide).ingest(SOURCE, [adjuster], NOW + timedelta(minutes=10))
        assert [m.title for m in report.held_back] == [m.title for m in report.new] == [adjuster.title]
        assert decide.seen == []  # no rule ever sees it
        held = report.held_back[0]
        assert held.id is not None and held.status == "irrelevant"
    finally:
        db.close()

    code, out, _ = cli("mentions", "list", "--status", "irrelevant")
    assert code == 0
    assert "(3 mentions)" in out
    assert "held back: like the 3 mentions marked not about us (" in out
    assert "held back: 'Slack' is a common word (en, Zipf 3.71) and nothing near it says it is the brand" in out
    listed = json.loads(cli("mentions", "list", "--status", "irrelevant", "--json")[1])
    assert {m["status"] for m in listed} == {"irrelevant"}
    assert all(m["reason"] for m in listed)

    code, out, err = cli("about-us", str(held.id), "--note", "we sell these too", later=timedelta(hours=1))
    assert (code, out) == (0, f"mention {held.id}: irrelevant -> new (about Slack; its matching learns this)\n"), err
    shown = json.loads(cli("mentions", "show", str(held.id), "--json")[1])
    assert shown["status"] == "new"
    assert [(t["kind"], t["actor"]) for t in shown["timeline"][-2:]] == [("about_us", "cli"), ("note", "cli")]
    assert "(2 mentions)" in cli("mentions", "list", "--status", "irrelevant")[1]

    db = open_database(str(config.parent / "monitor.db"))
    try:
        hold = Relevance(db).get(held.id)
        assert hold is not None and hold.released_by == "cli"  # nothing is deleted: the reason stays, released
        pipeline = _pipeline(config, db, decide)
        pipeline.learn()
        learned = pipeline.relevance.learned("Slack")
        assert learned is not None and (learned.marked_not_about, learned.marked_about) == (3, 1)
    finally:
        db.close()


def test_about_us_on_an_unknown_mention_is_exit_1(cli: Run) -> None:
    code, _, err = cli("about-us", "404")
    assert code == 1 and "no mention with id 404" in err


def test_match_reads_json_lines_and_says_why_without_a_database(cli: Run, config: Path) -> None:
    lines = [
        {"title": "Slack Wax Market 2019", "text": "Global “Slack Wax Market” 2019 Industry research report"},
        {"text": "thanks for the quick fix", "url": "https://app.slack.com/client/T123"},
        {"text": "shot through the slack in his uniform"},
        {"text": "nothing to see here"},
        "not an object",
        {"text": 42},
    ]
    code, out, err = cli("match", "--jsonl", stdin="".join(json.dumps(line) + "\n" for line in lines) + "{oops\n")
    assert code == 1  # some lines could not be read; each still has its line of output
    results = [json.loads(line) for line in out.splitlines()]
    assert results[0] == {"brand": "Slack", "relevant": True, "reason": results[0]["reason"]}
    assert "near the context word 'market'" in results[0]["reason"]
    assert results[1] == {"brand": "Slack", "relevant": True, "reason": "the domain 'slack.com'"}
    assert (results[2]["brand"], results[2]["relevant"]) == ("Slack", False)
    assert results[3] == {"brand": None, "relevant": False, "reason": "no brand term"}
    assert [sorted(r) for r in results[4:]] == [["error"]] * 3
    assert "line 5: skipped" in err and "line 7: skipped" in err
    assert not (config.parent / "monitor.db").exists()  # read-only: no database was made


def test_match_with_a_bad_config_is_exit_2_naming_the_key(cli: Run, config: Path) -> None:
    config.write_text(CONFIG.replace('context = ["market"', 'context = ["", "market"'), encoding="utf-8")
    code, out, err = cli("match", "--jsonl", stdin='{"text": "Slack"}\n')
    assert code == 2 and out == ""
    assert "[[brands]] #1 ('Slack'): key 'context': '' is not a word or phrase" in err
