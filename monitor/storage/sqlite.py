"""The SQLite backend: WAL mode, numbered migrations with the version in the database, one writer.

The daemon opens one connection and uses it from the event-loop thread only, so there is exactly one writer (and
monitor/storage/lock.py keeps a second daemon away); CLI commands that run beside it (ack, respond) open their own
short-lived connection and rely on WAL + busy_timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.errors import StorageError
from monitor.storage.base import Column, Database, Params, Row, migrations, statements, to_db

_TYPES = {"TEXT": "text", "INTEGER": "integer", "REAL": "real", "BLOB": "blob"}


class SQLiteDatabase(Database):
    backend = "sqlite"

    def __init__(self, connection: sqlite3.Connection, location: str) -> None:
        super().__init__(location)
        self.connection = connection
        self._depth = 0

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._depth = 1
        self._run("BEGIN IMMEDIATE")  # the write lock from the start: no upgrade deadlock between two writers
        try:
            yield self
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        else:
            self._run("COMMIT")
        finally:
            self._depth = 0

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        try:
            return self.connection.execute(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.location}: {exc}") from exc

    def one(self, sql: str, params: Params = ()) -> Row | None:
        cursor = self.execute(sql, params)
        try:
            row: sqlite3.Row | None = cursor.fetchone()
        finally:
            cursor.close()  # finishes the statement (an INSERT ... RETURNING, a read snapshot)
        return row

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.connection.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.location}: {exc}") from exc

    def iterate(self, sql: str, params: Params = (), *, size: int = 500) -> Iterator[list[Row]]:
        cursor = self.execute(sql, params)
        try:
            while batch := cursor.fetchmany(size):
                yield batch
        finally:
            cursor.close()

    def _run(self, sql: str) -> None:
        try:
            self.connection.execute(sql)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.location}: {exc}") from exc

    def migrate(self, target: int | None = None) -> int:
        self._run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
        current = self.version
        for number, sql in migrations("sqlite"):
            if number <= current or (target is not None and number > target):
                continue
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                for statement in statements(sql):
                    self.connection.execute(statement)
                self.connection.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (number, to_db(datetime.now(UTC))),
                )
                self.connection.execute("COMMIT")
            except sqlite3.Error as exc:
                self.connection.execute("ROLLBACK")
                raise StorageError(f"{self.location}: migration {number:04d} failed: {exc}") from exc
        return self.version

    def reset_sequences(self) -> None:
        """Nothing to do: AUTOINCREMENT's counter (sqlite_sequence) follows the largest id inserted."""

    def schema(self) -> dict[str, tuple[Column, ...]]:
        names = self.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'schema_version' ORDER BY name"
        )
        found = {}
        for row in names:
            columns = self.query(f"PRAGMA table_info({row['name']})")
            found[row["name"]] = tuple(
                Column(
                    c["name"],
                    _TYPES.get(c["type"].upper(), c["type"].lower()),
                    bool(c["notnull"] or c["pk"]),
                    bool(c["pk"]),
                )
                for c in columns
            )
        return found

    def indexes(self) -> set[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        return {r["name"] for r in rows}


def open_sqlite(path: Path, *, migrate: bool = True) -> SQLiteDatabase:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open the database {path}: {exc}") from exc
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA busy_timeout=30000")
    except sqlite3.Error as exc:
        connection.close()
        raise StorageError(f"cannot open the database {path}: {exc}") from exc
    database = SQLiteDatabase(connection, str(path))
    if migrate:
        database.migrate()
    return database
