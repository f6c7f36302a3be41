"""A fresh PostgreSQL database for each test run, on the server the machine provides (127.0.0.1:5432, trust auth).

The run creates `mm_test_<random>` through the server's `postgres` database and drops it at the end, so parallel
runs and runs that died half-way never meet; each test gets a schema of its own in it (`search_path` in the URL),
so every test starts from an empty database. `MENTION_MONITOR_TEST_POSTGRES` names another server, as a URL of its
maintenance database.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

SERVER = os.environ.get("MENTION_MONITOR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


class TestDatabase:
    """One run's database; `fresh()` is the URL of a new, empty schema in it."""

    __test__ = False  # not a test class

    def __init__(self, server: str = SERVER) -> None:
        self.server = server
        self.name = f"mm_test_{secrets.token_hex(6)}"
        self._schemas = 0

    def create(self) -> TestDatabase:
        with psycopg.connect(self.server, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        with psycopg.connect(self.server, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @property
    def url(self) -> str:
        parts = urlsplit(self.server)
        return urlunsplit((parts.scheme, parts.netloc, f"/{self.name}", "", ""))

    def fresh(self) -> str:
        self._schemas += 1
        schema = f"t{self._schemas}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return f"{self.url}?options={quote(f'-c search_path={schema}')}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """A connection of the test's own (to kill another one's backend, say)."""
        return psycopg.connect(self.url, autocommit=True)
