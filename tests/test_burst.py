"""A burst of matching mentions (issue 23): a few hundred arrive at once from several feeds, and the daemon's delivery
pass sends them to an e-mail destination and a webhook at once, in a few grouped messages, within the rate limit;
every mention is in exactly one message at each destination (listed by its number, or counted in the message's
"+N more" line with the command that lists them) and no message arrives twice. Real review texts, a real SMTP server
and a real HTTP server on 127.0.0.1, a fixed clock. (`python bench/burst.py` times the same at 1,000.)"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest

from monitor.clock import FixedClock
from monitor.service.app import App
from monitor.service.daemon import poll_one
from monitor.service.scheduler import PollOutcome
from sources import appstore
from tests.apps import close, deliver, make_app, run
from tests.loopback import REAL, LoopbackServer, Reply, Request
from tests.mailserver import MailServer

FEEDS = 3
PER_FEED = 100  # 300 mentions
REVIEWS = REAL / "app_store_reviews" / "jcoynel_1510826067_gb_1.json"
LIST_COMMAND = "list them: mention-monitor mentions list --status alerted"
ACK = re.compile(r"mention-monitor ack (\d+)")  # an e-mail card names its mention so
NUMBER = re.compile(r"^#(\d+) · ", re.MULTILINE)  # a webhook's text names its mention so
MORE = re.compile(r"\+([\d,]+) more — ")


def feed(number: int, orders: Iterable[int], now_text: str) -> bytes:
    """Reviews naming the brand, one entry per order number (its own id, link and words)."""
    texts = [(i.title, i.text) for i in appstore.parse(REVIEWS.read_bytes(), "en")]
    entries = []
    for n in orders:
        title, text = texts[n % len(texts)]
        entries.append(
            f"<entry><id>urn:burst:{n}</id><title>{xml_escape(title)} (order {n})</title>"
            f'<link href="https://reviews.example.com/acme/{n}"/><updated>{now_text}</updated>'
            f"<author><name>customer{n}</name></author>"
            f'<content type="text">Acme Coffee app: {xml_escape(text)} (order {n})</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Reviews</title><id>urn:burst:feed{number}</id><updated>{now_text}</updated>"
        + "".join(entries)
        + "</feed>"
    ).encode()


def config(server: LoopbackServer, mail: MailServer, hook_extra: str = "") -> str:
    sources = "".join(
        f'[[sources]]\nname = "reviews{n}"\nkind = "rss"\nurl = "{server.url(f"/feed/{n}")}"\n\n' for n in range(FEEDS)
    )
    return f"""
[[brands]]
name = "Acme Coffee"
terms = ["Acme Coffee"]

{sources}
[destinations]
owner_email = "{mail.url()}"
team_hook = {{ url = "json://127.0.0.1:{server.port}/hook" {hook_extra} }}

[[rules]]
name = "every mention"
when = "brand == 'Acme Coffee'"
notify = ["owner_email", "team_hook"]
"""


@dataclass(frozen=True)
class Received:
    key: str  # the message's idempotency key, as it arrived
    body: str


class Hook:
    def __init__(self) -> None:
        self.posts: list[Received] = []

    def __call__(self, request: Request) -> Reply:
        self.posts.append(Received(request.headers["idempotency-key"], json.loads(request.body)["message"]))
        return Reply(200)


@pytest.fixture
def hook(server: LoopbackServer, clock: FixedClock) -> Hook:
    now_text = f"{clock.now() - timedelta(minutes=5):%Y-%m-%dT%H:%M:%SZ}"
    for n in range(FEEDS):
        server.route(f"/feed/{n}", body=feed(n, range(n * PER_FEED, (n + 1) * PER_FEED), now_text))
    receiver = Hook()
    server.route("/hook", receiver)
    return receiver


@pytest.fixture
def app(tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock, hook: Hook) -> Iterator[App]:
    the_app = make_app(tmp_path, config(server, mail), clock)
    yield the_app
    close(the_app)


async def burst(app: App) -> list[PollOutcome | None]:
    """Every feed polled at once, as the daemon starts the due ones."""
    return await asyncio.gather(*(poll_one(app, f"reviews{n}", if_due=False) for n in range(FEEDS)))


def emails(mail: MailServer) -> list[Received]:
    return [Received(str(m["X-Mention-Monitor-Key"]), mail.html(i)) for i, m in enumerate(mail.messages)]


def accounted(app: App, destination: str, received: list[Received], listed: re.Pattern[str]) -> list[int]:
    """Every mention the messages account for, once per message that does: the ones each lists by number, and the
    ones its "+N more" counts (those the outbox recorded under the message's key and it does not list)."""
    under: dict[str, set[int]] = {}
    for row in app.db.query("SELECT mention_id, send_key FROM outbox WHERE destination = ?", (destination,)):
        under.setdefault(row["send_key"], set()).add(row["mention_id"])
    found = []
    for message in received:
        shown = [int(n) for n in listed.findall(message.body)]
        more = MORE.search(message.body)
        hidden = under[message.key] - set(shown)
        assert len(hidden) == (int(more.group(1).replace(",", "")) if more else 0), "the count is not the rest"
        assert not hidden or LIST_COMMAND in message.body, "a message counts mentions without saying how to list them"
        found += shown + sorted(hidden)
    return found


def test_a_burst_reaches_email_and_webhook_at_once_in_a_few_grouped_messages(
    app: App, mail: MailServer, hook: Hook, clock: FixedClock
) -> None:
    run(app, burst(app))
    ids = sorted(r["mention_id"] for r in app.db.query("SELECT DISTINCT mention_id FROM outbox"))
    assert len(ids) == FEEDS * PER_FEED
    deliver(app)
    assert mail.messages == [] and hook.posts == []  # group_wait (30 s by default): the rest of the burst may come
    clock.advance(timedelta(seconds=30))
    report = deliver(app)  # one pass of the daemon

    assert len(mail.messages) == 3  # 100 cards an e-mail
    assert len(hook.posts) == 6  # 50 mentions a post
    assert report.delivery.held == 0 and app.deliverer.outbox.depth() == {"sent": 2 * len(ids)}
    assert sorted(accounted(app, "owner_email", emails(mail), ACK)) == ids  # each mention once, in one e-mail
    assert sorted(accounted(app, "team_hook", hook.posts, NUMBER)) == ids
    # Gmail hides whatever comes after 102 KB of HTML behind "View entire message": the last cards and the line
    # that says how to list the rest. These 100 cards were 102.7 KB with 300-character excerpts; each e-mail now
    # shows the cards that fit with at least half-length excerpts, each quoting the customer, and counts the rest.
    sizes = [len(m.body.encode()) for m in emails(mail)]
    assert all(size <= 102_000 for size in sizes), sizes
    for message in emails(mail):
        assert MORE.search(message.body) and message.body.count("“Acme Coffee app:") == len(ACK.findall(message.body))
    keys = [m.key for m in emails(mail)] + [p.key for p in hook.posts]
    assert len(set(keys)) == len(keys) and all(k.startswith("mm-") for k in keys)  # no message sent twice
    assert mail.subjects() == ["100 positive posts about Acme Coffee on the web"] * 3  # what each holds, at a glance
    assert {m.status for m in app.pipeline.mentions.list()} == {"alerted"}


def test_a_burst_bigger_than_half_the_hour_is_packed_and_the_next_alert_still_goes_at_once(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, hook: Hook, clock: FixedClock
) -> None:
    app = make_app(tmp_path, config(server, mail, ', group_wait = "0s", rate_limit = 4'), clock)
    try:
        run(app, burst(app))
        ids = sorted(r["mention_id"] for r in app.db.query("SELECT DISTINCT mention_id FROM outbox"))
        deliver(app)  # six posts' worth; the hour allows 4: the burst may take 2
        assert len(hook.posts) == 2
        assert sorted(accounted(app, "team_hook", hook.posts, NUMBER)) == ids  # none lost: listed or counted
        assert f"+{len(ids) - 100} more — {LIST_COMMAND}" in hook.posts[-1].body
        assert "more —" not in hook.posts[0].body
        clock.advance(timedelta(minutes=5))
        newer = [*range(PER_FEED), FEEDS * PER_FEED]  # the first feed, with a new review on top
        server.route("/feed/0", body=feed(0, newer, f"{clock.now():%Y-%m-%dT%H:%M:%SZ}"))
        run(app, poll_one(app, "reviews0", if_due=False))  # one more mention, five minutes later
        deliver(app)
        assert len(hook.posts) == 3  # it goes at once: the burst left room in the hour
        log = app.deliverer.outbox.notification_log("team_hook", clock.now() - timedelta(hours=1))
    finally:
        close(app)
    assert [d.items for d in log] == [50, 250, 1]
