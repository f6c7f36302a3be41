"""The whole promise, as issue 21 tells it: a 1-star Google review posted on Saturday night reaches the owner on
Monday morning as "due by 10:00", is answered from the page with the reply manual's template through the Google
API, counts as answered within the promise in the digest, and comes back on Thursday as "follow up" — and nothing
on that path happens twice.

Real pieces throughout: the daemon's cycle and timers (tests/apps.py), the Business Profile API and the owner's
phone (a json:// webhook) on a loopback server, the inbox served by uvicorn, a fixed clock in Asia/Tokyo.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from alerts.digest.compose import collect, own_brands
from alerts.digest.html import answer_lines
from monitor.clock import FixedClock
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from tests.apps import close, cycle, deliver, make_app
from tests.loopback import LoopbackServer, Reply, Request
from tests.sources._helpers import google_token, json_reply
from tests.sources._keys import service_account
from tests.test_replies import form_of
from tests.web import free_port, serving, web_section

ACCOUNT, LOCATION, REVIEW = "1122334455", "998877", "sat-night-review"
REVIEWS = f"/v4/accounts/{ACCOUNT}/locations/{LOCATION}/reviews"
JST = timedelta(hours=9)
SATURDAY_NIGHT = datetime(2026, 11, 14, 22, 5, tzinfo=UTC) - JST  # Saturday 22:05 in Kyoto

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
brand = "Blue Bottle Kyoto"

[destinations]
owner_phone = {{ url = "json://127.0.0.1:{port}/phone", group_wait = "0s", quiet_hours = "closed" }}

[[rules]]
name = "bad review"
when = "rating <= 2"
notify = ["owner_phone"]

[response]
within = "1h"
business_hours = {{ mon-fri = "09:00-18:00", sat = "10:00-16:00" }}
follow_up_after = "3d"

[[replies]]
name = "apology-ja"
language = "ja"
when = "rating <= 2"
text = "{{author}}様、この度は申し訳ございません。「{{quote}}」とのこと、すぐに確認いたします。"
"""

REVIEW_BODY = {
    "reviews": [
        {
            "name": f"accounts/{ACCOUNT}/locations/{LOCATION}/reviews/{REVIEW}",
            "reviewId": REVIEW,
            "reviewer": {"displayName": "Hana Sato"},
            "starRating": "ONE",
            "comment": "予約したのに席がありませんでした。店員さんの説明もありません。",
            "createTime": "2026-11-14T13:00:00Z",
            "updateTime": "2026-11-14T13:00:00Z",
        }
    ]
}


def test_saturday_night_review_is_due_monday_answered_once_in_the_promise_and_back_on_thursday(
    tmp_path: Path, server: LoopbackServer
) -> None:
    google_token(server)
    server.route(REVIEWS, json_reply(REVIEW_BODY))
    server.route("/phone", body=b"{}")

    def stored(request: Request) -> Reply:
        return json_reply({"comment": json.loads(request.body)["comment"], "updateTime": "2026-11-16T00:20:00Z"})

    server.route(f"{REVIEWS}/{REVIEW}/reply", stored)
    key = tmp_path / "google-key.json"
    key.write_text(service_account())
    body = CONFIG.format(account=ACCOUNT, location=LOCATION, credentials=key, base=server.url(), port=server.port)
    clock = FixedClock(SATURDAY_NIGHT)
    app = make_app(tmp_path, body + web_section(free_port()), clock)

    def phone() -> list[str]:
        return [json.loads(r.body)["message"] for r in server.requests if r.path == "/phone"]

    try:
        cycle(app)  # Saturday 22:05: the review is found, and the café is closed
        (mention,) = Mentions(app.db).list()
        assert mention.rating == 1.0 and phone() == []
        for hours in (6, 12, 12):  # through Sunday, closed all day
            clock.advance(timedelta(hours=hours))
            deliver(app)
        assert phone() == []

        clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC) - JST)  # Monday 09:00, opening time
        deliver(app)
        (alert,) = phone()
        assert alert.startswith("1-star review on Google — Blue Bottle Kyoto ★☆☆☆☆ — due by 10:00")
        link = re.search(r"Open in inbox: (\S+)", alert)
        assert link is not None

        clock.advance(timedelta(minutes=20))  # 09:20: answered from the phone
        with serving(app.config.path, clock) as inbox:
            page = httpx.get(link.group(1))
            assert "20 min left to answer" in page.text or "40 min left to answer" in page.text
            form = form_of(page.text)
            assert form["template"] == "apology-ja"
            assert form["text"].startswith(
                "Hana Sato様、この度は申し訳ございません。「予約したのに席がありませんでした。」"
            )
            for _ in range(2):  # a double tap
                httpx.post(f"{inbox.url}/m/{mention.id}/reply", data=form, follow_redirects=True)
            done = httpx.post(
                f"{inbox.url}/m/{mention.id}/act",
                data={"action": "resolve", "csrf": form["csrf"], "k": form["k"]},
                follow_redirects=True,
            )
            assert "Resolved." in done.text
        replies = [r for r in server.requests if r.path.endswith("/reply")]
        assert len(replies) == 1 and json.loads(replies[0].body)["comment"] == form["text"]

        (digest,) = collect(
            app.db, app.config, own_brands(app.config), end=clock.now(), period=timedelta(days=7), now=clock.now()
        )
        assert any(line.startswith("answered within the promise: 1 of 1 (100%") for line in answer_lines(digest))

        clock.set(datetime(2026, 11, 19, 9, 30, tzinfo=UTC) - JST)  # Thursday, three days after it was resolved
        for _ in range(3):
            deliver(app)
            clock.advance(timedelta(minutes=15))
        back = Mentions(app.db).get(mention.id)  # type: ignore[arg-type]
        assert back is not None and back.status == "follow_up"
        assert mention.id is not None
        kinds = [e.type for e in Events(app.db).of_mention(mention.id)]
        assert kinds.count("follow_up") == 1 and kinds.count("replied") == 1 and kinds.count("alerted") == 1
        assert len(phone()) == 1  # one alert, ever
    finally:
        close(app)
