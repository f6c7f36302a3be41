"""The command line as users and scripts use it (DESIGN.md's contract), run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.loopback import ROOT, LoopbackServer

FEED = (ROOT / "tests" / "data" / "acme_feed.xml").read_bytes()


def posted_yesterday(feed: bytes) -> bytes:
    """The feed as if its posts were written yesterday. The CLI is a real process on the real clock, and posts older
    than `alert_max_age` (7d) when first seen are a new source's backlog: stored, never alerted."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    return feed.replace(b"2026-11-16T", yesterday.encode() + b"T")


JSON_FIELDS = {
    "id",
    "source",
    "kind",
    "url",
    "title",
    "text",
    "author",
    "published_at",
    "brand",
    "language",
    "rating",
    "sentiment",
    "label",
    "status",
}


def cli(
    *args: str, config: Path | None = None, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "monitor"] + (["--config", str(config)] if config else []) + list(args)
    return subprocess.run(
        command,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def config(tmp_path: Path, server: LoopbackServer) -> Path:
    server.route("/feed", body=posted_yesterday(FEED))
    server.route("/hook", body=b"{}")
    path = tmp_path / "monitor.toml"
    path.write_text(f"""
[monitor]
database = "monitor.db"

[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blogs"
kind = "rss"
url = "{server.url("/feed")}"

[destinations]
team = {{ url = "json://127.0.0.1:{server.port}/hook", group_wait = "0s" }}
mail = "mailto://owner:${{SMTP_PASS}}@127.0.0.1:1?to=owner@example.com&from=monitor@example.com"

[[rules]]
name = "bad review"
when = "sentiment <= -0.5"
notify = ["team"]
""")
    return path


SECRET = {"SMTP_PASS": "s3cret-Pa55word"}


def test_check_shows_what_was_understood_without_secrets(config: Path) -> None:
    result = cli("check", config=config, env=SECRET)
    assert result.returncode == 0, result.stderr
    assert "blogs: rss http://127.0.0.1" in result.stdout
    assert "bad review: when 'sentiment <= -0.5' -> team" in result.stdout
    assert "s3cret-Pa55word" not in result.stdout + result.stderr


def test_check_refuses_an_unknown_rule_field_with_exit_2(config: Path) -> None:
    config.write_text(config.read_text().replace("sentiment <= -0.5", "sentimnt <= -0.5"))
    result = cli("check", config=config, env=SECRET)
    assert result.returncode == 2
    assert "[[rules]] 'bad review': key 'when': unknown field 'sentimnt' (did you mean 'sentiment'?)" in result.stderr


def test_check_refuses_an_unknown_apprise_scheme(config: Path) -> None:
    config.write_text(config.read_text().replace("json://", "jsonn://"))
    result = cli("check", config=config, env=SECRET)
    assert result.returncode == 2 and "[destinations] 'team'" in result.stderr


def test_once_then_list_then_answer(config: Path, server: LoopbackServer) -> None:
    once = cli("run", "--once", config=config, env=SECRET)
    assert once.returncode == 0, once.stderr
    assert "polled 1 sources (0 failed), 3 new mentions" in once.stdout
    assert len([r for r in server.requests if r.path == "/hook"]) == 1

    listing = cli("mentions", "list", "--json", config=config, env=SECRET)
    mentions = json.loads(listing.stdout)
    assert len(mentions) == 3 and JSON_FIELDS <= set(mentions[0])
    worst = next(m for m in mentions if m["title"] == "Worst coffee in town")
    assert worst["label"] == "negative" and worst["status"] == "alerted" and worst["rating"] is None

    table = cli("mentions", "list", "--status", "alerted", config=config, env=SECRET)
    assert "Worst coffee in town" in table.stdout and "(1 mentions)" in table.stdout

    ack = cli("respond", str(worst["id"]), "--note", "phoned the customer", config=config, env=SECRET)
    assert ack.returncode == 0 and "alerted -> responded" in ack.stdout
    after = json.loads(cli("mentions", "list", "--json", "--status", "responded", config=config, env=SECRET).stdout)
    assert [m["id"] for m in after] == [worst["id"]]

    status = cli("status", config=config, env=SECRET)
    assert "blogs" in status.stdout and "outbox: 0 pending, 1 sent, 0 failed" in status.stdout

    replay = cli("rules", "test", "--since", "3650d", config=config, env=SECRET)
    assert "WOULD ALERT" in replay.stdout and "(nothing was sent)" in replay.stdout
    assert len([r for r in server.requests if r.path == "/hook"]) == 1


def test_an_unknown_mention_id_is_a_runtime_error(config: Path) -> None:
    result = cli("ack", "999", config=config, env=SECRET)
    assert result.returncode == 1 and "no mention with id 999" in result.stderr


def test_test_alert_reaches_the_destination(config: Path, server: LoopbackServer) -> None:
    result = cli("test-alert", "team", config=config, env=SECRET)
    assert result.returncode == 0, result.stdout + result.stderr
    [hook] = [r for r in server.requests if r.path == "/hook"]
    assert "test message from mention-monitor" in json.loads(hook.body)["message"]


def test_score_jsonl_uses_the_daemons_scorer() -> None:
    lines = [
        {"text": "Cold coffee, rude staff, never again."},
        {"text": "Lovely place, wonderful coffee!"},
        {"text": "Fine words but one star", "rating": 1},
        {"text": "コーヒーが冷めていて最悪でした。"},
        {"text": "Это было ужасно"},
    ]
    result = cli("score", "--jsonl", stdin="\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["label"] for o in out] == ["negative", "positive", "negative", "negative", "unscored"]
    assert out[3]["language"] == "ja"
    assert out[4]["sentiment"] is None


def test_score_jsonl_reports_a_bad_line_and_goes_on() -> None:
    result = cli("score", "--jsonl", stdin='not json\n{"text": "great"}\n')
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert "error" in json.loads(out[0]) and json.loads(out[1])["label"] == "positive"
    assert "line 1: skipped" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert cli("mentions", "frobnicate").returncode == 2


def test_demo_runs_offline_and_shows_alerts_and_mentions() -> None:
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    assert "ALERT to owner_phone (push)" in result.stdout and "ALERT to owner_email (email)" in result.stdout
    assert "mention-monitor ack " in result.stdout
    assert "Mentions stored" in result.stdout
    assert "unanswered for 24 h" in result.stdout  # the escalation after a simulated day
    # Another maker's charger that broke is not a complaint about Anker (the feed is a search for "portable charger").
    assert "chargecore" not in result.stdout and "INIU" not in result.stdout


def test_once_exits_1_and_names_a_broken_source(config: Path, server: LoopbackServer) -> None:
    config.write_text(config.read_text().replace("/feed", "/missing"))
    result = cli("run", "--once", config=config, env=SECRET)
    assert result.returncode == 1
    assert "1 failed" in result.stdout and "blogs: HTTP 404" in result.stdout
