"""Numbered migrations for both backends: the two sets make the same schema, an earlier release's database
upgrades in place with its rows, a failed migration leaves nothing half-done, and two PostgreSQL instances starting
at once do not both migrate."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from monitor.errors import StorageError
from monitor.storage.base import BACKENDS, migrations
from monitor.storage.database import Database, open_database
from monitor.storage.digests import Digests
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from tests.factories import NOW
from tests.storage.postgres import TestDatabase


def test_both_backends_have_the_same_numbered_migrations() -> None:
    sqlite, postgresql = ([n for n, _ in migrations(b)] for b in BACKENDS)
    assert sqlite == postgresql == list(range(1, len(sqlite) + 1))


def test_both_migration_sets_make_the_same_tables_columns_keys_and_indexes(tmp_path, postgres: TestDatabase) -> None:  # type: ignore[no-untyped-def]
    lite = open_database(str(tmp_path / "monitor.db"))
    pg = open_database(postgres.fresh())
    try:
        assert lite.version == pg.version == len(migrations())
        lite_schema, pg_schema = lite.schema(), pg.schema()
        assert sorted(lite_schema) == sorted(pg_schema)
        for table, columns in lite_schema.items():
            assert columns == pg_schema[table], table
        assert lite.indexes() == pg.indexes()
        assert {"mentions", "outbox", "outbox_files", "users", "leases", "instances"} <= set(lite_schema)
    finally:
        lite.close()
        pg.close()


def test_migrating_again_changes_nothing(db: Database, url: str) -> None:
    version, schema = db.version, db.schema()
    again = open_database(url)
    try:
        assert again.migrate() == version
        assert again.schema() == schema
        assert [r["version"] for r in again.query("SELECT version FROM schema_version ORDER BY version")] == list(
            range(1, version + 1)
        )
    finally:
        again.close()


def test_an_earlier_release_database_upgrades_and_keeps_its_rows(url: str) -> None:
    """A database as release 3 left it (before users, notes and leases), with a mention, its alert and a settled
    digest slot, opened by this release."""
    old = open_database(url, migrate=False)
    try:
        assert old.migrate(target=3) == 3
        old.execute(
            "INSERT INTO mentions (source, kind, external_id, url, title, text, author, published_at, fetched_at, "
            "brand, label, fingerprint) VALUES ('blogs', 'rss', 'e1', 'https://example.com/1', 'Cold', 'Cold coffee', "
            "'taro', '2026-11-16T06:00:00.000000Z', '2026-11-16T09:00:00.000000Z', 'Acme Coffee', 'negative', 'f1')"
        )
        old.execute(
            "INSERT INTO outbox (key, destination, rule, mention_id, created_at, due_at, send_key) "
            "VALUES ('1:bad review:owner_email', 'owner_email', 'bad review', 1, '2026-11-16T09:00:00.000000Z', "
            "'2026-11-16T09:00:00.000000Z', 'mm-1')"
        )
        old.execute(
            "INSERT INTO digests (scheduled_for, brand, queued_at) VALUES ('2026-11-08T23:00:00.000000Z', '', NULL)"
        )
    finally:
        old.close()

    db = open_database(url)
    try:
        assert db.version == len(migrations())
        [mention] = Mentions(db).list()
        assert (mention.id, mention.title, mention.assignee, mention.published_at) == (
            1,
            "Cold",
            None,
            NOW - timedelta(hours=3),
        )
        row = Outbox(db).find("1:bad review:owner_email")
        assert row is not None and (row.send_key, row.claimed_by, row.state) == ("mm-1", None, "pending")
        assert Digests(db).settled(NOW - timedelta(days=7, hours=10), "")
        # New rows get new ids after the old ones.
        assert Outbox(db).enqueue("2:x:y", destination="y", rule="x", now=NOW, due_at=NOW)
        new = Outbox(db).find("2:x:y")
        assert new is not None and new.id == 2
    finally:
        db.close()


def test_a_failing_migration_names_itself_and_leaves_nothing_behind(
    url: str, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = db.version
    broken = (version + 1, "CREATE TABLE half_done (x INTEGER);\nCREATE TABLE half_done (x INTEGER);")
    module = "monitor.storage.postgresql" if db.backend == "postgresql" else "monitor.storage.sqlite"
    monkeypatch.setattr(f"{module}.migrations", lambda backend: [*migrations(backend), broken])
    with pytest.raises(StorageError, match=f"migration {version + 1:04d} failed"):
        db.migrate()
    assert db.version == version
    assert "half_done" not in db.schema()


def test_instances_starting_at_once_migrate_once(postgres: TestDatabase) -> None:
    url = postgres.fresh()
    errors: list[BaseException] = []
    versions: list[int] = []

    def start() -> None:
        try:
            db = open_database(url)
            versions.append(db.version)
            db.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert versions == [len(migrations())] * 4
    db = open_database(url, migrate=False)
    try:
        applied = [r["version"] for r in db.query("SELECT version FROM schema_version ORDER BY version")]
        assert applied == list(range(1, len(migrations()) + 1))
    finally:
        db.close()
