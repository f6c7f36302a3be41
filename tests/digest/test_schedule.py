"""When the digest is due, and that it is sent once: schedules in a time zone, a missed digest at start, never twice.

The daemon's timer runs against the real App (composition root), a real SMTP server (aiosmtpd) behind a real
Apprise mailto:// destination, and a fixed clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.digest_timer import parse_schedule
from monitor.clock import FixedClock
from monitor.errors import ConfigError
from monitor.service.app import App, build, check
from monitor.storage.digests import Digests
from monitor.storage.events import Events
from tests.digest.world import SLOT, StarScorer, build_world, config_for
from tests.mailserver import MailServer

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

TOKYO, UTC_ZONE = ZoneInfo("Asia/Tokyo"), ZoneInfo("UTC")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# ------------------------------------------------------------------------------------------------ schedule math


def test_weekday_and_time_in_tokyo() -> None:
    mon8 = parse_schedule("mon 08:00")
    # Monday 08:00 in Tokyo is Sunday 23:00 UTC.
    assert mon8.last(utc(2026, 11, 15, 23, 0), TOKYO) == utc(2026, 11, 15, 23, 0)  # exactly on time: due
    assert mon8.last(utc(2026, 11, 15, 22, 59), TOKYO) == utc(2026, 11, 8, 23, 0)  # a minute early: last week's
    assert mon8.last(utc(2026, 11, 18, 12, 0), TOKYO) == utc(2026, 11, 15, 23, 0)


def test_same_schedule_in_utc_is_nine_hours_later() -> None:
    mon8 = parse_schedule("Monday 8:00")
    assert mon8.last(utc(2026, 11, 15, 23, 0), UTC_ZONE) == utc(2026, 11, 9, 8, 0)
    assert mon8.last(utc(2026, 11, 16, 8, 0), UTC_ZONE) == utc(2026, 11, 16, 8, 0)


def test_cron_expression_in_time_zone() -> None:
    weekdays = parse_schedule("30 7 * * 1-5")
    # Saturday noon in Tokyo: the last slot was Friday 07:30 Tokyo = Thursday 22:30 UTC.
    assert weekdays.last(utc(2026, 11, 14, 3, 0), TOKYO) == utc(2026, 11, 12, 22, 30)
    assert weekdays.last(utc(2026, 11, 12, 22, 30), TOKYO) == utc(2026, 11, 12, 22, 30)
    assert weekdays.before(utc(2026, 11, 12, 22, 30), TOKYO) == utc(2026, 11, 11, 22, 30)
    assert parse_schedule("daily 08:00").last(utc(2026, 11, 16, 7, 0), UTC_ZONE) == utc(2026, 11, 15, 8, 0)


@pytest.mark.parametrize("text", ["someday 08:00", "mon 25:00", "every tuesday", "* * *"])
def test_bad_schedule_names_the_key(text: str) -> None:
    with pytest.raises(ConfigError, match=r"\[digest\]: key 'schedule'"):
        parse_schedule(text)


# ------------------------------------------------------------------------------------------------ the timer


def _app(tmp: Path, mail: MailServer, clock: FixedClock, **digest: object) -> App:
    config = config_for(tmp, destinations={"owner_email": mail.url()}, **digest)
    world = build_world(tmp, config)
    return build(check(config), clock, db=world.db, scorer=StarScorer())


def _tick(app: App, clock: FixedClock, at: datetime) -> None:
    clock.set(at)
    assert app.digest is not None
    asyncio.run(app.digest.tick(at))


def test_not_before_its_time_then_once(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=2))
    app = _app(tmp_path, mail, clock)
    _tick(app, clock, SLOT - timedelta(days=2))  # first start of the service: nothing owed yet
    _tick(app, clock, SLOT - timedelta(minutes=1))
    assert mail.messages == []
    _tick(app, clock, SLOT)
    assert mail.subjects() == ["Weekly digest for Xcode: Mon 09 Nov 08:00 – Mon 16 Nov 2026 08:00"]
    _tick(app, clock, SLOT + timedelta(seconds=15))
    _tick(app, clock, SLOT + timedelta(days=1))
    assert len(mail.messages) == 1
    assert Digests(app.db).last_sent() == (SLOT, "")


def test_missed_while_down_is_sent_once_at_start(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=3))
    app = _app(tmp_path, mail, clock)
    _tick(app, clock, SLOT - timedelta(days=3))  # ran on Friday, then the machine was off over Monday morning
    # Started again on Monday afternoon: a new App over the same database, as after a restart.
    restarted = build(check(app.config), clock, db=app.db, scorer=StarScorer())
    _tick(restarted, clock, SLOT + timedelta(hours=6))
    assert len(mail.messages) == 1
    assert "Xcode" in mail.html()
    _tick(restarted, clock, SLOT + timedelta(hours=6, seconds=15))  # the second tick sends nothing
    assert len(mail.messages) == 1


def test_long_outage_sends_only_the_latest_and_says_so(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(weeks=4))
    app = _app(tmp_path, mail, clock)
    _tick(app, clock, SLOT - timedelta(weeks=4))
    _tick(app, clock, SLOT + timedelta(hours=1))
    assert len(mail.messages) == 1
    skipped = Events(app.db).recent("digest-skipped", SLOT - timedelta(weeks=5))
    assert len(skipped) == 1 and "3 older digest(s)" in skipped[0].reason


def test_destination_down_is_retried_with_backoff_not_lost(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=1))
    app = _app(tmp_path, mail, clock)
    _tick(app, clock, SLOT - timedelta(days=1))
    mail.stop()
    _tick(app, clock, SLOT)  # refused: connection error, retryable
    assert not Digests(app.db).settled(SLOT, "")
    mail.start()
    _tick(app, clock, SLOT + timedelta(minutes=1))  # within the backoff: not tried again yet
    assert mail.messages == []
    _tick(app, clock, SLOT + timedelta(minutes=6))
    _tick(app, clock, SLOT + timedelta(minutes=30))
    assert len(mail.messages) == 1 and Digests(app.db).settled(SLOT, "")


def test_per_brand_digests_are_settled_per_brand(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=1))
    app = _app(tmp_path, mail, clock, per_brand=True)
    _tick(app, clock, SLOT - timedelta(days=1))
    _tick(app, clock, SLOT)
    assert len(mail.messages) == 1  # one own brand: Slack is a competitor and gets no digest
    assert Digests(app.db).settled(SLOT, "Xcode") and not Digests(app.db).settled(SLOT, "")
