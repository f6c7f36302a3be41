"""Polling real captured feeds from a server on 127.0.0.1, through the real scheduler, pipeline and database."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.clock import FixedClock
from monitor.service.scheduler import next_check_after_failure
from tests.apps import close, cycle, make_app
from tests.loopback import FEEDPARSER_TESTS, REAL, LoopbackServer, Reply

GOOGLE_ALERTS = (REAL / "google_alerts" / "feedjira_google_alerts_atom_slack_2019.xml").read_bytes()
REDDIT_RSS = (REAL / "reddit" / "price-checker_reddit_search_rss_portable-charger_2026-08-16.xml").read_bytes()

SLACK_BRAND = """
[[brands]]
name = "Slack"
terms = ["Slack"]
"""


def rss(name: str, url: str, extra: str = "") -> str:
    return f'\n[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\n{extra}\n'


def test_google_alerts_mentions_land_in_the_database(tmp_path: Path, server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/alerts", body=GOOGLE_ALERTS, headers={"Content-Type": "application/atom+xml"})
    app = make_app(tmp_path, SLACK_BRAND + rss("google-alerts", server.url("/alerts")), clock)
    try:
        report = cycle(app)
        stored = app.pipeline.mentions.list(held=True)
    finally:
        close(app)
    assert report.polled[0].ok
    assert len(stored) == 20
    urls = {m.url for m in stored}
    # Google's redirect links are unwrapped to the article itself.
    assert not any("google.com/url" in u for u in urls)
    assert all(m.brand == "Slack" and m.label in ("negative", "neutral", "positive") for m in stored)
    assert all("<b>" not in m.title for m in stored)


def test_second_poll_is_conditional_and_does_no_work_on_304(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock
) -> None:
    def feed(request):  # type: ignore[no-untyped-def]
        if request.headers.get("if-none-match") == '"ga-1"':
            return Reply(304)
        return Reply(200, GOOGLE_ALERTS, {"ETag": '"ga-1"', "Content-Type": "application/atom+xml"})

    server.route("/alerts", feed)
    app = make_app(tmp_path, SLACK_BRAND + rss("google-alerts", server.url("/alerts")), clock)
    try:
        cycle(app)
        clock.advance(timedelta(minutes=20))
        second = cycle(app)
        health = app.schedule.health("google-alerts")
    finally:
        close(app)
    assert server.requests[-1].headers["if-none-match"] == '"ga-1"'
    assert second.polled[0].not_modified
    assert second.polled[0].report is not None and second.polled[0].report.new == []
    assert health is not None and health.fetches_total == 2 and health.consecutive_errors == 0


def test_same_feed_twice_gives_each_mention_once(tmp_path: Path, server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/r", body=REDDIT_RSS)
    brands = '\n[[brands]]\nname = "Anker"\nterms = ["Anker", "charger"]\n'
    app = make_app(tmp_path, brands + rss("reddit", server.url("/r")), clock)
    try:
        first = cycle(app)
        again = cycle(app)
        count = app.pipeline.mentions.count()
    finally:
        close(app)
    new_first = first.polled[0].report.new  # type: ignore[union-attr]
    assert len(new_first) == count > 0
    assert again.polled[0].report.new == []  # type: ignore[union-attr]
    assert again.polled[0].report.seen_again == count  # type: ignore[union-attr]


def test_the_same_story_in_two_feeds_is_one_mention_seen_twice(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock
) -> None:
    server.route("/news", body=GOOGLE_ALERTS)
    # A second feed carrying the same stories under other entry ids, with tracking parameters on the links.
    mirrored = GOOGLE_ALERTS.replace(b"googlealerts/feed:", b"mirror/entry:").replace(
        b"&amp;ct=ga", b"&amp;ct=ga&amp;utm_source=x"
    )
    server.route("/mirror", body=mirrored)
    app = make_app(
        tmp_path, SLACK_BRAND + rss("news", server.url("/news")) + rss("mirror", server.url("/mirror")), clock
    )
    try:
        report = cycle(app)
        count = app.pipeline.mentions.count()
    finally:
        close(app)
    assert count == 20
    ingested = [p.report for p in report.polled if p.report is not None]
    # 40 entries: 20 stories stored once, and each recognised a second time in the other feed.
    assert sum(len(r.new) for r in ingested) == 20
    assert sum(r.seen_again for r in ingested) == 20


def test_every_feedparser_test_feed_is_polled_without_crashing(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock
) -> None:
    files = sorted(p for p in FEEDPARSER_TESTS.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
    assert len(files) > 300
    body = '\n[[brands]]\nname = "Everything"\nterms = ["a", "e", "the", "x"]\n'
    for index, path in enumerate(files):
        server.route(f"/{index}", body=path.read_bytes(), headers={"Content-Type": "application/xml"})
        body += rss(f"f{index}", server.url(f"/{index}"))
    app = make_app(tmp_path, body, clock)
    try:
        report = cycle(app)
        health = app.schedule.all_health()
    finally:
        close(app)
    assert len(report.polled) == len(files)
    failed = [p for p in report.polled if not p.ok]
    # Ill-formed documents are counted as errors of their source, not exceptions of the daemon.
    assert sum(h.errors_total for h in health) == len(failed)
    assert all(not (p.error or "").startswith("internal error") for p in failed), [p.error for p in failed][:3]
    by_source = {p.source: p for p in report.polled}
    wellformed = [f"f{i}" for i, path in enumerate(files) if "wellformed" in path.parts]
    assert all(by_source[name].ok for name in wellformed)
    empty = files.index(FEEDPARSER_TESTS / "illformed" / "rss_empty_document.xml")
    assert not by_source[f"f{empty}"].ok and "not a readable feed" in (by_source[f"f{empty}"].error or "")


def test_a_failing_source_backs_off_and_does_not_stop_the_others(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock
) -> None:
    server.route("/broken", Reply(500))
    server.route("/alerts", body=GOOGLE_ALERTS)
    app = make_app(
        tmp_path, SLACK_BRAND + rss("broken", server.url("/broken")) + rss("ok", server.url("/alerts")), clock
    )
    try:
        waits = []
        for _ in range(4):
            cycle(app)
            health = app.schedule.health("broken")
            assert health is not None
            waits.append(health.next_check_at - clock.now())
            clock.set(health.next_check_at)
        ok_health = app.schedule.health("ok")
    finally:
        close(app)
    assert health.consecutive_errors == 4 and "HTTP 500" in (health.last_error or "")
    assert waits[0] < waits[1] < waits[2] < waits[3]  # exponential
    assert ok_health is not None and ok_health.consecutive_errors == 0 and ok_health.items_total == 20


def test_429_retry_after_is_honoured(tmp_path: Path, server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/alerts", Reply(429, headers={"Retry-After": "7200"}))
    app = make_app(tmp_path, SLACK_BRAND + rss("alerts", server.url("/alerts"), 'interval = "5m"'), clock)
    try:
        cycle(app)
        health = app.schedule.health("alerts")
    finally:
        close(app)
    assert health is not None
    assert health.next_check_at - clock.now() >= timedelta(hours=2)


@pytest.mark.parametrize("asked", ["31536000", "9" * 400])  # a year; more seconds than a date can hold
def test_a_source_asking_to_wait_for_ever_is_asked_again_in_a_day(
    tmp_path: Path, server: LoopbackServer, clock: FixedClock, asked: str
) -> None:
    server.route("/alerts", Reply(429, headers={"Retry-After": asked}))
    app = make_app(tmp_path, SLACK_BRAND + rss("alerts", server.url("/alerts"), 'interval = "5m"'), clock)
    try:
        cycle(app)
        health = app.schedule.health("alerts")
    finally:
        close(app)
    assert health is not None and health.consecutive_errors == 1
    assert timedelta(hours=23) <= health.next_check_at - clock.now() <= timedelta(days=1, minutes=1)


def test_backoff_is_capped() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = next_check_after_failure(now, timedelta(minutes=15), 30, timedelta(hours=6), random.Random(1))
    assert later - now <= timedelta(hours=6, minutes=36)


def test_a_slow_source_does_not_hold_up_a_fast_one(tmp_path: Path, server: LoopbackServer, clock: FixedClock) -> None:
    """Polled concurrently: the fast one's mentions are stored even while the slow one hangs to its deadline."""
    server.route("/slow", Reply(200, GOOGLE_ALERTS, stall=30))
    server.route("/fast", body=GOOGLE_ALERTS)
    header = '\n[monitor]\ndatabase = "monitor.db"\nrequest_deadline = "1s"\n'
    app = make_app(
        tmp_path, SLACK_BRAND + rss("slow", server.url("/slow")) + rss("fast", server.url("/fast")), clock, header
    )
    try:
        report = cycle(app)
    finally:
        close(app)
    by_name = {p.source: p for p in report.polled}
    assert by_name["fast"].ok and by_name["fast"].report and len(by_name["fast"].report.new) == 20
    assert not by_name["slow"].ok and "did not answer within 1s" in (by_name["slow"].error or "")
