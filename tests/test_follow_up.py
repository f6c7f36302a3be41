"""The response promise on a phone (Chromium at 390x844): the inbox counts the time left in business hours and has a
"Mine" tab; a complaint resolved three days ago comes back once as "follow up", with one reminder, and is done with
one press of "Followed up" (a second press from a stale page changes nothing), or with `mention-monitor
followed-up ID`; the digest counts the follow-ups done.

The daemon's app (pipeline, rule timer, outbox) runs on a thread of its own, as in tests/test_alert_to_inbox.py:
Playwright's sync API keeps an event loop on this one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page

from alerts.digest.compose import collect, own_brands
from alerts.digest.html import answer_lines
from monitor import workflow
from monitor.cli.main import main
from monitor.clock import FixedClock
from monitor.model import Mention
from monitor.storage import open_database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from tests.apps import close, cycle, deliver, make_app, write_config
from tests.browser import PHONE, horizontal_overflow, shoot
from tests.factories import make_mention
from tests.loopback import LoopbackServer
from tests.mailserver import free_port
from tests.test_response_promise import feed, header
from tests.web import PASSWORD, Served, serving, web_section

TOKYO = ZoneInfo("Asia/Tokyo")
CAFE = """
[response]
within = "1h"
business_hours = { mon-fri = "09:00-18:00", sat = "10:00-16:00" }
"""


def log_in(page: Page, served: Served, name: str) -> None:
    page.goto(f"{served.url}/login?next=/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


# --- the inbox in business hours ----------------------------------------------------------------------------------


@pytest.fixture
def cafe_inbox(tmp_path: Path) -> Iterator[Served]:
    clock = FixedClock(datetime(2026, 11, 15, 12, 0, tzinfo=TOKYO))  # Sunday noon: the café is closed
    path = write_config(tmp_path, '\n[[brands]]\nname = "Acme Coffee"\n' + CAFE + web_section(free_port()))
    with serving(path, clock) as served:
        yield served


def store(served: Served, n: int, **changes: object) -> Mention:
    with served.db.transaction():
        return Mentions(served.db).insert(make_mention(None, external_id=f"x{n}", fingerprint=f"f{n}", **changes))


def test_the_inbox_counts_time_left_in_business_hours_and_has_a_mine_tab(cafe_inbox: Served, phone: Page) -> None:
    friday = store(
        cafe_inbox, 1, text="Card reader broken again", fetched_at=datetime(2026, 11, 13, 9, 0, tzinfo=TOKYO)
    )
    saturday = store(
        cafe_inbox, 2, text="Cold coffee on a Saturday night", fetched_at=datetime(2026, 11, 14, 22, 0, tzinfo=TOKYO)
    )
    assert friday.id is not None and saturday.id is not None
    cafe_inbox.add_user("mika")
    cafe_inbox.add_user("ken")
    workflow.assign(cafe_inbox.db, saturday.id, "mika", now=cafe_inbox.site.clock.now(), actor="owner")

    log_in(phone, cafe_inbox, "mika")
    rows = phone.locator("ol.rows > li")
    assert rows.count() == 2
    # Friday 09:00 + 1 h was due on Friday 10:00; Saturday 22:00 is due on Monday 10:00 (opening + 1 h), 22 h away.
    assert "Card reader broken again" in rows.nth(0).inner_text() and "overdue by 2 d" in rows.nth(0).inner_text()
    assert "Cold coffee on a Saturday night" in rows.nth(1).inner_text()
    assert "22 h left to answer" in rows.nth(1).inner_text()
    assert horizontal_overflow(phone) == 0
    shoot(phone, "inbox-business-hours")

    phone.click("nav.tabs >> text=Mine")
    assert phone.locator("ol.rows > li").count() == 1
    assert "Cold coffee on a Saturday night" in phone.locator("ol.rows").inner_text()
    assert "on" in (phone.locator("nav.tabs a", has_text="Mine").get_attribute("class") or "")
    assert horizontal_overflow(phone) == 0
    shoot(phone, "inbox-mine")


# --- follow-ups ---------------------------------------------------------------------------------------------------


def follow_up_config(server: LoopbackServer, port: int) -> str:
    return f"""
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blogs"
kind = "rss"
url = "{server.url("/feed")}"

[destinations]
owner_phone = {{ url = "json://127.0.0.1:{server.port}/phone", group_wait = "0s" }}

[response]
within = "24h"
follow_up_after = "3d"
follow_up_notify = ["owner_phone"]
""" + web_section(port)


def reminders(server: LoopbackServer) -> list[str]:
    return [json.loads(r.body)["message"] for r in server.requests if r.path == "/phone"]


def test_a_resolved_complaint_comes_back_once_and_is_followed_up_with_one_press(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/feed", body=feed(clock.now() - timedelta(minutes=5), ("cold", "twice")))
    server.route("/phone", body=b"{}")
    daemon = ThreadPoolExecutor(max_workers=1)
    app = daemon.submit(make_app, tmp_path, follow_up_config(server, free_port()), clock, header("Asia/Tokyo")).result()
    try:
        daemon.submit(cycle, app).result()
        db = open_database(app.config.monitor.database)  # the test's own connection (SQLite: one per thread)
        mentions = Mentions(db)
        cold, twice = (next(m for m in mentions.list() if m.title == t) for t in ("cold", "twice"))
        assert cold.id is not None and twice.id is not None
        resolved_at = clock.now()
        for m in (cold, twice):
            workflow.act(db, m.id, "resolve", now=resolved_at, actor="mika")  # type: ignore[arg-type]

        clock.set(resolved_at + timedelta(days=3) - timedelta(minutes=1))
        daemon.submit(deliver, app).result()
        assert mentions.get(cold.id).status == "resolved" and reminders(server) == []  # type: ignore[union-attr]
        clock.set(resolved_at + timedelta(days=3))
        daemon.submit(deliver, app).result()
        assert [mentions.get(i).status for i in (cold.id, twice.id)] == ["follow_up", "follow_up"]  # type: ignore[union-attr]
        assert len(reminders(server)) == 1  # one reminder, both complaints in it
        assert "served me cold" in reminders(server)[0] and "charged me twice" in reminders(server)[0]
        # A reminder, not news: it says what to do, not "1-star review" as if it had just been posted.
        assert reminders(server)[0].count("Follow up: ") == 2
        titles = [json.loads(r.body)["title"] for r in server.requests if r.path == "/phone"]
        assert titles[0].startswith("2 follow-ups due: ")
        for _ in range(3):
            clock.advance(timedelta(hours=6))
            daemon.submit(deliver, app).result()
        assert len(reminders(server)) == 1

        with serving(app.config.path, clock) as inbox:
            inbox.add_user("mika")
            context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            phone, stale = context.new_page(), context.new_page()
            log_in(phone, inbox, "mika")
            assert "Follow up 2" in phone.locator("nav.tabs").inner_text().replace("\n", " ")
            phone.click("nav.tabs >> text=Follow up")
            assert phone.locator("ol.rows > li").count() == 2
            assert horizontal_overflow(phone) == 0
            shoot(phone, "inbox-follow-up")
            assert "follow up" in phone.locator("ol.rows").inner_text().lower()
            phone.locator("ol.rows a", has_text="served me cold").click()
            stale.goto(phone.url)  # the same page in a second tab: what a double tap or a stale page sends
            assert phone.locator("button[value=follow-up-done]").is_visible()
            assert "back for a follow-up: resolved 3 days ago" in phone.locator(".timeline").inner_text()
            assert horizontal_overflow(phone) == 0
            shoot(phone, "follow-up-mention")
            phone.click("button[value=follow-up-done]")
            assert "Followed up." in phone.locator(".done").inner_text()
            assert phone.locator("button[value=follow-up-done]").count() == 0
            assert "followed up (from the web inbox) — mika" in phone.locator(".timeline").inner_text()
            stale.click("button[value=follow-up-done]")
            assert (
                stale.locator(".done").count() == 0
                and stale.locator(".mention .status").inner_text().lower() == "resolved"
            )
            context.close()
        followed = [e for e in Events(db).of_mention(cold.id) if e.type == "followed_up"]
        assert len(followed) == 1 and followed[0].actor == "mika"
        assert mentions.get(cold.id).status == "resolved"  # type: ignore[union-attr]

        capsys.readouterr()
        assert main(["--config", str(app.config.path), "followed-up", str(twice.id)], clock=clock) == 0
        assert "follow_up -> resolved" in capsys.readouterr().out
        assert main(["--config", str(app.config.path), "followed-up", str(twice.id)], clock=clock) == 1
        assert "is not waiting for a follow-up (it is resolved)" in capsys.readouterr().err

        clock.advance(timedelta(days=10))  # resolved again long ago: never back a second time
        daemon.submit(deliver, app).result()
        assert [mentions.get(i).status for i in (cold.id, twice.id)] == ["resolved", "resolved"]  # type: ignore[union-attr]
        assert len(reminders(server)) == 1

        (digest,) = collect(
            db, app.config, own_brands(app.config), end=clock.now(), period=timedelta(days=14), now=clock.now()
        )
        assert digest.answers.followed_up == 2
        assert "follow-ups done: 2" in answer_lines(digest)
        assert "answered within the promise: 2 of 2 (100%; 24h)" in answer_lines(digest)
        db.close()
    finally:
        daemon.submit(close, app).result()
        daemon.shutdown()
