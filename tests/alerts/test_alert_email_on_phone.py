"""The alert e-mail as the owner reads it on a phone: sent by the real pipeline to a real SMTP server (aiosmtpd), its
HTML opened in real Chromium at 390x844 (tests/browser.py's `phone`). It fits the width, its button shows without
scrolling, and hostile text stays text. Screenshots go to test-artifacts/."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, Request

from alerts.render import AlertItem, render
from monitor.clock import FixedClock
from tests.apps import close, cycle, make_app
from tests.browser import above_the_fold, horizontal_overflow, shoot
from tests.factories import NOW, make_mention
from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer, free_port

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()
BUTTON = 'a:text-is("Open in inbox")'
SECRET = "a-secret-of-32-characters-long!!"


def config(feed_url: str, mail_url: str, web_port: int) -> str:
    return f"""
[[brands]]
name = "Acme Coffee"
terms = ["Acme Coffee"]

[[sources]]
name = "blogs"
kind = "rss"
url = "{feed_url}"

[destinations]
owner_email = {{ url = "{mail_url}", group_wait = "0s" }}

[[rules]]
name = "bad review"
when = "sentiment <= -0.5 or rating <= 2"
notify = ["owner_email"]

[web]
listen = "127.0.0.1:{web_port}"
public_url = "http://127.0.0.1:{web_port}"
secret = "{SECRET}"
"""


@dataclass(frozen=True)
class Delivered:
    message: EmailMessage  # as the SMTP server received it
    mention_id: int  # the furious post's
    link: str  # the link to its page, as the app makes it


@pytest.fixture
def delivered(tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock) -> Delivered:
    """One poll and delivery of the real app. In a thread of its own: the browser's sync API keeps an event loop
    running in this one, and the app's SQLite connection stays in the thread that opened it."""
    server.route("/feed", body=FEED)

    def run_the_app() -> Delivered:
        app = make_app(tmp_path, config(server.url("/feed"), mail.url(), free_port()), clock)
        try:
            cycle(app)
            furious = next(m for m in app.pipeline.mentions.list() if m.title == "Worst coffee in town")
            assert furious.id is not None and app.deliverer.ack_link is not None
            [message] = mail.messages
            return Delivered(message, furious.id, app.deliverer.ack_link(furious.id))
        finally:
            close(app)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run_the_app).result()


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the alert e-mail has no HTML part"
    return str(part.get_content())


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the alert e-mail has no plain-text part"
    return str(part.get_content())


def open_offline(page: Page, html: str) -> list[str]:
    """Show `html` as a mail client would, refusing every request it makes; returns what it tried to load."""
    asked: list[str] = []

    def refuse(route: object, request: Request) -> None:
        asked.append(request.url)
        route.abort()  # type: ignore[attr-defined]

    page.route("**/*", refuse)
    page.set_content(html, wait_until="load")
    return asked


def test_the_alert_email_fits_a_phone_and_its_button_opens_the_mention(delivered: Delivered, phone: Page) -> None:
    message = delivered.message
    # The subject says what went wrong; the text part starts with it too, not with header junk.
    assert message["Subject"] == "Negative post about Acme Coffee on the web"
    assert text_part(message).strip().splitlines()[0] == "Negative post on the web"

    asked = open_offline(phone, html_part(message))
    shoot(phone, "alert-email")

    assert asked == []  # no image, font or stylesheet from elsewhere
    assert horizontal_overflow(phone) == 0
    assert above_the_fold(phone, BUTTON)
    button = phone.locator(BUTTON)
    assert button.count() == 1
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 200
    # The button is the signed link to this mention's page in the inbox, as the web app made it.
    assert button.get_attribute("href") == delivered.link
    assert f"/{delivered.mention_id}" in delivered.link
    assert phone.get_by_text("Worst coffee in town").is_visible()
    assert phone.get_by_text("rule: bad review").is_visible()
    body = phone.inner_text("body")
    assert "sentiment" not in body and "<=" not in body  # no rule debugging for the owner


def inbox(mention_id: int) -> str:
    return f"https://inbox.example.com/m/{mention_id}?k=eyJtIjo0Mn0.signature"


HOSTILE = [
    make_mention(
        1,
        title="<script>window.pwned = 1</script>",
        text='<img src=x onerror="window.pwned=2"> <!channel> @everyone pay \u202egnp.exe\u202c now ' + "A" * 5000,
        author="\u202etaro" + "b" * 3000,
        brand="<b>Acme</b> Coffee",
        url="https://example.com/" + "very-long-path-segment/" * 80,
    ),
    make_mention(2, text="bad coffee " * 100_000, title="T" * 100_000, brand="B" * 10_000),
    make_mention(3, text="最悪のコーヒーでした。店員も失礼で。" * 3000, brand="アクメ珈琲", kind="yelp"),
]


def test_hostile_text_stays_text_and_inside_a_phone_screen(phone: Page) -> None:
    items = [AlertItem(m, "bad review", "rating 1 <= 2") for m in HOSTILE]
    message = render(items, "email", ack_link=inbox, now=NOW)
    assert message.html is not None and len(message.html) < 200_000  # a megabyte of text is cut, not mailed

    dialogs: list[str] = []

    def answer(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    phone.on("dialog", answer)
    asked = open_offline(phone, message.html)
    shoot(phone, "alert-email-hostile")

    assert asked == []
    assert dialogs == []
    assert phone.evaluate("() => window.pwned") is None
    assert phone.evaluate("() => document.scripts.length + document.images.length") == 0
    assert horizontal_overflow(phone) == 0
    assert above_the_fold(phone, BUTTON)
    assert phone.locator(BUTTON).count() == 3
    text = phone.inner_text("body")
    assert "<script>window.pwned = 1</script>" in text.replace("\u200d", "")  # shown as the words it is
    assert "\u202e" not in text
    assert text.startswith("3 bad reviews for")


def test_several_mentions_are_cards_one_under_the_other(phone: Page) -> None:
    items = [
        AlertItem(make_mention(i, kind="google_places", brand="Blue Bottle Kyoto", rating=float(1 + i % 2)), "r", "x")
        for i in range(1, 5)
    ]
    message = render(items, "email", ack_link=inbox, now=NOW)
    assert message.html is not None and message.title == "4 bad reviews for Blue Bottle Kyoto on Google"

    open_offline(phone, message.html)
    shoot(phone, "alert-email-group")

    assert horizontal_overflow(phone) == 0
    assert above_the_fold(phone, BUTTON)
    buttons = [phone.locator(BUTTON).nth(i).bounding_box() for i in range(4)]
    assert all(b is not None for b in buttons)
    lefts = {round(b["x"]) for b in buttons if b is not None}
    tops = [b["y"] for b in buttons if b is not None]
    assert len(lefts) == 1 and tops == sorted(tops)  # one column, in order
