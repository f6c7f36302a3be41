"""The escalation timer on both backends: it reads only what became due since its previous pass, catches a backlog
up a few pages a pass (a poll's batch shares one first-seen time, so the mark keeps the id too), never reaches past
its horizon, and never alerts twice per rule and destination, even with its marks lost."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config import parse_config
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from rules import engine as engine_module
from rules.engine import RuleEngine, compile_rules
from tests.factories import NOW, make_mention

CONFIG: dict[str, Any] = {
    "destinations": {"owner": "json://127.0.0.1:9/unused"},
    "rules": [{"name": "late", "when": "label == 'negative'", "unanswered_after": "24h", "notify": ["owner"]}],
}


def engine(db: Database) -> RuleEngine:
    config = parse_config(CONFIG, {}, path=Path("monitor.toml"), environ={})
    return RuleEngine(
        compile_rules(config),
        destinations=config.destinations,
        muted=frozenset(),
        competitors=frozenset(),
        outbox=Outbox(db),
        events=Events(db),
        mentions=Mentions(db),
    )


def add(db: Database, n: int, **changes: object) -> int:
    stored = Mentions(db).insert(make_mention(None, external_id=f"r{n}", fingerprint=f"fp{n}", **changes))
    assert stored.id is not None
    return stored.id


def escalated(db: Database) -> list[int]:
    return sorted(r.mention_id for r in Outbox(db).all_pending() if r.mention_id is not None)


def test_a_backlog_is_caught_up_a_few_pages_a_pass_each_mention_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PAGE", 3)
    monkeypatch.setattr(engine_module, "PAGES_PER_PASS", 1)
    batch = NOW - timedelta(days=2)
    with db.transaction():
        polled = [add(db, n, fetched_at=batch) for n in range(8)]  # one poll: eight first seen at the same time
        add(db, 8, fetched_at=batch, label="positive", rating=5.0)  # read, not escalated
        add(db, 9, fetched_at=batch, status="acknowledged")  # someone is on it
        too_old = add(db, 10, fetched_at=NOW - timedelta(days=40))  # past the horizon
        later = add(db, 11, fetched_at=NOW - timedelta(hours=23))  # not due yet
    timer = engine(db)
    passes = 0
    while len(escalated(db)) < len(polled):
        timer.escalate(NOW + timedelta(seconds=15 * passes))
        passes += 1
        assert passes <= 4  # ten mentions at the batch's time, three a pass
    assert escalated(db) == polled
    timer.escalate(NOW + timedelta(hours=1, minutes=1))
    assert escalated(db) == sorted([*polled, later])
    assert too_old not in escalated(db)


def test_a_pass_reads_only_what_became_due_and_lost_marks_alert_nobody_twice(db: Database) -> None:
    with db.transaction():
        first = add(db, 1, fetched_at=NOW - timedelta(hours=25))
        second = add(db, 2, fetched_at=NOW - timedelta(hours=24, seconds=10))
    timer = engine(db)
    assert timer.escalate(NOW) == 2
    assert timer.escalate(NOW + timedelta(seconds=15)) == 0
    assert escalated(db) == [first, second]
    db.execute("DELETE FROM timer_marks")  # a restored backup, a renamed step: read again, alert nobody again
    assert timer.escalate(NOW + timedelta(seconds=30)) == 0
    matched = [e for e in Events(db).recent("matched", NOW - timedelta(days=1))]
    assert sorted(e.mention_id for e in matched if e.mention_id is not None) == [first, second]
