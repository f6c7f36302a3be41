"""The digest's figures are counted by the database (monitor/storage/digest_figures.py): the same digest on PostgreSQL
as on SQLite, and the aspects of a complaint read again only when it was stored before aspects existed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from alerts.digest.compose import collect, own_brands
from alerts.digest.figures import boundaries
from alerts.digest.html import render_text
from monitor.model import Mention
from monitor.storage import open_database
from monitor.storage.database import to_db
from monitor.storage.digest_figures import ASPECTS_MIGRATION, DigestFigures
from monitor.storage.mentions import Mentions
from tests.digest.world import SLOT, WEEK, build_world, config_for
from tests.storage.postgres import TestDatabase


def test_postgresql_gives_the_digest_sqlite_gives(tmp_path: Path, postgres: TestDatabase) -> None:
    lite = build_world(tmp_path / "sqlite")
    config = config_for(tmp_path / "pg")
    config = config.model_copy(update={"monitor": config.monitor.model_copy(update={"database": postgres.fresh()})})
    pg = build_world(tmp_path / "pg", config)
    try:
        for end, period, now in ((SLOT, WEEK, SLOT), (SLOT, timedelta(days=30), SLOT + timedelta(days=2))):
            (a,) = collect(lite.db, lite.config, own_brands(lite.config), end=end, period=period, now=now)
            (b,) = collect(pg.db, pg.config, own_brands(pg.config), end=end, period=period, now=now)
            assert a == b
            assert render_text([a]) == render_text([b])
        assert a.current.total == 46 and a.unanswered_total == 46 and a.themes  # the 30 days: figures to compare
    finally:
        lite.db.close()
        pg.db.close()


def test_the_stretches_are_the_periods_and_the_local_days() -> None:
    edges = boundaries(SLOT, WEEK, ZoneInfo("Asia/Tokyo"))  # Monday 08:00 in Tokyo, five weeks back
    assert edges[0] == SLOT - 5 * WEEK and edges[-1] == SLOT
    assert {SLOT - 2 * WEEK, SLOT - WEEK} <= set(edges)
    midnights = [e for e in edges if e.astimezone(ZoneInfo("Asia/Tokyo")).hour == 0]
    assert len(midnights) == 35 and len(edges) == 35 + 4  # every local midnight between; the periods' edges at 08:00


def complaint(i: int, seen: datetime, text: str, aspects: tuple[str, ...] = ()) -> Mention:
    return Mention(
        id=None,
        source="reviews",
        kind="rss",
        external_id=f"c{i}",
        url=f"https://example.com/{i}",
        title="",
        text=text,
        author=f"a{i}",
        published_at=seen - timedelta(minutes=5),
        fetched_at=seen,
        language="en",
        rating=None,
        rating_scale=None,
        brand="Xcode",
        sentiment=-0.6,
        label="negative",
        status="new",
        fingerprint=f"f{i}",
        aspects=aspects,
    )


def test_a_complaint_is_read_again_only_when_stored_before_aspects_existed(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    db = open_database(config.monitor.database)
    upgraded = SLOT - timedelta(days=3)
    db.execute("UPDATE schema_version SET applied_at = ? WHERE version = ?", (to_db(upgraded), ASPECTS_MIGRATION))
    assert DigestFigures(db).aspects_since() == upgraded
    mentions = Mentions(db)
    waited = "We waited forty minutes for a coffee."
    before = upgraded - timedelta(hours=1)
    after = upgraded + timedelta(hours=1)
    mentions.insert(complaint(1, before, waited))  # stored before aspects existed: read again, "waiting"
    mentions.insert(complaint(2, before, waited))
    mentions.insert(complaint(3, after, waited))  # stored since, no aspect found then: counts as none
    mentions.insert(complaint(4, after, "Cold.", ("staff",)))  # stored since: its aspects as stored
    mentions.insert(complaint(5, after, "Rude.", ("staff",)))
    (data,) = collect(db, config, own_brands(config), end=SLOT, period=WEEK, now=SLOT)
    shown = {c.theme.aspect: c.theme.count for c in data.themes}
    assert shown == {"waiting": 2, "staff": 2}
    assert {c.quote.mention_id for c in data.themes} <= {1, 2, 4, 5}
    db.close()
