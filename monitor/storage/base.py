"""What every backend is: the `Database` interface the repositories use, rows, stored times, migration files.

Repositories write one SQL for both backends: `?` placeholders, `INSERT ... ON CONFLICT`, `RETURNING`, no
`INSERT OR IGNORE` and no `lastrowid`. The few places where the dialects differ are attributes of the database
(`skip_locked`), never `if backend == ...` in a repository.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, ClassVar, Protocol

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# Rows per multi-row INSERT (`Database.insert_rows`), fewer when they would carry more than MAX_PARAMETERS:
# SQLite takes 32,766 parameters a statement, PostgreSQL 65,535.
ROWS_PER_INSERT = 500
MAX_PARAMETERS = 30_000

Params = Sequence[Any] | Mapping[str, Any]


def to_db(when: datetime | None) -> str | None:
    """Times are stored as fixed-width UTC text in both backends, so that text order is time order."""
    if when is None:
        return None
    if when.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return when.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str | None) -> datetime | None:
    """A stored time: the fixed-width UTC text `to_db` writes is ISO 8601 ("2026-11-16T09:00:00.000000Z"), which
    `fromisoformat` reads about 20 times faster than `strptime`."""
    if text is None:
        return None
    return datetime.fromisoformat(text)


def marks(values: Sized) -> str:
    """The placeholders of an `IN (...)` list; `NULL` for none (SQLite takes `IN ()`, PostgreSQL does not, and
    `IN (NULL)` matches nothing in both)."""
    return ",".join("?" * len(values)) or "NULL"


class Row(Protocol):
    """A result row: `row["column"]` on both backends (sqlite3.Row, or psycopg's dict_row)."""

    def __getitem__(self, key: str, /) -> Any: ...


class Cursor(Protocol):
    """What `Database.execute` returns: the number of rows changed, and the rows a statement returned."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Column:
    """A column as both backends can describe it: the type is the storage class (text, integer, real, blob)."""

    name: str
    type: str
    not_null: bool
    primary_key: bool


BACKENDS = ("sqlite", "postgresql")


def migrations(backend: str = "sqlite") -> list[tuple[int, str]]:
    """The numbered migrations of a backend, in order: `migrations/NNNN_*.sql` for SQLite, and
    `migrations/postgresql/NNNN_*.sql` with the same numbers and meaning for PostgreSQL."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    folder = resources.files("monitor.storage") / "migrations"
    if backend == "postgresql":
        folder = folder / "postgresql"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def statements(script: str) -> list[str]:
    """The statements of a migration file (`--` comments dropped; no `;` inside literals in our migrations)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


class Database(ABC):
    """One database, used from one thread (the daemon's event loop, or a command).

    `execute` runs one statement (outside a transaction it commits at once); `transaction()` makes one atomic unit
    of work, and a nested `transaction()` joins the outer one. Every driver error becomes a StorageError that names
    `location` (never a password).
    """

    backend: ClassVar[str]
    # Appended to a `SELECT ... LIMIT n` that picks rows to claim: PostgreSQL skips rows another instance is
    # claiming at this moment instead of waiting for it; SQLite has one writer at a time, so there is nothing to skip.
    skip_locked: ClassVar[str] = ""
    # Whether several daemons may share the database (PostgreSQL). SQLite has one daemon, held by its writer lock.
    shared: ClassVar[bool] = False

    def __init__(self, location: str) -> None:
        self.location = location

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Database]:
        """One atomic unit of work. Nested calls join the outer transaction."""

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> Cursor: ...

    @abstractmethod
    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for each of many parameter rows (bulk copies)."""

    @abstractmethod
    def iterate(self, sql: str, params: Params = (), *, size: int = 500) -> Iterator[list[Row]]:
        """The rows of a query in batches of `size`, without holding all of them in memory."""

    @abstractmethod
    def migrate(self, target: int | None = None) -> int:
        """Apply the migrations the database has not seen yet (up to `target`); return the schema version."""

    @abstractmethod
    def schema(self) -> dict[str, tuple[Column, ...]]:
        """Every table of the application (schema_version aside) and its columns, in order."""

    @abstractmethod
    def indexes(self) -> set[str]:
        """The names of the indexes the migrations created (not those that back a key)."""

    @abstractmethod
    def reset_sequences(self) -> None:
        """After rows were inserted with their ids (a copy): the next generated id follows the largest one."""

    def exclusive(self, *keys: str) -> None:
        """Inside a transaction: no other transaction holding one of the same `keys` runs until this one ends.
        SQLite's writer is one at a time already (BEGIN IMMEDIATE); PostgreSQL takes a transaction-level advisory
        lock per key, in the order given, so two instances storing the same story from two feeds at once still store
        it once."""
        return None  # SQLite: nothing to do

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return list(self.execute(sql, params).fetchall())

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, suffix: str = ""
    ) -> list[Row]:
        """`INSERT INTO table (columns) VALUES (...), (...), ... suffix` for `rows`, as many rows a statement as fit
        (`suffix`: `ON CONFLICT ...`, `RETURNING ...`): the rows the statements returned, in no promised order.
        The rows are inserted in order (ids follow it); a conflict with an earlier row of the same call is one like
        any other. `table`, `columns` and `suffix` are the repository's own text, never input."""
        found: list[Row] = []
        for chunk in insert_chunks(rows, len(columns)):
            values = ", ".join([f"({', '.join('?' * len(columns))})"] * len(chunk))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} {suffix}"  # noqa: S608
            found += self.query(sql, [value for row in chunk for value in row])
        return found

    def one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    @property
    def version(self) -> int:
        row = self.one("SELECT MAX(version) AS v FROM schema_version")
        return int(row["v"]) if row and row["v"] is not None else 0

    def count(self, table: str) -> int:
        """The rows of one table (for copies and their verification)."""
        if not _NAME.fullmatch(table):
            raise ValueError(f"not a table name: {table!r}")
        row = self.one(f"SELECT COUNT(*) AS n FROM {table}")  # noqa: S608 (a plain name, checked above)
        return int(row["n"]) if row else 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"


def insert_chunks(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Sequence[Any]]]:
    """`rows` of `width` values in slices of at most ROWS_PER_INSERT rows and MAX_PARAMETERS values."""
    size = max(1, min(ROWS_PER_INSERT, MAX_PARAMETERS // max(1, width)))
    return [rows[start : start + size] for start in range(0, len(rows), size)]
