"""The response promise end to end, with a fixed clock: the real pipeline polls a loopback feed, the real rule timer
escalates, the real outbox sends to aiosmtpd (the owner's e-mail) and to a loopback json:// webhook (the assignee's
phone).

A complaint first seen on Saturday night at a café closed on Sunday escalates on Monday at opening + `within`, not
on Sunday night (what the wall clock did); a holiday and a daylight-saving change move it as they should; an
assigned complaint escalates to its assignee first and to the owner `escalate_after` later, once each.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor import workflow
from monitor.clock import FixedClock
from monitor.model import Mention
from monitor.service.app import App
from monitor.storage.events import Events
from monitor.storage.users import Users
from tests.apps import close, cycle, deliver, make_app
from tests.loopback import LoopbackServer
from tests.mailserver import MailServer

COMPLAINTS = {
    "cold": "Acme Coffee served me cold, burnt coffee and the staff were rude. Terrible. Never going back.",
    "twice": "Acme Coffee charged me twice and the manager was rude about it. Awful service, never again.",
    "dirty": "Acme Coffee had dirty tables and a filthy floor. Disgusting, horrible place.",
}


def feed(published: datetime, keys: tuple[str, ...]) -> bytes:
    entries = "".join(
        f"""
  <entry>
    <id>urn:test:acme:{key}</id>
    <title>{key}</title>
    <link href="https://blog.example.com/{key}"/>
    <updated>{published.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</updated>
    <author><name>customer-{key}</name></author>
    <content type="text">{COMPLAINTS[key]}</content>
  </entry>"""
        for key in keys
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Acme</title><id>urn:test:acme</id>
<updated>{published.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</updated>{entries}
</feed>""".encode()


def header(zone: str) -> str:
    return f'\n[monitor]\ndatabase = "monitor.db"\ntimezone = "{zone}"\nrequest_deadline = "5s"\n'


def body(server: LoopbackServer, mail: MailServer, *, response: str, rule: str) -> str:
    return f"""
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blogs"
kind = "rss"
url = "{server.url("/feed")}"

[destinations]
owner_email = {{ url = "{mail.url()}", group_wait = "0s" }}
mika_phone = {{ url = "json://127.0.0.1:{server.port}/mika", group_wait = "0s" }}

[[rules]]
name = "unanswered complaint"
when = "label == 'negative'"
notify = ["owner_email"]
{rule}

[response]
{response}
"""


CAFE = 'within = "1h"\nbusiness_hours = { mon-fri = "09:00-18:00", sat = "10:00-16:00" }\n'


def at(clock: FixedClock, zone: ZoneInfo, *when: int) -> None:
    clock.set(datetime(*when, tzinfo=zone))  # type: ignore[misc]


def hooked(server: LoopbackServer) -> list[str]:
    """What the assignee's phone received: each message's text."""
    return [json.loads(r.body)["message"] for r in server.requests if r.path == "/mika"]


def by_title(app: App, title: str) -> Mention:
    return next(m for m in app.pipeline.mentions.list() if m.title == title)


@pytest.mark.parametrize(
    ("zone", "extra", "saturday_night", "due"),
    [
        pytest.param("Asia/Tokyo", "", (2026, 11, 14, 22, 0), (2026, 11, 16, 10, 0), id="closed-on-sunday"),
        pytest.param(
            "Asia/Tokyo", "holidays = [2026-11-16]", (2026, 11, 14, 22, 0), (2026, 11, 17, 10, 0), id="monday-holiday"
        ),
        pytest.param("Europe/Berlin", "", (2026, 3, 28, 22, 0), (2026, 3, 30, 10, 0), id="clocks-go-forward-sunday"),
    ],
)
def test_a_saturday_night_complaint_escalates_at_opening_plus_within(
    tmp_path: Path,
    server: LoopbackServer,
    mail: MailServer,
    clock: FixedClock,
    zone: str,
    extra: str,
    saturday_night: tuple[int, ...],
    due: tuple[int, ...],
) -> None:
    tz = ZoneInfo(zone)
    at(clock, tz, *saturday_night)
    server.route("/feed", body=feed(clock.now() - timedelta(minutes=5), ("cold",)))
    config = body(server, mail, response=CAFE + extra, rule='unanswered_after = "within"')
    app = make_app(tmp_path, config, clock, header(zone))
    try:
        cycle(app)
        complaint = by_title(app, "cold")
        assert complaint.fetched_at == clock.now()
        clock.advance(timedelta(hours=24))  # Sunday night: the wall clock's 24 h are over, the café is closed
        deliver(app)
        due_at = datetime(*due, tzinfo=tz)  # type: ignore[misc]
        clock.set(due_at - timedelta(minutes=1))
        deliver(app)
        assert mail.messages == []
        clock.set(due_at)
        deliver(app)
        assert len(mail.messages) == 1
        assert "Acme Coffee served me cold" in mail.html()
        for _ in range(3):
            clock.advance(timedelta(days=1))
            deliver(app)
        assert len(mail.messages) == 1  # escalated once
        assert complaint.id is not None
        matched = [e for e in Events(app.db).of_mention(complaint.id) if e.type == "matched"]
        assert len(matched) == 1
        assert f"unanswered past its response deadline ({due_at:%a %d %b %H:%M})" in matched[0].reason
    finally:
        close(app)


def test_a_plain_duration_keeps_its_wall_clock_meaning(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    at(clock, tokyo, 2026, 11, 14, 22, 0)
    server.route("/feed", body=feed(clock.now() - timedelta(minutes=5), ("cold",)))
    app = make_app(
        tmp_path, body(server, mail, response=CAFE, rule='unanswered_after = "24h"'), clock, header("Asia/Tokyo")
    )
    try:
        cycle(app)
        clock.advance(timedelta(hours=23, minutes=59))
        deliver(app)
        assert mail.messages == []
        clock.advance(timedelta(minutes=1))  # Sunday 22:00, closed or not
        deliver(app)
        assert len(mail.messages) == 1 and "unanswered for 24 h" in mail.html()
    finally:
        close(app)


def test_an_assigned_complaint_goes_to_its_assignee_first_and_to_the_owner_later_once_each(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    at(clock, tokyo, 2026, 11, 14, 22, 0)
    server.route("/feed", body=feed(clock.now() - timedelta(minutes=5), ("cold", "twice", "dirty")))
    server.route("/mika", body=b"{}")
    rule = 'unanswered_after = "within"\nescalate_after = "4h"'
    app = make_app(tmp_path, body(server, mail, response=CAFE, rule=rule), clock, header("Asia/Tokyo"))
    try:
        cycle(app)
        with app.db.transaction():
            Users(app.db).add("mika", "unused-hash", brands=[], notify="mika_phone", now=clock.now())
        twice, dirty = by_title(app, "twice"), by_title(app, "dirty")
        assert twice.id is not None and dirty.id is not None
        for mention in (twice, dirty):
            workflow.assign(app.db, mention.id, "mika", now=clock.now(), actor="owner")  # type: ignore[arg-type]

        at(clock, tokyo, 2026, 11, 16, 10, 0)  # the deadline: opening + 1 h
        deliver(app)
        assert len(mail.messages) == 1  # the unassigned complaint, to the owner at once
        assert "served me cold" in mail.html() and "charged me twice" not in mail.html()
        assert len(hooked(server)) == 1  # both assigned ones, to mika's phone, in one message
        assert "charged me twice" in hooked(server)[0] and "dirty tables" in hooked(server)[0]

        clock.advance(timedelta(minutes=30))
        workflow.act(app.db, dirty.id, "acknowledge", now=clock.now(), actor="mika")  # mika is on this one
        at(clock, tokyo, 2026, 11, 16, 13, 59)
        deliver(app)
        assert len(mail.messages) == 1

        at(clock, tokyo, 2026, 11, 16, 14, 0)  # 4 business hours after the deadline: the owner hears of it
        deliver(app)
        assert len(mail.messages) == 2
        assert "charged me twice" in mail.html() and "dirty tables" not in mail.html()
        for _ in range(4):
            clock.advance(timedelta(hours=7))
            deliver(app)
        assert len(mail.messages) == 2 and len(hooked(server)) == 1  # once each
        reasons = [e.reason for e in Events(app.db).of_mention(twice.id) if e.type == "matched"]
        assert len(reasons) == 2
        assert "to mika, its assignee, first; to owner_email if still unanswered 4h later" in reasons[0]
        assert "still unanswered 4h after its deadline" in reasons[1]
    finally:
        close(app)


def test_an_assignee_without_a_destination_does_not_delay_the_owner(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    at(clock, tokyo, 2026, 11, 16, 9, 0)
    server.route("/feed", body=feed(clock.now() - timedelta(minutes=5), ("twice",)))
    rule = 'unanswered_after = "within"\nescalate_after = "4h"'
    app = make_app(tmp_path, body(server, mail, response=CAFE, rule=rule), clock, header("Asia/Tokyo"))
    try:
        cycle(app)
        with app.db.transaction():
            Users(app.db).add("ken", "unused-hash", brands=[], notify=None, now=clock.now())
        twice = by_title(app, "twice")
        assert twice.id is not None
        workflow.assign(app.db, twice.id, "ken", now=clock.now(), actor="owner")
        clock.advance(timedelta(hours=1))
        deliver(app)
        assert len(mail.messages) == 1 and hooked(server) == []
        reason = next(e.reason for e in Events(app.db).of_mention(twice.id) if e.type == "matched")
        assert "assigned to ken, who has no destination to be told at" in reason
        clock.advance(timedelta(hours=5))
        deliver(app)
        assert len(mail.messages) == 1
    finally:
        close(app)


def test_a_business_hours_duration_counts_open_time_only(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    at(clock, tokyo, 2026, 11, 14, 15, 0)  # Saturday 15:00: one hour before closing
    server.route("/feed", body=feed(clock.now() - timedelta(minutes=5), ("cold",)))
    rule = 'unanswered_after = "2h business"'
    app = make_app(tmp_path, body(server, mail, response=CAFE, rule=rule), clock, header("Asia/Tokyo"))
    try:
        cycle(app)
        at(clock, tokyo, 2026, 11, 16, 9, 59)  # 1 h on Saturday, 59 min on Monday
        deliver(app)
        assert mail.messages == []
        at(clock, tokyo, 2026, 11, 16, 10, 0)
        deliver(app)
        assert len(mail.messages) == 1
        complaint = by_title(app, "cold")
        assert complaint.id is not None
        reason = next(e.reason for e in Events(app.db).of_mention(complaint.id) if e.type == "matched")
        assert "unanswered past 2h of business hours (Mon 16 Nov 10:00)" in reason
    finally:
        close(app)
