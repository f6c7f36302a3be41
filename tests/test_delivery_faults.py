"""Delivery when things go wrong (issue 18): the rate limit counts every message, a destination's Retry-After is
honoured (and bounded), `run --once` says what it could not deliver and exits 1, and no library's debug log shows a
webhook's token. Real SMTP and HTTP servers on 127.0.0.1, a fixed clock, the real CLI and logging set-up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor import logs
from monitor.cli.main import main
from monitor.clock import FixedClock
from monitor.service.app import App
from monitor.storage.events import Events
from monitor.storage.outbox import Delivery
from tests.apps import close, cycle, deliver, make_app, write_config
from tests.factories import make_mention
from tests.loopback import ROOT, LoopbackServer, Reply
from tests.mailserver import MailServer

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()
HOUR = timedelta(hours=1)


def destination_config(url: str, extra: str = "") -> str:
    return f"""
[[brands]]
name = "Acme Coffee"
terms = ["Acme Coffee"]

[destinations]
owner = {{ url = "{url}", group_wait = "0s" {extra} }}

[[rules]]
name = "bad review"
when = "sentiment <= -0.5 or rating <= 2"
notify = ["owner"]
"""


def notices(app: App, count: int) -> None:
    """`count` operator notices to `owner`, each its own message (as "destination X is failing" notices are)."""
    now = app.clock.now()
    for n in range(count):
        app.deliverer.outbox.enqueue_notice(
            f"notice-{n}", ["owner"], rule="test", subject=f"Notice {n}", body=f"Notice number {n}.", now=now
        )


def complaints(app: App, count: int) -> None:
    """`count` complaints whose alerts to `owner` are due now (as the rules queue them)."""
    now = app.clock.now()
    with app.db.transaction():
        for n in range(count):
            m = app.pipeline.mentions.insert(
                make_mention(None, external_id=f"c{n}", fingerprint=f"c{n}", title=f"Complaint {n}", fetched_at=now)
            )
            assert m.id is not None
            app.deliverer.outbox.enqueue(
                f"{m.id}:bad review:owner",
                destination="owner",
                rule="bad review",
                mention_id=m.id,
                now=now,
                due_at=now,
                reason="rating 1 <= 2",
            )


def most_in_any_hour(log: list[Delivery]) -> int:
    return max((sum(1 for d in log if start.sent_at <= d.sent_at < start.sent_at + HOUR) for start in log), default=0)


def rate_held(app: App, since: datetime) -> set[str]:
    return {e.reason for e in Events(app.db).recent("held", since)}


# --- the rate limit counts messages, not delivery passes --------------------------------------------------------


def test_a_limit_of_3_an_hour_sends_3_emails_and_the_rest_later_none_lost(
    tmp_path: Path, mail: MailServer, clock: FixedClock
) -> None:
    start = clock.now()
    app = make_app(tmp_path, destination_config(mail.url(), ", rate_limit = 3"), clock)
    try:
        notices(app, 8)
        deliver(app)
        assert mail.subjects() == ["Notice 0", "Notice 1", "Notice 2"]
        assert rate_held(app, start) == {"held: rate limit of 3 messages an hour"}
        assert app.deliverer.outbox.depth() == {"sent": 3, "pending": 5}
        clock.advance(timedelta(minutes=59, seconds=59))
        deliver(app)
        assert len(mail.messages) == 3  # the first three are not an hour old yet
        clock.advance(timedelta(seconds=1))
        deliver(app)
        assert len(mail.messages) == 6
        clock.advance(HOUR)
        deliver(app)
        log = app.deliverer.outbox.notification_log("owner", start - HOUR)
    finally:
        close(app)
    assert mail.subjects() == [f"Notice {n}" for n in range(8)]  # late, in order, none dropped
    assert most_in_any_hour(log) == 3


def test_the_default_limit_of_20_holds_a_backlog_of_webhook_posts_even_in_run_once(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock
) -> None:
    server.route("/hook", Reply(200))
    app = make_app(tmp_path, destination_config(f"json://127.0.0.1:{server.port}/hook"), clock)
    try:
        notices(app, 30)
        cycle(app)  # run --once: it does not wait out group_wait or a backoff, but it keeps to the rate limit
        assert len(server.requests) == 20
        assert app.deliverer.outbox.depth() == {"sent": 20, "pending": 10}
        assert rate_held(app, clock.now()) == {"held: rate limit of 20 messages an hour"}
        clock.advance(HOUR)
        deliver(app)
    finally:
        close(app)
    assert len(server.requests) == 30


def test_grouped_complaints_are_one_message_for_the_limit(tmp_path: Path, mail: MailServer, clock: FixedClock) -> None:
    start = clock.now()
    app = make_app(tmp_path, destination_config(mail.url(), ", rate_limit = 1"), clock)
    try:
        complaints(app, 30)
        deliver(app)
        assert len(mail.messages) == 1  # 30 complaints in one e-mail: one message of the hour's one
        clock.advance(HOUR)
        deliver(app)
        log = app.deliverer.outbox.notification_log("owner", start - HOUR)
    finally:
        close(app)
    assert [(d.sent_at - start, d.items) for d in log] == [(timedelta(0), 30)]  # none left to wait an hour


# --- Retry-After ---------------------------------------------------------------------------------------------------


def hook_answering(server: LoopbackServer, retry_after: str) -> None:
    server.route("/hook", [Reply(429, b"slow down", {"Retry-After": retry_after}), Reply(200)])


def posts(server: LoopbackServer) -> int:
    return sum(1 for r in server.requests if r.path == "/hook")


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("120", timedelta(seconds=120)),
        ("HTTP-date five minutes on", timedelta(minutes=5)),
        ("86400000", HOUR),  # a thousand days asked: capped at an hour, so a hostile server cannot park alerts
        ("9" * 40, HOUR),  # past what a date can count
    ],
    ids=["seconds", "http-date", "capped", "absurd"],
)
def test_a_webhook_that_asks_to_wait_is_not_asked_again_sooner(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock, retry_after: str, wait: timedelta
) -> None:
    start = clock.now()
    if retry_after.startswith("HTTP-date"):
        retry_after = format_datetime(start + timedelta(minutes=5), usegmt=True)
    hook_answering(server, retry_after)
    app = make_app(tmp_path, destination_config(f"json://127.0.0.1:{server.port}/hook"), clock)
    try:
        complaints(app, 1)
        deliver(app)
        assert posts(server) == 1
        assert app.deliverer.outbox.health("owner").next_attempt_at == start + wait
        for step in (timedelta(seconds=30), timedelta(seconds=60), wait - timedelta(seconds=1)):
            clock.set(start + step)
            deliver(app)
            assert posts(server) == 1, f"asked again after {step}"
        clock.set(start + wait)
        deliver(app)
        assert posts(server) == 2
        assert app.deliverer.outbox.depth() == {"sent": 1}
    finally:
        close(app)


def test_retry_after_survives_a_restart(tmp_path: Path, server: LoopbackServer, clock: FixedClock) -> None:
    start = clock.now()
    hook_answering(server, "120")
    config = destination_config(f"json://127.0.0.1:{server.port}/hook")
    app = make_app(tmp_path, config, clock)
    try:
        complaints(app, 1)
        deliver(app)
    finally:
        close(app)
    clock.set(start + timedelta(seconds=90))
    app = make_app(tmp_path, config, clock)
    try:
        deliver(app)
        assert posts(server) == 1
        clock.set(start + timedelta(seconds=120))
        deliver(app)
    finally:
        close(app)
    assert posts(server) == 2


# --- run --once tells the truth ------------------------------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI sets up the root logger (monitor/logs.py) as the daemon does; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    yield
    root.handlers[:], root.level = handlers, level
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def feed_config(folder: Path, server: LoopbackServer, destination: str, extra: str = "") -> Path:
    server.route("/feed", body=FEED)
    body = destination_config(destination, extra).replace(
        "[destinations]", f'[[sources]]\nname = "blogs"\nkind = "rss"\nurl = "{server.url("/feed")}"\n\n[destinations]'
    )
    return write_config(folder, body)


@pytest.mark.usefixtures("restore_logging")
def test_run_once_with_the_mail_server_down_says_what_waits_and_exits_1(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    mail = MailServer()  # not started: the port refuses connections
    config = feed_config(tmp_path, server, mail.url())
    assert main(["--config", str(config), "run", "--once"], clock=clock) == 1
    out = capsys.readouterr().out
    assert "polled 1 sources (0 failed), 3 new mentions, 0 escalations, 0 alerts delivered, 1 waiting" in out
    assert "  1 waiting: destination 'owner' failing (" in out
    assert "connection failed (temporary)" in out
    assert out.rstrip().endswith("next try in 30s")
    mail.start()
    try:
        clock.advance(timedelta(minutes=1))
        assert main(["--config", str(config), "run", "--once"], clock=clock) == 0
    finally:
        mail.stop()
    out = capsys.readouterr().out
    assert "0 new mentions, 0 escalations, 1 alerts delivered, 0 waiting" in out
    assert len(mail.messages) == 1


@pytest.mark.usefixtures("restore_logging")
def test_run_once_holding_for_the_rate_limit_says_so_and_exits_0(
    tmp_path: Path, server: LoopbackServer, mail: MailServer, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    config = feed_config(tmp_path, server, mail.url(), ", rate_limit = 1")
    app = make_app(tmp_path, config.read_text().split("\n", 7)[-1], clock)  # the same database, a notice queued
    try:
        notices(app, 1)
    finally:
        close(app)
    assert main(["--config", str(config), "run", "--once"], clock=clock) == 0
    out = capsys.readouterr().out
    assert "1 alerts delivered, 1 waiting" in out, out
    assert "  1 waiting: destination 'owner' held: rate limit of 1 messages an hour, next try in 1h" in out
    assert len(mail.messages) == 1


@pytest.mark.usefixtures("restore_logging")
def test_run_once_names_a_destination_that_refused_for_good_and_exits_1(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/hook", Reply(400, b"no such channel"))
    config = feed_config(tmp_path, server, f"json://127.0.0.1:{server.port}/hook")
    assert main(["--config", str(config), "run", "--once"], clock=clock) == 1
    out = capsys.readouterr().out
    assert "0 alerts delivered, 0 waiting" in out
    assert "  1 not delivered: destination 'owner' refused it (owner (json://127.0.0.1:" in out
    assert "HTTP 400 (permanent: fix the destination)" in out


# --- no token in the debug log -------------------------------------------------------------------------------------

MARKER = "T0KEN-in-the-path-7f3a9c"


@pytest.mark.usefixtures("restore_logging")
def test_a_webhook_token_never_reaches_the_debug_log(
    tmp_path: Path,
    server: LoopbackServer,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = f"/services/T000/B000/{MARKER}"
    server.route(hook, Reply(200))
    monkeypatch.setenv("HOOK_TOKEN", MARKER)
    config = feed_config(tmp_path, server, f"json://127.0.0.1:{server.port}/services/T000/B000/${{HOOK_TOKEN}}")
    config.write_text(
        config.read_text().replace('timezone = "Asia/Tokyo"', 'timezone = "Asia/Tokyo"\nlog_level = "debug"')
    )
    assert main(["--config", str(config), "run", "--once"], clock=clock) == 0
    captured = capsys.readouterr()
    assert MARKER not in captured.err and MARKER not in captured.out
    assert [r.path for r in server.requests if r.method == "POST"] == [hook]  # the token went where it belongs
    assert " DEBUG alerts.delivery: owner accepted " in captured.err  # at debug: the check above looked at something


@pytest.mark.usefixtures("restore_logging")
def test_a_secret_in_a_warning_or_a_traceback_is_written_as_stars(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("debug", secrets={MARKER})
    logging.getLogger("urllib3.connectionpool").debug("POST /services/T000/B000/%s", MARKER)  # never written
    logging.getLogger("apprise").warning("Failed to send to /services/T000/B000/%s", MARKER)
    try:
        raise ValueError(f"bad path /services/T000/B000/{MARKER}")
    except ValueError:
        logging.getLogger("alerts.delivery").exception("delivery crashed")
    err = capsys.readouterr().err
    assert MARKER not in err
    assert "WARNING apprise: Failed to send to /services/T000/B000/***" in err
    assert "ValueError: bad path /services/T000/B000/***" in err
    assert "urllib3" not in err


@pytest.mark.usefixtures("restore_logging")
def test_a_failing_webhooks_token_is_not_in_run_once_the_log_or_the_outbox(
    tmp_path: Path,
    server: LoopbackServer,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.route(f"/services/T000/B000/{MARKER}", Reply(503, b"down", {"Retry-After": "120"}))
    monkeypatch.setenv("HOOK_TOKEN", MARKER)
    config = feed_config(tmp_path, server, f"json://127.0.0.1:{server.port}/services/T000/B000/${{HOOK_TOKEN}}")
    assert main(["--config", str(config), "run", "--once"], clock=clock) == 1
    captured = capsys.readouterr()
    assert "  1 waiting: destination 'owner' failing (owner (json://127.0.0.1:" in captured.out
    assert "/services/T000/B000/***" in captured.out and captured.out.rstrip().endswith("next try in 2m")
    assert MARKER not in captured.out + captured.err
    assert MARKER.encode() not in (tmp_path / "monitor.db").read_bytes()
