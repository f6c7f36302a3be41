"""Answering from the mention page: the reply manual's templates, sent through the owner's Google API exactly once.

The inbox is served for real (tests/web.py) with the config's google_business source pointed at a loopback server
that stands in for the Business Profile API (its token endpoint and the review's reply); what the owner sees is read
from the page, what the API received from the server's record, and the mention's state from the database.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from monitor.clock import FixedClock
from monitor.storage.mentions import Mentions
from monitor.storage.replies import Replies
from tests.apps import write_config
from tests.browser import horizontal_overflow, shoot
from tests.factories import NOW, make_mention
from tests.loopback import LoopbackServer, Reply, Request
from tests.sources._helpers import google_token, json_reply
from tests.sources._keys import service_account
from tests.web import Served, free_port, serving, web_section

ACCOUNT, LOCATION, REVIEW = "1122334455", "998877", "AbFvOqm-review-1"
REPLY_PATH = f"/v4/accounts/{ACCOUNT}/locations/{LOCATION}/reviews/{REVIEW}/reply"

CONFIG = """
[[brands]]
name = "Blue Bottle Kyoto"

[[sources]]
name = "google"
kind = "google_business"
account_id = "{account}"
location_id = "{location}"
credentials = "{credentials}"
base_url = "{base}"

[[sources]]
name = "reddit"
kind = "hackernews"
query = "blue bottle"

[[replies]]
name = "apology-ja"
language = "ja"
when = "label == 'negative' or rating <= 2"
text = "{{author}}様、この度はご不便をおかけし申し訳ございません。「{{quote}}」とのこと、店長に共有いたしました。"

[[replies]]
name = "apology-en"
language = "en"
when = "label == 'negative'"
text = "Dear {{author}}, we are sorry to read this about {{brand}}."

[[replies]]
name = "thanks"
when = "label == 'positive'"
text = "Thank you, {{author}}!"
"""


@dataclass
class Google:
    server: LoopbackServer

    def replies(self) -> list[Request]:
        return [r for r in self.server.requests if r.path == REPLY_PATH]


@pytest.fixture
def google(server: LoopbackServer) -> Google:
    google_token(server)
    server.route(REPLY_PATH, _stored)
    return Google(server)


def _stored(request: Request) -> Reply:
    comment = json.loads(request.body)["comment"]
    return json_reply({"comment": comment, "updateTime": "2026-11-16T09:00:05Z"})


@pytest.fixture
def inbox(tmp_path: Path, google: Google) -> Iterator[Served]:
    key = tmp_path / "google-key.json"
    key.write_text(service_account())
    body = CONFIG.format(account=ACCOUNT, location=LOCATION, credentials=key, base=google.server.url())
    path = write_config(tmp_path, body + web_section(free_port()))
    with serving(path, FixedClock(NOW)) as served:
        yield served


def japanese_review(served: Served) -> int:
    with served.db.transaction():
        stored = Mentions(served.db).insert(
            make_mention(
                None,
                source="google",
                kind="google_business",
                external_id=REVIEW,
                url="https://business.google.com/reviews",
                brand="Blue Bottle Kyoto",
                author="Hana Sato",
                title="",
                text="注文したケーキが届きませんでした。電話も繋がりません。",
                language="ja",
                rating=1.0,
                label="negative",
            )
        )
    assert stored.id is not None
    return stored.id


def form_of(html: str) -> dict[str, str]:
    """The reply form's hidden fields and its text, as a browser would send them."""
    section = html.split('id="reply"', 1)[1].split("</section>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', section))
    text = re.search(r"<textarea name=\"text\"[^>]*>(.*?)</textarea>", section, re.S)
    return {k: unescape(v) for k, v in fields.items()} | ({"text": unescape(text.group(1))} if text else {})


def open_link(served: Served, mention_id: int, query: str = "") -> httpx.Response:
    return httpx.get(served.site.links.link(mention_id) + query)


def test_the_page_offers_the_templates_that_fit_filled_in_for_the_reviewer(inbox: Served) -> None:
    mention_id = japanese_review(inbox)
    page = open_link(inbox, mention_id)
    assert page.status_code == 200
    assert "apology-ja" in page.text and "apology-en" not in page.text and ">thanks<" not in page.text
    form = form_of(page.text)
    assert form["text"].startswith("Hana Sato様、この度はご不便をおかけし申し訳ございません。")
    assert "「注文したケーキが届きませんでした。」" in form["text"]  # the first sentence of the review, quoted
    assert form["template"] == "apology-ja" and len(form["key"]) >= 20
    assert "Send on Google" in page.text
    # Looking at the page sends nothing and stores nothing.
    assert Replies(inbox.db).of_mention(mention_id) == []


def test_an_edited_reply_is_sent_once_through_the_google_api_and_the_mention_is_responded(
    inbox: Served, google: Google
) -> None:
    mention_id = japanese_review(inbox)
    link = inbox.site.links.link(mention_id)
    form = form_of(httpx.get(link).text)
    form["text"] = form["text"] + "\n次回のご来店時にお詫びさせてください。"
    sent = httpx.post(f"{inbox.url}/m/{mention_id}/reply", data=form, follow_redirects=True)
    assert sent.status_code == 200 and "Reply sent." in sent.text

    (request,) = google.replies()
    assert request.method == "PUT" and request.headers["authorization"] == "Bearer ya29.token"
    assert json.loads(request.body) == {"comment": form["text"]}
    mention = Mentions(inbox.db).get(mention_id)
    assert mention is not None and mention.status == "responded"
    assert "次回のご来店時にお詫びさせてください。" in sent.text  # the reply is in the timeline
    assert "replied on Google" in sent.text

    # A double tap (the same form again), and a second tab's form: neither reaches Google again.
    again = httpx.post(f"{inbox.url}/m/{mention_id}/reply", data=form, follow_redirects=True)
    assert "Reply sent." in again.text  # the same box: the owner sees what happened to it
    other_tab = dict(form, key="another-tab-key-000000000", text="Second answer")
    second = httpx.post(f"{inbox.url}/m/{mention_id}/reply", data=other_tab, follow_redirects=True)
    assert "answered already" in second.text
    assert len(google.replies()) == 1
    (reply,) = Replies(inbox.db).of_mention(mention_id)
    assert reply.state == "sent" and reply.actor == "alert link" and reply.template == "apology-ja"


def test_a_server_error_keeps_the_reply_and_retry_sends_it_once(inbox: Served, google: Google) -> None:
    answers = [json_reply({"error": {"code": 503}}, status=503)]
    google.server.route(REPLY_PATH, lambda r: answers.pop(0) if answers else _stored(r))
    mention_id = japanese_review(inbox)
    form = form_of(open_link(inbox, mention_id).text)
    failed = httpx.post(f"{inbox.url}/m/{mention_id}/reply", data=form, follow_redirects=True)
    assert "Not sent yet" in failed.text and "Retry" in failed.text
    assert "may or may not have been stored" in failed.text
    mention = Mentions(inbox.db).get(mention_id)
    assert mention is not None and mention.status == "new"  # nothing answered yet, nothing lost
    (kept,) = Replies(inbox.db).of_mention(mention_id)
    assert kept.state == "uncertain" and kept.text == form["text"]

    retry = form_of(failed.text)  # the Retry form: the same key, the kept text
    assert retry["key"] == form["key"] and "text" not in retry
    done = httpx.post(f"{inbox.url}/m/{mention_id}/reply", data=retry, follow_redirects=True)
    assert "Reply sent." in done.text
    assert [json.loads(r.body)["comment"] for r in google.replies()] == [form["text"], form["text"]]
    mention = Mentions(inbox.db).get(mention_id)
    assert mention is not None and mention.status == "responded"


def test_a_refused_reply_says_why_and_keeps_the_text_to_fix(inbox: Served, google: Google) -> None:
    google.server.route(REPLY_PATH, json_reply({"error": {"code": 400, "message": "bad"}}, status=400))
    mention_id = japanese_review(inbox)
    form = form_of(open_link(inbox, mention_id).text)
    form["text"] = "A reply Google will not take"
    refused = httpx.post(f"{inbox.url}/m/{mention_id}/reply", data=form, follow_redirects=True)
    assert "Not sent:" in refused.text and "did not accept this reply" in refused.text
    assert form_of(refused.text)["text"] == "A reply Google will not take"  # the words are still there to edit
    mention = Mentions(inbox.db).get(mention_id)
    assert mention is not None and mention.status == "new"


def test_where_no_api_exists_the_owner_copies_the_reply_and_marks_it_answered(inbox: Served, google: Google) -> None:
    with inbox.db.transaction():
        m = Mentions(inbox.db).insert(
            make_mention(
                None,
                source="reddit",
                kind="hackernews",
                url="https://news.ycombinator.com/item?id=1",
                brand="Blue Bottle Kyoto",
                author="pg",
                rating=None,
                label="negative",
                language="en",
            )
        )
    assert m.id is not None
    page = open_link(inbox, m.id)
    assert "I replied there" in page.text and "Open the original" in page.text and "Send on" not in page.text
    form = form_of(page.text)
    assert form["text"] == "Dear pg, we are sorry to read this about Blue Bottle Kyoto."
    done = httpx.post(f"{inbox.url}/m/{m.id}/reply", data=form, follow_redirects=True)
    assert "by hand at the source" in done.text
    assert google.replies() == []
    stored = Mentions(inbox.db).get(m.id)
    assert stored is not None and stored.status == "responded"


def test_answer_from_the_alert_link_on_a_phone(inbox: Served, google: Google, phone: Page) -> None:
    mention_id = japanese_review(inbox)
    with inbox.db.transaction():
        Mentions(inbox.db).insert(
            make_mention(
                None,
                source="google",
                kind="google_business",
                external_id="en-1",
                brand="Blue Bottle Kyoto",
                language="en",
                label="positive",
                rating=5.0,
                text="Lovely",
                fingerprint="en1",
            )
        )
    phone.goto(inbox.site.links.link(mention_id))
    phone.click("a.chip:has-text('apology-ja')")
    box = phone.locator("textarea[name=text]")
    assert box.input_value().startswith("Hana Sato様")
    box.fill(box.input_value() + "\nご返金いたします。")
    assert horizontal_overflow(phone) == 0
    shoot(phone, "reply-before-send")
    button = phone.locator("button:has-text('Send on Google')")
    button.dblclick()  # a double tap
    phone.wait_for_selector("text=Reply sent.")
    shoot(phone, "reply-sent")
    assert phone.locator(".timeline").inner_text().count("ご返金いたします。") == 1
    phone.reload()
    assert len(google.replies()) == 1
    assert json.loads(google.replies()[0].body)["comment"].endswith("ご返金いたします。")
    mention = Mentions(inbox.db).get(mention_id)
    assert mention is not None and mention.status == "responded"


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (
            'text = "Dear {autor}, sorry"',
            "[[replies]] #1 ('apology'): key 'text': unknown placeholder {autor} (did you",
        ),
        ('text = "Dear {author.__class__}"', "unknown placeholder {author.__class__}"),
        ('text = "Sorry {"', "a brace is not closed or not doubled"),
        ('text = "Sorry"\nwhen = "ratng <= 2"', "[[replies]] 'apology': key 'when': unknown field 'ratng'"),
        ('text = "Sorry"\nbrand = "Acme"', "[[replies]] 'apology': key 'brand': no brand named 'Acme'"),
    ],
)
def test_check_names_the_template_whose_placeholder_or_condition_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reply: str, said: str
) -> None:
    from monitor.cli.main import main

    source = '[[sources]]\nname = "hn"\nkind = "hackernews"\nquery = "blue bottle"\n\n'
    body = '[[brands]]\nname = "Blue Bottle Kyoto"\n\n' + source + '[[replies]]\nname = "apology"\n' + reply + "\n"
    path = write_config(tmp_path, body)
    assert main(["--config", str(path), "check"]) == 2
    assert said in capsys.readouterr().err


def test_two_taps_at_once_both_show_the_one_reply_sent(inbox: Served, google: Google) -> None:
    """The second tap arrives while Google is still answering the first: it waits for that answer, and shows it."""
    google.server.route(REPLY_PATH, lambda r: Reply(**{**vars(_stored(r)), "stall": 1.0}))
    mention_id = japanese_review(inbox)
    form = form_of(open_link(inbox, mention_id).text)

    async def taps() -> list[httpx.Response]:
        async with httpx.AsyncClient(follow_redirects=True, timeout=30) as client:
            post = f"{inbox.url}/m/{mention_id}/reply"
            return list(await asyncio.gather(client.post(post, data=form), client.post(post, data=form)))

    # Playwright's sync API (used by this module's phone test) keeps an event loop in this thread: run beside it.
    with ThreadPoolExecutor(1) as worker:
        first, second = worker.submit(asyncio.run, taps()).result()
    assert "Reply sent." in first.text and "Reply sent." in second.text
    assert len(google.replies()) == 1
