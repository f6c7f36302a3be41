"""`mention-monitor migrate-db --to postgresql://...`: a SQLite database made by the real pipeline, or by an earlier
release, arrives in PostgreSQL completely (every row of every table, ids kept), and the service goes on there as if
nothing happened: nothing polled twice, no alert twice, new ids after the copied ones. A target with rows is
refused; a copy that fails leaves the target empty; a count that differs exits 1."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from monitor.cli.context import Context, UsageError
from monitor.cli.migrate_db import command
from monitor.clock import FixedClock
from monitor.errors import StorageError
from monitor.service.app import load
from monitor.storage.database import Database, open_database
from monitor.storage.digests import DIGEST_RULE, Digests
from monitor.storage.instances import Instances
from monitor.storage.leases import Leases
from monitor.storage.lock import WriterLock
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from monitor.storage.spikes import Spikes
from monitor.storage.users import Users
from monitor.workflow import act, assign
from tests.apps import HEADER, close, cycle, make_app, write_config
from tests.factories import NOW, make_mention
from tests.loopback import REAL, ROOT, LoopbackServer
from tests.mailserver import MailServer
from tests.storage.postgres import TestDatabase

ACME = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()
GOOGLE_ALERTS = (REAL / "google_alerts" / "feedjira_google_alerts_atom_slack_2019.xml").read_bytes()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def config(server: LoopbackServer, mail: MailServer) -> str:
    return f"""
[[brands]]
name = "Acme Coffee"
terms = ["Acme Coffee"]

[[brands]]
name = "Slack"
terms = ["Slack"]

[[sources]]
name = "blogs"
kind = "rss"
url = "{server.url("/acme")}"

[[sources]]
name = "google-alerts"
kind = "rss"
url = "{server.url("/alerts")}"

[destinations]
owner_email = "{mail.url()}"

[[rules]]
name = "bad review"
when = "sentiment <= -0.5 or rating <= 2"
notify = ["owner_email"]
"""


def everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in an order that does not depend on the backend."""
    found = {}
    for table, columns in db.schema().items():
        names = [c.name for c in columns]
        rows = db.query(f"SELECT {', '.join(names)} FROM {table}")
        found[table] = sorted((tuple(r[n] for n in names) for r in rows), key=repr)
    return found


def migrate(folder: Path, to: str, clock: FixedClock, source: Path | None = None) -> int:
    args = argparse.Namespace(to=to, source=source, config=folder / "monitor.toml")
    return command(Context(args, lambda: load(folder / "monitor.toml", environ={}), clock))


@pytest.fixture
def real(tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock) -> Path:
    """A SQLite database as the service leaves it: two feeds polled, a complaint alerted by e-mail, a person who
    acknowledged and assigned it with a note, a digest with its chart queued, a spike, a failing destination, a
    failed login, an instance with a lease."""
    server.route("/acme", body=ACME)
    server.route("/alerts", body=GOOGLE_ALERTS, headers={"Content-Type": "application/atom+xml"})
    app = make_app(tmp_path, config(server, mail), clock)
    try:
        report = cycle(app)
        assert all(p.ok for p in report.polled) and len(mail.messages) == 1
        db = app.db
        complaint = next(m for m in Mentions(db).list() if m.title == "Worst coffee in town")
        assert complaint.id is not None
        users = Users(db)
        users.add("hanako", "$argon2id$v=19$m=65536$c2FsdA$aGFzaA", brands=["Acme Coffee"], notify=None, now=NOW)
        users.failure("ip:192.0.2.7", NOW)
        act(db, complaint.id, "acknowledge", now=NOW, actor="hanako", note="calling them back", via="the web inbox")
        assign(db, complaint.id, "hanako", now=NOW, actor="hanako")
        outbox = Outbox(db)
        files = [("digest-chart-1.png", "image/png", PNG)]
        outbox.enqueue_message(
            "digest:all:2026-11-16:owner_email",
            destination="owner_email",
            rule=DIGEST_RULE,
            now=NOW,
            subject="Weekly",
            body="text",
            html="<p>html</p>",
            files=files,
        )
        Digests(db).settle(NOW, "", NOW)
        Spikes(db).fired("negative surge", "Acme Coffee", NOW)
        outbox.record_destination_failure("owner_phone", "HTTP 503", NOW, timedelta(minutes=1))
        Instances(db).register("host-a:1:x", "host-a", 1, NOW)
        Leases(db).claim("poll:blogs", "host-a:1:x", NOW, timedelta(minutes=2))
    finally:
        close(app)
    return tmp_path / "monitor.db"


def test_a_database_made_by_the_service_arrives_completely(
    real: Path,
    tmp_path: Path,
    postgres: TestDatabase,
    server: LoopbackServer,
    mail: MailServer,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = postgres.fresh()
    assert migrate(tmp_path, target, clock) == 0
    printed = capsys.readouterr().out
    source, copy = open_database(str(real)), open_database(target)
    try:
        before, after = everything(source), everything(copy)
        for table in ("instances", "leases"):  # what the dead daemon held is not data: left behind
            assert before.pop(table) and not after.pop(table)
        assert before == after
        for table in ("mentions", "sightings", "events", "outbox", "outbox_files", "deliveries", "destinations"):
            assert before[table], f"the service left no {table} row: the test would prove nothing"
        for table in ("sources", "spikes", "digests", "users", "notes", "login_failures"):
            assert before[table], table
        for table, rows in before.items():
            assert f"{table:16} {len(rows):>10} {len(rows):>10}\n" in printed
        assert "MISMATCH" not in printed and "copied" in printed
        last = max(m.id or 0 for m in Mentions(source).list())
    finally:
        source.close()
        copy.close()

    # The service goes on on PostgreSQL: the same feeds again store nothing twice and alert nobody twice; what
    # was queued is delivered.
    pg_folder = tmp_path / "pg"
    pg_folder.mkdir()
    app = make_app(pg_folder, config(server, mail), clock, HEADER.replace('"monitor.db"', f'"{target}"'))
    try:
        assert app.db.backend == "postgresql"
        again = cycle(app)
        assert [p.report.new for p in again.polled if p.report] == [[], []]
        # The one message sent now is the digest that was still queued when the database moved, sent once.
        assert [m["Subject"] for m in mail.messages[1:]] == ["Weekly"]
        fresh = Mentions(app.db).insert(make_mention(None, external_id="new", fingerprint="new"))
        assert fresh.id == last + 1  # the sequence follows the copied ids
    finally:
        close(app)


def test_a_database_of_an_earlier_release_arrives_upgraded(
    tmp_path: Path, postgres: TestDatabase, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Release 3's schema (before users, notes, leases), with rows in each of its tables, bytes included."""
    path = tmp_path / "old.db"
    old = open_database(str(path), migrate=False)
    try:
        assert old.migrate(target=3) == 3
        t = "'2026-11-16T09:00:00.000000Z'"
        for sql in (
            "INSERT INTO sources (name, kind, next_check_at, etag, cursor) "
            f"VALUES ('blogs', 'rss', {t}, '\"e1\"', '{{}}')",
            "INSERT INTO mentions (id, source, kind, external_id, url, title, text, author, published_at, fetched_at, "
            f"rating, rating_scale, brand, sentiment, label, fingerprint) VALUES (7, 'blogs', 'rss', 'e1', "
            f"'https://example.com/1', 'Cold', 'Cold coffee, 100% ''bad''', 'taro', {t}, {t}, 1.5, 5, 'Acme Coffee', "
            "-0.75, 'negative', 'f1')",
            f"INSERT INTO sightings (source, external_id, mention_id, seen_at) VALUES ('blogs', 'e1', 7, {t})",
            f"INSERT INTO events (at, mention_id, type, rule, reason) VALUES ({t}, 7, 'alerted', 'bad review', 'x')",
            "INSERT INTO outbox (id, key, destination, rule, mention_id, created_at, due_at, state, sent_at, "
            f"send_key, frozen) VALUES (3, '7:bad review:mail', 'mail', 'bad review', 7, {t}, {t}, 'sent', {t}, "
            "'mm-1', 1)",
            "INSERT INTO outbox_files (outbox_id, position, name, mimetype, data) "
            "VALUES (3, 0, 'c.png', 'image/png', ?)",
            f"INSERT INTO deliveries (destination, sent_at, items, title) VALUES ('mail', {t}, 1, 'Cold')",
            "INSERT INTO destinations (name, consecutive_failures, last_error) VALUES ('phone', 2, 'HTTP 503')",
            f"INSERT INTO spikes (rule, brand, last_fired_at) VALUES ('surge', 'Acme Coffee', {t})",
            f"INSERT INTO digests (scheduled_for, brand, queued_at) VALUES ({t}, '', NULL)",
        ):
            old.execute(sql, (PNG,) if "?" in sql else ())
    finally:
        old.close()
    write_config(tmp_path, "")
    target = postgres.fresh()
    assert migrate(tmp_path, target, clock, source=path) == 0
    source, copy = open_database(str(path)), open_database(target)
    try:
        assert source.version == copy.version
        assert everything(source) == everything(copy)
        assert everything(copy)["outbox_files"] == [(3, 0, "c.png", "image/png", PNG)]
        mention = Mentions(copy).get(7)
        assert mention is not None and (mention.rating, mention.text) == (1.5, "Cold coffee, 100% 'bad'")
        # The next row of each table with an id comes after the copied ones.
        assert Outbox(copy).enqueue("next", destination="mail", rule="r", now=NOW, due_at=NOW)
        assert (row := Outbox(copy).find("next")) is not None and row.id == 4
    finally:
        source.close()
        copy.close()
    assert "copied 10 rows" in capsys.readouterr().out


def test_a_target_with_rows_is_refused_and_left_alone(
    real: Path, tmp_path: Path, postgres: TestDatabase, clock: FixedClock
) -> None:
    target = postgres.fresh()
    db = open_database(target)
    try:
        Users(db).add("admin", "$argon2id$x", brands=[], notify=None, now=NOW)
    finally:
        db.close()
    with pytest.raises(StorageError, match=r"is not empty \(1 users\)"):
        migrate(tmp_path, target, clock)
    db = open_database(target)
    try:
        assert Mentions(db).count() == 0 and [u.name for u in Users(db).all()] == ["admin"]
    finally:
        db.close()


def test_a_copy_that_fails_half_way_leaves_the_target_empty(
    real: Path, tmp_path: Path, postgres: TestDatabase, clock: FixedClock
) -> None:
    target = postgres.fresh()
    open_database(target).close()
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("ALTER TABLE notes ADD CONSTRAINT refuses_every_note CHECK (false)")
    with pytest.raises(StorageError, match="refuses_every_note"):
        migrate(tmp_path, target, clock)
    db = open_database(target)
    try:
        assert {table: db.count(table) for table in db.schema()} == dict.fromkeys(db.schema(), 0)
    finally:
        db.close()


def test_a_count_that_differs_exits_1(
    real: Path, tmp_path: Path, postgres: TestDatabase, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A target that silently drops rows (here a rule that swallows failed logins) is caught by the counts."""
    target = postgres.fresh()
    open_database(target).close()
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE RULE swallow AS ON INSERT TO login_failures DO INSTEAD NOTHING")
    assert migrate(tmp_path, target, clock) == 1
    printed = capsys.readouterr().out
    assert f"{'login_failures':16} {1:>10} {0:>10}  MISMATCH" in printed
    assert "the copy is incomplete: login_failures differ" in printed


def test_it_refuses_beside_a_running_daemon_and_without_a_postgresql_target(
    real: Path, tmp_path: Path, postgres: TestDatabase, clock: FixedClock
) -> None:
    lock = WriterLock.acquire(str(real))
    try:
        with pytest.raises(StorageError, match="another mention-monitor"):
            migrate(tmp_path, postgres.fresh(), clock)
    finally:
        assert lock is not None
        lock.release()
    with pytest.raises(UsageError, match="PostgreSQL URL"):
        migrate(tmp_path, str(tmp_path / "copy.db"), clock)
    with pytest.raises(StorageError, match="no SQLite database"):
        migrate(tmp_path, postgres.fresh(), clock, source=tmp_path / "missing.db")
