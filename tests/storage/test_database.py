"""The Database itself, on both backends: statements, transactions, errors; on PostgreSQL, a lost connection and a
password that never shows."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest

from monitor.errors import StorageError
from monitor.storage.database import Database, open_database
from monitor.storage.lock import WriterLock
from monitor.storage.mentions import Mentions
from monitor.storage.placeholders import translate
from monitor.storage.postgresql import PostgresDatabase
from tests.factories import make_mention
from tests.storage.postgres import TestDatabase

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def test_placeholders_literals_and_percent_signs_mean_the_same_on_both(db: Database) -> None:
    row = db.one("SELECT '?' AS q, 'it''s 100%' AS p, ? AS v, ? || '%' AS w", ("value", "50"))
    assert row is not None
    assert (row["q"], row["p"], row["v"], row["w"]) == ("?", "it's 100%", "value", "50%")


def test_named_parameters_work_on_both(db: Database) -> None:
    row = db.one("SELECT :a AS a, :b AS b, ':a' AS literal", {"a": "one", "b": 2})
    assert row is not None and (row["a"], row["b"], row["literal"]) == ("one", 2, ":a")


def test_translation_leaves_literals_quoted_names_and_comments_alone() -> None:
    assert translate("SELECT \"a?\", 'b?''?', ? -- c?\n, ?") == "SELECT \"a?\", 'b?''?', %s -- c?\n, %s"
    assert translate("SELECT x::text, :n", named=True) == "SELECT x::text, %(n)s"
    assert translate("SELECT '%' || ?") == "SELECT '%%' || %s"


def test_a_transaction_is_one_unit_and_a_nested_one_joins_it(db: Database) -> None:
    mentions = Mentions(db)
    with pytest.raises(RuntimeError), db.transaction():
        mentions.insert(make_mention(None, external_id="a", fingerprint="fa"))
        with db.transaction():
            mentions.insert(make_mention(None, external_id="b", fingerprint="fb"))
        raise RuntimeError("the outer unit fails after the inner one finished")
    assert mentions.count() == 0

    with db.transaction():
        mentions.insert(make_mention(None, external_id="a", fingerprint="fa"))
        with db.transaction():
            mentions.insert(make_mention(None, external_id="b", fingerprint="fb"))
    assert mentions.count() == 2


def test_a_failed_statement_is_a_storage_error_naming_the_database(db: Database) -> None:
    with pytest.raises(StorageError) as caught:
        db.execute("SELECT some_column FROM no_such_table")
    assert db.location in str(caught.value)
    assert "no_such_table" in str(caught.value)
    # A statement failing inside a transaction rolls the transaction back, and the database goes on working.
    mentions = Mentions(db)
    with pytest.raises(StorageError), db.transaction():
        mentions.insert(make_mention(None, external_id="a", fingerprint="fa"))
        mentions.insert(make_mention(None, external_id="a", fingerprint="fa"))  # same (source, external_id)
    assert mentions.count() == 0
    assert mentions.insert(make_mention(None, external_id="a", fingerprint="fa")).id is not None


def test_writes_of_one_connection_are_seen_by_another(connect) -> None:  # type: ignore[no-untyped-def]
    first, second = connect(), connect()
    Mentions(first).insert(make_mention(None))
    assert Mentions(second).count() == 1


def test_the_writer_lock_is_for_sqlite_files_only(url: str, db: Database) -> None:
    lock = WriterLock.acquire(url)
    try:
        if db.backend == "postgresql":
            assert lock is None  # several instances may share PostgreSQL
            assert WriterLock.acquire(url) is None
        else:
            assert lock is not None
            with pytest.raises(StorageError, match="another mention-monitor"):
                WriterLock.acquire(url)
    finally:
        if lock is not None:
            lock.release()


# ------------------------------------------------------------------------------------------ PostgreSQL only


def test_a_killed_connection_fails_the_statement_in_flight_and_the_next_one_works(postgres: TestDatabase) -> None:
    db = open_database(postgres.fresh())
    try:
        mentions = Mentions(db)
        mentions.insert(make_mention(None, external_id="a", fingerprint="fa"))
        for inside_a_transaction in (False, True):
            row = db.one("SELECT pg_backend_pid() AS pid")
            assert row is not None
            with postgres.admin() as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (row["pid"],))
            failures = 0
            try:
                if inside_a_transaction:
                    with db.transaction():
                        mentions.insert(make_mention(None, external_id="b", fingerprint="fb"))
                else:
                    mentions.count()
            except StorageError:
                failures += 1
            assert failures <= 1
            assert mentions.count() >= 1  # the next statement works on a new connection
        # The transaction that lost its connection left nothing half-done: "b" is there wholly or not at all.
        assert {m.external_id for m in mentions.list()} <= {"a", "b"}
        mentions.insert(make_mention(None, external_id="c", fingerprint="fc"))
        assert "c" in {m.external_id for m in mentions.list()}
    finally:
        db.close()


def test_a_connection_idle_for_a_while_is_checked_before_use(
    postgres: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a quiet spell (the daemon sleeping between polls) the first statement does not fail even when
    PostgreSQL dropped the connection meanwhile."""
    monkeypatch.setattr("monitor.storage.postgresql.IDLE_CHECK", 0.0)
    db = open_database(postgres.fresh())
    try:
        row = db.one("SELECT pg_backend_pid() AS pid")
        assert row is not None
        with postgres.admin() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (row["pid"],))
        assert Mentions(db).count() == 0  # no StorageError: the check found the dead connection first
    finally:
        db.close()


def test_an_instance_goes_on_when_another_adds_a_column(postgres: TestDatabase) -> None:
    """A newer instance migrates while an older one runs: the older one's `SELECT *` keeps working (no server-side
    prepared statement holds the old row shape)."""
    url = postgres.fresh()
    old, new = open_database(url), open_database(url)
    try:
        for _ in range(10):
            old.query("SELECT * FROM leases")
        new.execute("ALTER TABLE leases ADD COLUMN note TEXT")
        assert old.query("SELECT * FROM leases") == []
    finally:
        old.close()
        new.close()


SECRET = "Sup3r-Secret-Pa55word"


@pytest.mark.parametrize(
    "bad_url",
    [
        f"postgresql://postgres:{SECRET}@127.0.0.1:1/nothing",  # nobody listens
        f"postgresql://postgres:{SECRET}@127.0.0.1:5432/mm_no_such_database",
        f"postgresql://postgres@127.0.0.1:1/nothing?password={SECRET}",
        f"postgresql://postgres:{SECRET}@127.0.0.1:5432/nothing?sslmode=bogus",
    ],
    ids=["nobody-listens", "no-such-database", "password-parameter", "bad-parameter"],
)
def test_a_password_in_the_url_never_appears_in_an_error_or_a_log(
    bad_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StorageError) as caught:
        open_database(bad_url)
    assert SECRET not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    assert SECRET not in caplog.text


def test_a_password_never_appears_while_working(postgres: TestDatabase, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = postgres.fresh().replace("postgres@", f"postgres:{SECRET}@")  # trust auth: any password is accepted
    db = open_database(url)
    try:
        assert isinstance(db, PostgresDatabase)
        assert SECRET not in db.location and SECRET not in repr(db)
        with pytest.raises(StorageError) as caught:
            db.execute(f"SELECT '{SECRET}' FROM no_such_table")  # an error that would quote the statement
        assert SECRET not in str(caught.value)
        row = db.one("SELECT pg_backend_pid() AS pid")
        assert row is not None
        with postgres.admin() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (row["pid"],))
        with pytest.raises(StorageError) as lost:
            db.execute("SELECT 1")
        assert SECRET not in str(lost.value)
        db.execute("SELECT 1")
    finally:
        db.close()
    assert SECRET not in caplog.text


def test_unreachable_postgresql_is_one_clear_error() -> None:
    with pytest.raises(StorageError, match=r"cannot open the database postgresql://postgres@127.0.0.1:1/nothing"):
        open_database("postgresql://postgres@127.0.0.1:1/nothing")


def test_two_instances_write_at_once(postgres: TestDatabase) -> None:
    url = postgres.fresh()
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            db = open_database(url)
            try:
                for i in range(20):
                    Mentions(db).insert(make_mention(None, external_id=f"{name}{i}", fingerprint=f"{name}{i}"))
            finally:
                db.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_database(url)
    try:
        assert Mentions(db).count() == 40
    finally:
        db.close()
