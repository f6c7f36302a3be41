"""From the buzz to the page: the alert e-mail's button opens that mention in the inbox on a phone, without a login;
pressing "Acknowledge" there (a POST) stops the "unanswered" escalation, while a link scanner's visit does not.

The real pipeline polls a loopback feed, the real outbox sends the alert to aiosmtpd, the real inbox serves the page,
and Chromium at 390x844 reads the e-mail and follows its link.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page

from monitor.clock import FixedClock
from monitor.storage.mentions import Mentions
from tests.apps import close, cycle, deliver, make_app
from tests.browser import horizontal_overflow, shoot
from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer, free_port
from tests.web import serving, web_section

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()
PAGE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/m/(\d+)\?k=[A-Za-z0-9_.\-]+")


def body(feed: str, mail: MailServer, port: int) -> str:
    return f"""
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blogs"
kind = "rss"
url = "{feed}"

[destinations]
owner_email = {{ url = "{mail.url()}", group_wait = "0s" }}

[[rules]]
name = "bad review"
when = "sentiment <= -0.5"
notify = ["owner_email"]

[[rules]]
name = "unanswered"
when = "label == 'negative'"
unanswered_after = "24h"
notify = ["owner_email"]
""" + web_section(port)


def test_the_email_button_opens_the_mention_and_acknowledging_it_stops_the_escalation(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock, phone: Page
) -> None:
    server.route("/feed", body=FEED)
    # The pipeline runs on a thread of its own: Playwright's sync API keeps an event loop on this one.
    pipeline = ThreadPoolExecutor(max_workers=1)
    app = pipeline.submit(make_app, tmp_path, body(server.url("/feed"), mail, free_port()), clock).result()
    try:
        pipeline.submit(cycle, app).result()
        assert len(mail.messages) == 1
        html = mail.html()
        [link] = {m.group(0) for m in PAGE_LINK.finditer(html.replace("&amp;", "&"))}
        mention_id = int(PAGE_LINK.search(link).group(1))  # type: ignore[union-attr]
        with serving(app.config.path, clock) as inbox:
            # What a mail scanner, a chat preview and a prefetcher do with the link: nothing changes.
            for method, agent in (("GET", "Slackbot-LinkExpanding 1.0"), ("HEAD", "python-httpx"), ("GET", "")):
                assert httpx.request(method, link, headers={"User-Agent": agent}).status_code == 200
            assert Mentions(inbox.db).get(mention_id).status == "alerted"  # type: ignore[union-attr]

            phone.set_content(html)  # the e-mail as the phone shows it
            phone.locator(f"a[href*='/m/{mention_id}?k=']").first.click()
            phone.wait_for_url(re.compile(rf"/m/{mention_id}\?k="))
            assert horizontal_overflow(phone) == 0
            shoot(phone, "mention-opened-from-email")
            phone.click("button[value=acknowledge]")
            assert "Acknowledged." in phone.locator(".done").inner_text()
            assert Mentions(inbox.db).get(mention_id).status == "acknowledged"  # type: ignore[union-attr]
            assert "acknowledged" in phone.locator(".timeline").inner_text()
        clock.advance(timedelta(hours=25))
        pipeline.submit(deliver, app).result()
    finally:
        pipeline.submit(close, app).result()
        pipeline.shutdown()
    assert len(mail.messages) == 1  # no "unanswered" escalation for the acknowledged complaint
