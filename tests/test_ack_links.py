"""Signed acknowledge links: the owner taps the link in an alert and the mention is acknowledged — only that one,
only with a link we made, and only until it expires."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx

from monitor.clock import FixedClock
from monitor.service.web import AckServer, Signer
from tests.apps import close, cycle, deliver, make_app, run
from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer, free_port

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()
LINK = re.compile(r"http://127\.0\.0\.1:\d+/a\?[^\s\"<]+")


def test_a_link_verifies_and_a_forged_or_stale_one_does_not(clock: FixedClock) -> None:
    signer = Signer("a-secret-of-32-characters-long!!", "https://ack.example.com/", timedelta(days=14), clock)
    link = signer.link(7)
    query = link.split("?", 1)[1]
    assert link.startswith("https://ack.example.com/a?")
    assert signer.verify(query, clock.now()) == (7, "acknowledged")
    assert signer.verify(query.replace("m=7", "m=8"), clock.now()) == "this link is not one we made"
    assert signer.verify(query.replace("s=acknowledged", "s=resolved"), clock.now()) == "this link is not one we made"
    other = Signer("another-secret-of-32-characters!", "https://ack.example.com", timedelta(days=14), clock)
    assert other.verify(query, clock.now()) == "this link is not one we made"
    assert "expired" in str(signer.verify(query, clock.now() + timedelta(days=15)))
    assert signer.verify("m=7", clock.now()) == "this link is incomplete"


def test_tapping_the_link_in_the_email_acknowledges_and_stops_the_escalation(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    server.route("/feed", body=FEED)
    port = free_port()
    body = f"""
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blogs"
kind = "rss"
url = "{server.url("/feed")}"

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

[web]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
secret = "a-secret-of-32-characters-long!!"
"""
    app = make_app(tmp_path, body, clock)
    try:
        cycle(app)
        [link] = set(LINK.findall(mail.html().replace("&amp;", "&")))
        bad = next(m for m in app.pipeline.mentions.list() if m.label == "negative")
        assert f"m={bad.id}" in link

        async def tap(url: str) -> httpx.Response:
            listener = AckServer(lambda: (app.signer, app.db), clock)
            await listener.start(f"127.0.0.1:{port}")
            try:
                async with httpx.AsyncClient() as client:
                    return await client.get(url)
            finally:
                await listener.close()

        forged = run(app, tap(link.replace("t=", "t=0")))
        assert forged.status_code == 403
        answer = run(app, tap(link))
        assert answer.status_code == 200 and f"#{bad.id}" in answer.text and "acknowledged" in answer.text
        assert app.pipeline.mentions.get(bad.id).status == "acknowledged"  # type: ignore[arg-type,union-attr]
        clock.advance(timedelta(hours=25))
        deliver(app)
    finally:
        close(app)
    assert len(mail.messages) == 1  # no escalation for the acknowledged complaint
