from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor.clock import FixedClock
from tests.loopback import LoopbackServer
from tests.mailserver import MailServer

pytest_plugins = ["tests.browser"]


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
