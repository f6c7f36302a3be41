"""The Deliverer renders with what it was given: the owner's templates directory, and each escalation rule's delay,
which the e-mail then says in words. Real app, real SMTP server, fixed clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alerts.delivery import Deliverer
from monitor.clock import FixedClock
from monitor.service.app import App
from monitor.service.daemon import poll_one
from tests.apps import close, make_app, run
from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()


def config(feed_url: str, mail_url: str) -> str:
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
when = "sentiment <= -0.5"
notify = ["owner_email"]

[[rules]]
name = "unanswered complaint"
when = "label == 'negative'"
unanswered_after = "24h"
notify = ["owner_email"]
"""


def deliverer(app: App, templates: Path | None) -> Deliverer:
    """A Deliverer as the service builds one, with the escalation rule's delay and a templates directory."""
    return Deliverer(
        db=app.db,
        destinations=app.config.destinations,
        senders=app.checked.senders,
        zone=app.config.monitor.zone,
        escalation_rules={"unanswered complaint": timedelta(hours=24)},
        templates=templates,
    )


def test_the_owners_subject_template_and_the_escalation_in_words(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock
) -> None:
    server.route("/feed", body=FEED)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "alert.subject.txt").write_text("[Acme] {{ summary }}", encoding="utf-8")
    app = make_app(tmp_path, config(server.url("/feed"), mail.url()), clock)
    try:
        sender = deliverer(app, templates)
        run(app, poll_one(app, "blogs"))
        run(app, sender.deliver_due(clock.now(), flush=True))
        clock.advance(timedelta(hours=24, minutes=1))
        assert app.engine.escalate(clock.now()) == 1
        run(app, sender.deliver_due(clock.now(), flush=True))
    finally:
        close(app)

    assert mail.subjects() == [
        "[Acme] Negative post about Acme Coffee on the web",
        "[Acme] Complaint about Acme Coffee on the web, unanswered for 24 h",
    ]
    assert ">Complaint on the web, unanswered for 24 h</p>" in mail.html()
    assert "rule: unanswered complaint" in mail.html()
