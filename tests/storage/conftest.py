"""The storage suite runs every test against both backends: `db` is a migrated, empty database, SQLite or
PostgreSQL (a fresh schema in this run's own database, see tests/storage/postgres.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.storage.base import BACKENDS
from monitor.storage.database import Database, open_database
from tests.storage.postgres import TestDatabase


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The address of an empty database of each backend (nothing created yet on SQLite, an empty schema on
    PostgreSQL)."""
    if request.param == "sqlite":
        return str(tmp_path / "monitor.db")
    postgres: TestDatabase = request.getfixturevalue("postgres")
    return postgres.fresh()


@pytest.fixture
def connect(url: str) -> Iterator[Callable[[], Database]]:
    """Opens (and migrates) the test's database; every database opened is closed at the end."""
    opened: list[Database] = []

    def open_one() -> Database:
        opened.append(open_database(url))
        return opened[-1]

    yield open_one
    for database in opened:
        database.close()


@pytest.fixture
def db(connect: Callable[[], Database]) -> Database:
    return connect()
