"""Brand relevance on both backends: why a mention was held back, and what the owner's corrections teach."""

from __future__ import annotations

from datetime import timedelta

from monitor.model import Mention
from monitor.relevance import Example
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.relevance import ABOUT_US, NOT_ABOUT_US, Relevance
from tests.factories import NOW, make_mention


def _stored(db: Database, key: str, **changes: object) -> Mention:
    mention = Mentions(db).insert(
        make_mention(None, external_id=key, fingerprint=key, url=f"https://example.com/{key}", **changes)
    )
    assert mention.id is not None
    return mention


def test_a_held_back_mention_keeps_its_reason_and_when_it_was_brought_back(db: Database) -> None:
    relevance = Relevance(db)
    held = _stored(db, "wax", title="Slack Wax Market 2019", status="irrelevant")
    kept = _stored(db, "ipo", title="Slack IPO")
    assert held.id is not None and kept.id is not None
    relevance.hold(held.id, "'Slack' is a common word and nothing near it says it is the brand", NOW)
    assert relevance.reasons([held.id, kept.id]) == {
        held.id: "'Slack' is a common word and nothing near it says it is the brand"
    }
    assert relevance.reasons([]) == {}
    relevance.release(held.id, NOW + timedelta(hours=1), "cli")
    hold = relevance.get(held.id)
    assert hold is not None
    assert (hold.held_at, hold.released_at, hold.released_by) == (NOW, NOW + timedelta(hours=1), "cli")
    assert relevance.get(kept.id) is None


def test_the_latest_correction_of_each_mention_is_what_its_brand_learns(db: Database) -> None:
    relevance, events = Relevance(db), Events(db)
    assert relevance.taught() == 0
    wax = _stored(db, "wax", title="Slack Wax Market", brand="Slack")
    adjuster = _stored(db, "adj", title="Automotive Slack Adjuster", brand="Slack")
    ipo = _stored(db, "ipo", title="Slack IPO", brand="Slack")
    teams = _stored(db, "teams", title="Teams is stomping Slack", brand="Slack")
    held = _stored(db, "uniform", title="the slack in his uniform", brand="Slack", status="irrelevant")
    other = _stored(db, "latte", title="Lovely latte", brand="Acme Coffee")
    events.add(NOT_ABOUT_US, at=NOW, mention_id=wax.id, actor="cli")
    events.add(NOT_ABOUT_US, at=NOW, mention_id=adjuster.id, actor="cli")
    events.add(NOT_ABOUT_US, at=NOW, mention_id=ipo.id, actor="cli")  # a slip of the finger...
    first = relevance.taught()
    events.add(ABOUT_US, at=NOW + timedelta(minutes=1), mention_id=ipo.id, actor="cli")  # ...taken back
    assert relevance.taught() > first > 0
    assert relevance.corrections() == {wax.id: False, adjuster.id: False, ipo.id: True}

    lessons = relevance.lessons(["Slack", "Acme Coffee", "Nobody"])
    slack = lessons["Slack"]
    assert [e.title for e in slack.not_about] == ["Slack Wax Market", "Automotive Slack Adjuster"]
    assert slack.about == [Example("Slack IPO", ipo.text, "https://example.com/ipo")]
    assert [e.title for e in slack.kept] == [teams.title]  # newest first, corrected ones aside
    assert [e.title for e in slack.held] == [held.title]
    assert [e.title for e in lessons["Acme Coffee"].kept] == [other.title]
    assert lessons["Nobody"].kept == [] and lessons["Nobody"].not_about == []
    assert [e.title for e in relevance.lessons(["Slack"], limit=1)["Slack"].kept] == [teams.title]
