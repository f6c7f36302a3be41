from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from monitor.clock import FixedClock
from tests.loopback import LoopbackServer
from tests.mailserver import MailServer
from tests.storage.postgres import SERVER, TestDatabase

pytest_plugins = ["tests.browser"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[TestDatabase]:
    """This run's own PostgreSQL database on 127.0.0.1:5432 (tests/storage/postgres.py); `.fresh()` gives an empty
    schema in it."""
    try:
        database = TestDatabase().create()
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL is not reachable at {SERVER} ({exc}); the tests run against it too")
    yield database
    database.drop()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        yield s


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))


@pytest.fixture
def mail() -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    server = MailServer().start()
    yield server
    server.stop()
