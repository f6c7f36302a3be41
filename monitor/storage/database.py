"""The SQLite database: WAL mode, numbered migrations with the version in the database, one writer.

The daemon opens one connection and uses it from the event-loop thread only, so there is exactly one writer; CLI
commands that run beside it (ack, respond) open their own short-lived connection and rely on WAL + busy_timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from monitor.errors import StorageError

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(when: datetime | None) -> str | None:
    """Times are stored as fixed-width UTC text, so that text order is time order."""
    if when is None:
        return None
    if when.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return when.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def migrations() -> list[tuple[int, str]]:
    folder = resources.files("monitor.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(self, connection: sqlite3.Connection, location: str) -> None:
        self.connection = connection
        self.location = location
        self._depth = 0

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work. Nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.connection
            finally:
                self._depth -= 1
            return
        self._depth = 1
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        else:
            self.connection.execute("COMMIT")
        finally:
            self._depth = 0

    def execute(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.connection.execute(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.location}: {exc}") from exc

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.execute(sql, params).fetchone()
        return row

    @property
    def version(self) -> int:
        row = self.one("SELECT MAX(version) AS v FROM schema_version")
        return int(row["v"]) if row and row["v"] is not None else 0

    def migrate(self) -> int:
        """Apply the migrations the database has not seen yet; return the schema version."""
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)"
        )
        current = self.version
        for number, sql in migrations():
            if number <= current:
                continue
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                for statement in _statements(sql):
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


def _statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def open_database(url: str, *, base: Path | None = None, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database named in `[monitor] database`: a SQLite path, relative to `base`."""
    if url.startswith(("postgresql://", "postgres://")):
        raise StorageError("the PostgreSQL backend is not part of this version; use a SQLite path")
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open the database {path}: {exc}") from exc
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=30000")
    database = Database(connection, str(path))
    if migrate:
        database.migrate()
    return database
