"""A source that keeps failing is news: the owner hears once that it is broken, and once that it works again, and
nothing for a single failure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.clock import FixedClock
from tests.apps import close, cycle, make_app
from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()


def config(feed_url: str, mail_url: str, hook_url: str) -> str:
    return f"""
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "google_alerts"
kind = "rss"
url = "{feed_url}"
interval = "5m"

[destinations]
owner_email = {{ url = "{mail_url}", group_wait = "0s" }}
team_hook = {{ url = "{hook_url}", group_wait = "0s" }}

[[rules]]
name = "bad review"
when = "sentiment <= -0.5"
notify = ["owner_email"]
"""


def test_a_source_broken_for_an_hour_is_reported_once_and_its_recovery_once(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    server.route("/feed", status=503, body=b"<h1>Service Unavailable</h1>")
    server.route("/hook", status=200, body=b"{}")
    app = make_app(
        tmp_path,
        config(server.url("/feed"), mail.url(), f"json://127.0.0.1:{server.port}/hook"),
        clock,
    )
    try:
        cycle(app)
        assert mail.messages == []  # one failure is not news
        for _ in range(24):  # two hours of failures, retried with backoff
            clock.advance(timedelta(minutes=5))
            cycle(app)
        [notice] = mail.messages
        assert notice["Subject"] == "Source google_alerts is failing"
        assert "HTTP 503" in mail.html(0) and "has not worked yet" in mail.html(0)
        hook = [r for r in server.requests if r.path == "/hook"]
        assert len(hook) == 1 and b"google_alerts is failing" in hook[0].body

        server.route("/feed", body=FEED, headers={"Content-Type": "application/atom+xml"})
        for _ in range(12):  # the backoff may have pushed the next try up to an hour away
            clock.advance(timedelta(minutes=5))
            cycle(app)
        subjects = mail.subjects()
        assert subjects.count("Source google_alerts works again") == 1
        assert subjects.count("Source google_alerts is failing") == 1
        assert any("Source" not in s for s in subjects)  # and the complaint's own alert
    finally:
        close(app)
