"""The digest's storage: a frozen outbox row keeps its message and files, once; an older database upgrades in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.storage.database import migrations, open_database
from monitor.storage.digests import DIGEST_RULE, Digests
from monitor.storage.outbox import Outbox, OutboxFile

NOW = datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def test_a_frozen_row_keeps_its_message_and_files_and_is_queued_once(tmp_path: Path) -> None:
    outbox = Outbox(open_database(str(tmp_path / "monitor.db")))
    files = [("digest-chart-1.png", "image/png", PNG), ("digest-chart-2.png", "image/png", PNG[:9])]
    kwargs = {"destination": "owner_email", "rule": DIGEST_RULE, "now": NOW, "subject": "Weekly", "body": "text"}
    assert outbox.enqueue_message("digest:all:x:owner_email", html="<p>html</p>", files=files, **kwargs)
    assert not outbox.enqueue_message("digest:all:x:owner_email", html="<p>other</p>", files=files[:1], **kwargs)

    [row] = outbox.pending("owner_email")
    assert (row.frozen, row.subject, row.body, row.html, row.due_at) == (True, "Weekly", "text", "<p>html</p>", NOW)
    assert outbox.files(row.id) == [OutboxFile(*f) for f in files]
    assert Digests(outbox.db).last_sent() is None  # queued is not sent
    outbox.db.close()


def test_a_version_2_database_upgrades_and_keeps_its_settled_slots(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    old = open_database(path, migrate=False)
    # The database as version 2 left it, with a digest sent the week before.
    old.connection.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for number, sql in migrations()[:2]:
        old.connection.executescript(sql)
        old.connection.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
    old.connection.execute(
        "INSERT INTO digests (scheduled_for, brand, sent_at) VALUES ('2026-11-08T23:00:00.000000Z', '', "
        "'2026-11-08T23:00:05.000000Z')"
    )
    old.close()

    db = open_database(path)
    assert db.version == len(migrations())
    assert Digests(db).settled(NOW - timedelta(weeks=1), "")
    assert Digests(db).last_settled("") == NOW - timedelta(weeks=1)
    assert Outbox(db).enqueue_message(
        "digest:all:y:owner_email", destination="owner_email", rule=DIGEST_RULE, now=NOW, subject="s", body="b"
    )
    db.close()
