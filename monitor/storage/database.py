"""Opening the database named in `[monitor] database`: a SQLite file, or a PostgreSQL URL.

The interface every repository uses is `Database` (monitor/storage/base.py); the backends are
monitor/storage/sqlite.py and monitor/storage/postgresql.py. PostgreSQL's driver is imported only when a
PostgreSQL URL is opened, so commands on a SQLite database never load it.
"""

from __future__ import annotations

from pathlib import Path

from monitor.storage.base import Column, Cursor, Database, Row, from_db, marks, migrations, statements, to_db
from monitor.storage.sqlite import SQLiteDatabase, open_sqlite

__all__ = [
    "Column",
    "Cursor",
    "Database",
    "Row",
    "SQLiteDatabase",
    "from_db",
    "is_postgresql",
    "marks",
    "migrations",
    "open_database",
    "statements",
    "to_db",
]


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def open_database(url: str, *, base: Path | None = None, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database named in `[monitor] database`: a PostgreSQL URL, or a SQLite
    path (relative to `base` when given)."""
    if is_postgresql(url):
        from monitor.storage.postgresql import open_postgresql

        return open_postgresql(url, migrate=migrate)
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_absolute() and base is not None:
        path = base / path
    return open_sqlite(path, migrate=migrate)
