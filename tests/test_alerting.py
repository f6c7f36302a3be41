"""The owner's phone rings for a bad review: once, reliably, and for nothing else. End to end, with a real SMTP
server and a real feed server on 127.0.0.1, and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.clock import FixedClock
from monitor.service.app import App
from monitor.service.daemon import poll_one
from tests.apps import close, cycle, deliver, make_app, run
from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()


def config(feed_url: str, mail_url: str, destination_extra: str = "", rules: str = "") -> str:
    return f"""
[[brands]]
name = "Acme Coffee"
terms = ["Acme Coffee"]

[[sources]]
name = "blogs"
kind = "rss"
url = "{feed_url}"

[destinations]
owner_email = {{ url = "{mail_url}", group_wait = "30s" {destination_extra} }}

[[rules]]
name = "bad review"
when = "sentiment <= -0.5 or rating <= 2"
notify = ["owner_email"]
{rules}
"""


@pytest.fixture
def app(tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock) -> Iterator[App]:
    server.route("/feed", body=FEED)
    the_app = make_app(tmp_path, config(server.url("/feed"), mail.url()), clock)
    yield the_app
    close(the_app)


def test_a_furious_post_sends_one_email_and_a_pleased_one_none(app: App, mail: MailServer) -> None:
    cycle(app)
    assert len(mail.messages) == 1
    body = mail.html()
    assert "Worst coffee in town" in body or "cold, burnt coffee" in body
    assert "lovely" not in body.lower()
    furious = next(m for m in app.pipeline.mentions.list() if m.title == "Worst coffee in town")
    assert f"mention-monitor ack {furious.id}" in body
    assert furious.status == "alerted"


def test_no_alert_is_sent_twice_across_polls(app: App, mail: MailServer, clock: FixedClock) -> None:
    cycle(app)
    clock.advance(timedelta(hours=1))
    cycle(app)
    assert len(mail.messages) == 1


def test_the_daemon_waits_for_group_wait_then_groups(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    server.route("/feed", body=FEED.replace(b"Wonderful staff, great music!", b"Awful, disgusting, rude staff!"))
    app = make_app(tmp_path, config(server.url("/feed"), mail.url()), clock)
    try:
        run(app, poll_one(app, "blogs"))
        deliver(app)
        assert mail.messages == []  # within group_wait: nothing yet
        clock.advance(timedelta(seconds=31))
        deliver(app)
    finally:
        close(app)
    assert len(mail.messages) == 1  # both bad posts in one message
    assert "Worst coffee" in mail.html() and "disgusting" in mail.html()


def test_an_unanswered_complaint_escalates_and_an_acknowledged_one_does_not(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    server.route("/feed", body=FEED)
    rules = """
[[rules]]
name = "unanswered complaint"
when = "label == 'negative'"
unanswered_after = "24h"
notify = ["owner_email"]
"""
    app = make_app(tmp_path, config(server.url("/feed"), mail.url(), rules=rules), clock)
    try:
        cycle(app)
        assert len(mail.messages) == 1
        clock.advance(timedelta(hours=23))
        deliver(app)
        clock.advance(timedelta(seconds=31))
        deliver(app)
        assert len(mail.messages) == 1  # not yet
        clock.advance(timedelta(hours=1, minutes=1))
        deliver(app)
        clock.advance(timedelta(seconds=31))
        deliver(app)
        assert len(mail.messages) == 2
        assert "unanswered" in mail.html().lower()
        clock.advance(timedelta(days=2))
        deliver(app)
        assert len(mail.messages) == 2  # escalated once, not every tick
    finally:
        close(app)


def test_an_acknowledged_complaint_does_not_escalate(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    server.route("/feed", body=FEED)
    rules = (
        '\n[[rules]]\nname = "unanswered"\nwhen = "label == \'negative\'"\n'
        'unanswered_after = "24h"\nnotify = ["owner_email"]\n'
    )
    app = make_app(tmp_path, config(server.url("/feed"), mail.url(), rules=rules), clock)
    try:
        cycle(app)
        bad = next(m for m in app.pipeline.mentions.list() if m.label == "negative")
        assert bad.id is not None
        app.pipeline.mentions.set_status(bad.id, "acknowledged", clock.now())
        clock.advance(timedelta(hours=25))
        deliver(app)
        clock.advance(timedelta(minutes=1))
        deliver(app)
    finally:
        close(app)
    assert len(mail.messages) == 1


def test_quiet_hours_hold_normal_alerts_until_morning_but_high_rings(
    tmp_path: Path, server: LoopbackServer, mail: MailServer
) -> None:
    # 23:30 in Tokyo.
    clock = FixedClock(datetime(2026, 11, 16, 14, 30, tzinfo=UTC))
    server.route("/feed", body=FEED)
    quiet = ', quiet_hours = { start = "22:00", end = "07:00" }'
    app = make_app(tmp_path, config(server.url("/feed"), mail.url(), destination_extra=quiet), clock)
    try:
        cycle(app)
        assert mail.messages == []
        held = app.pipeline.events.recent("held", since=clock.now() - timedelta(hours=1))
        assert held and "quiet hours until 07:00" in held[0].reason
        clock.set(datetime(2026, 11, 16, 22, 1, tzinfo=UTC))  # 07:01 in Tokyo
        deliver(app)
        assert len(mail.messages) == 1
    finally:
        close(app)
    high = tmp_path / "high"
    high.mkdir()
    clock = FixedClock(datetime(2026, 11, 16, 14, 30, tzinfo=UTC))
    app = make_app(
        high,
        config(server.url("/feed"), mail.url(), destination_extra=quiet).replace(
            'notify = ["owner_email"]', 'notify = ["owner_email"]\npriority = "high"'
        ),
        clock,
    )
    try:
        cycle(app)
    finally:
        close(app)
    assert len(mail.messages) == 2


def test_a_down_mail_server_delays_alerts_and_loses_none(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock
) -> None:
    mail = MailServer()  # not started: the port refuses connections
    server.route("/feed", body=FEED)
    app = make_app(tmp_path, config(server.url("/feed"), mail.url()), clock)
    try:
        cycle(app)
        [pending] = app.deliverer.outbox.all_pending()
        assert pending.attempts == 1
        for _ in range(5):  # an hour of outage, retried with backoff
            clock.advance(timedelta(minutes=12))
            deliver(app)
        health = app.deliverer.outbox.health("owner_email")
        assert health.consecutive_failures >= 3
        mail.start()
        clock.advance(timedelta(minutes=31))
        deliver(app)
        clock.advance(timedelta(minutes=31))
        deliver(app)
    finally:
        close(app)
        mail.stop()
    assert len(mail.messages) == 1
    assert "Worst coffee" in mail.html() or "burnt" in mail.html()


def test_an_alert_sent_again_after_an_unconfirmed_send_carries_the_same_key(
    app: App, mail: MailServer, clock: FixedClock
) -> None:
    mail.keep_but_fail = 1  # the server keeps the message but the daemon never learns it was accepted
    cycle(app)
    assert len(mail.messages) == 1
    assert app.deliverer.outbox.depth() == {"pending": 1}
    clock.advance(timedelta(minutes=5))
    deliver(app)
    assert len(mail.messages) == 2
    first, again = (m["X-Mention-Monitor-Key"] for m in mail.messages)
    # The same message under the same key: a mail filter (or the reader) can tell it is a repeat, not a new alert.
    assert first and first == again
    assert mail.messages[0]["Subject"] == mail.messages[1]["Subject"]
    assert app.deliverer.outbox.depth() == {"sent": 1}


def test_rules_test_replays_history_and_sends_nothing(app: App, mail: MailServer) -> None:
    from rules.engine import replay

    run(app, poll_one(app, "blogs"))
    decisions = replay(app.engine, app.pipeline.mentions.list())
    fired = [(m.title, d.reason) for m, d in decisions if d.fire]
    assert len(fired) == 1
    assert fired[0][0] == "Worst coffee in town"
    assert "sentiment <= -0.5" in fired[0][1]
    assert mail.messages == []


def test_a_new_sources_backlog_is_stored_but_not_alerted(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    server.route("/feed", body=FEED)
    clock.advance(timedelta(days=30))  # the feed's posts are a month old when the source is added
    app = make_app(tmp_path, config(server.url("/feed"), mail.url()), clock)
    try:
        cycle(app)
        stored = app.pipeline.mentions.count()
        reasons = [e.reason for e in app.pipeline.events.recent("suppressed", since=clock.now() - timedelta(hours=1))]
    finally:
        close(app)
    assert stored == 3
    assert mail.messages == []
    assert any(r.startswith("suppressed: backlog, published 30 days") for r in reasons)
