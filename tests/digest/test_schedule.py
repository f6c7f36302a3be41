"""When the digest is due, and that it is delivered once, like any other message: schedules in a time zone, a missed
digest at start, never twice; held by quiet hours, retried with the destination's backoff, counted by the rate limit.

The daemon's pass (`timers`: the digest job, then the delivery worker) runs against the real App (composition root),
a real SMTP server (aiosmtpd) behind a real Apprise mailto:// destination, and a fixed clock that the tests move.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.apprise_adapter import EMAIL_KEY_HEADER
from alerts.digest.schedule import parse_schedule
from monitor.clock import FixedClock
from monitor.errors import ConfigError
from monitor.service.app import App, build, check
from monitor.service.daemon import timers
from monitor.storage.digests import Digests
from monitor.storage.events import Events
from monitor.storage.outbox import Outbox
from tests.digest.test_email import inline_chart
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

SUBJECT = "Weekly digest for Xcode: Mon 09 Nov 08:00 – Mon 16 Nov 2026 08:00"


def _app(tmp: Path, mail: MailServer, clock: FixedClock, destination: object = None, **digest: object) -> App:
    config = config_for(tmp, destinations={"owner_email": destination or mail.url()}, **digest)
    world = build_world(tmp, config)
    return build(check(config), clock, db=world.db, scorer=StarScorer())


def _tick(app: App, clock: FixedClock, at: datetime) -> None:
    """One pass of the daemon at `at`: rule timers and the digest job, then delivery of what is due."""
    clock.set(at)
    asyncio.run(timers(app, flush=False))


def test_not_before_its_time_then_once(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=2))
    app = _app(tmp_path, mail, clock)
    _tick(app, clock, SLOT - timedelta(days=2))  # first start of the service: nothing owed yet
    _tick(app, clock, SLOT - timedelta(minutes=1))
    assert mail.messages == []
    _tick(app, clock, SLOT)
    assert mail.subjects() == [SUBJECT]
    _tick(app, clock, SLOT + timedelta(seconds=15))
    _tick(app, clock, SLOT + timedelta(days=1))
    assert len(mail.messages) == 1
    assert Digests(app.db).last_sent() == (SLOT, "owner_email")


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


def test_destination_down_is_retried_with_its_backoff_not_lost(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=1))
    app = _app(tmp_path, mail, clock)
    _tick(app, clock, SLOT - timedelta(days=1))
    mail.stop()
    _tick(app, clock, SLOT)  # refused: connection error, retryable
    assert Digests(app.db).settled(SLOT, "")  # queued: the job's duty is done, the outbox keeps it
    [row] = Outbox(app.db).pending("owner_email")
    assert row.rule == "digest" and row.attempts == 1
    assert Digests(app.db).last_sent() is None  # queued is not delivered
    mail.start()
    _tick(app, clock, SLOT + timedelta(seconds=15))  # within the destination's backoff (30 s): not tried yet
    assert mail.messages == []
    _tick(app, clock, SLOT + timedelta(seconds=31))
    _tick(app, clock, SLOT + timedelta(minutes=30))
    assert mail.subjects() == [SUBJECT]
    assert Outbox(app.db).pending("owner_email") == []
    assert Digests(app.db).last_sent() == (SLOT + timedelta(seconds=31), "owner_email")


def test_per_brand_digests_are_settled_per_brand(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=1))
    app = _app(tmp_path, mail, clock, per_brand=True)
    _tick(app, clock, SLOT - timedelta(days=1))
    _tick(app, clock, SLOT)
    assert len(mail.messages) == 1  # one own brand: Slack is a competitor and gets no digest
    assert Digests(app.db).settled(SLOT, "Xcode") and not Digests(app.db).settled(SLOT, "")


# ------------------------------------------------------------------------------------------------ one delivery path


def test_digest_due_in_quiet_hours_is_held_like_an_alert(tmp_path: Path, mail: MailServer) -> None:
    # Sunday 23:00 UTC (the world's slot) falls in the destination's quiet hours, 22:00-07:00 UTC.
    clock = FixedClock(SLOT - timedelta(days=1))
    quiet = {"url": mail.url(), "quiet_hours": {"start": "22:00", "end": "07:00"}}
    app = _app(tmp_path, mail, clock, quiet, schedule="sun 23:00", zone="UTC")
    _tick(app, clock, SLOT - timedelta(days=1))
    _tick(app, clock, SLOT)
    assert mail.messages == []
    [held] = Events(app.db).recent("held", SLOT)
    assert held.rule == "digest" and held.destination == "owner_email"
    assert held.reason == "held: quiet hours until 07:00"
    _tick(app, clock, SLOT + timedelta(hours=4))
    assert mail.messages == [] and len(Events(app.db).recent("held", SLOT)) == 1  # held once, said once

    _tick(app, clock, SLOT + timedelta(hours=8))  # 07:00: the quiet hours are over
    _tick(app, clock, SLOT + timedelta(hours=9))
    assert mail.subjects() == ["Weekly digest for Xcode: Sun 08 Nov 23:00 – Sun 15 Nov 2026 23:00"]
    assert inline_chart(mail).startswith(b"\x89PNG")  # still the HTML with the chart in place, after the wait
    assert Digests(app.db).last_sent() == (SLOT + timedelta(hours=8), "owner_email")


def test_digest_refused_with_451_is_resent_once_under_the_same_key(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=1))
    app = _app(tmp_path, mail, clock)
    _tick(app, clock, SLOT - timedelta(days=1))
    mail.keep_but_fail = 1  # the server keeps the first copy but answers 451: for us, not delivered
    _tick(app, clock, SLOT)
    assert len(mail.messages) == 1
    assert Outbox(app.db).health("owner_email").next_attempt_at == SLOT + timedelta(seconds=30)
    _tick(app, clock, SLOT + timedelta(seconds=20))  # the destination's backoff is not over
    assert len(mail.messages) == 1
    _tick(app, clock, SLOT + timedelta(seconds=30))
    _tick(app, clock, SLOT + timedelta(hours=1))
    _tick(app, clock, SLOT + timedelta(days=1))
    first, again = mail.messages  # exactly once more
    assert first[EMAIL_KEY_HEADER] and again[EMAIL_KEY_HEADER] == first[EMAIL_KEY_HEADER]
    assert again["Subject"] == first["Subject"] == SUBJECT
    assert inline_chart(mail, 1) == inline_chart(mail, 0)  # the same frozen message, chart and all


def test_digest_counts_against_the_rate_limit_and_is_logged(tmp_path: Path, mail: MailServer) -> None:
    clock = FixedClock(SLOT - timedelta(days=1))
    app = _app(tmp_path, mail, clock, {"url": mail.url(), "rate_limit": 1})
    _tick(app, clock, SLOT - timedelta(days=1))
    _tick(app, clock, SLOT)
    outbox = Outbox(app.db)
    [logged] = outbox.notification_log("owner_email", SLOT - timedelta(days=1))
    assert (logged.sent_at, logged.title, logged.items) == (SLOT, SUBJECT, 1)
    # The next message to that destination within the hour waits for the digest's hour to pass.
    outbox.enqueue_notice("test", ["owner_email"], rule="test", subject="Hello", body="A notice.", now=SLOT)
    _tick(app, clock, SLOT + timedelta(minutes=5))
    assert len(mail.messages) == 1
    [held] = Events(app.db).recent("held", SLOT)
    assert held.reason == "held: rate limit of 1 messages an hour"
    _tick(app, clock, SLOT + timedelta(hours=1, seconds=1))
    assert mail.subjects() == [SUBJECT, "Hello"]
