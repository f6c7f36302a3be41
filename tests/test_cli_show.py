"""`mention-monitor mentions show ID` and the answering commands, as an owner reads and works one complaint from a
shell: the whole mention, what its author said before, what the monitor and people did, the notes; text from the
internet never acts on the terminal."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.clock import FixedClock
from monitor.model import Mention
from monitor.storage import open_database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from tests.apps import write_config
from tests.factories import NOW, make_mention

BODY = """
[[brands]]
name = "Acme Coffee"
"""

Run = Callable[..., tuple[int, str, str]]

# Words from the internet that try to act on a terminal: colours, a new window title, a cursor jump, a bidi override.
HOSTILE = "Cold coffee \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 \x1b[2J and \u202egnp.exe\u202c"
LIST_FIELDS = {"id", "source", "kind", "url", "title", "text", "author", "published_at", "brand", "language"}
LIST_FIELDS |= {"rating", "sentiment", "label", "status"}


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    return write_config(tmp_path, BODY)


@pytest.fixture
def cli(config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def run(*argv: str, later: timedelta = timedelta(0)) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        capsys.readouterr()
        code = main(["--config", str(config), *argv], clock=FixedClock(NOW + later))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def store(config: Path, *mentions: Mention) -> list[Mention]:
    db = open_database(str(config.parent / "monitor.db"))
    try:
        stored = [Mentions(db).insert(m) for m in mentions]
        for m in stored:
            Events(db).add("matched", at=m.fetched_at, mention_id=m.id, rule="bad review", reason="1 star")
        return stored
    finally:
        db.close()


@pytest.fixture
def complaint(config: Path) -> Mention:
    """taro's one-star review today, after two of his earlier reviews (and one by someone else)."""
    *_, today = store(
        config,
        make_mention(None, external_id="a", fingerprint="a", title="Slow again", published_at=NOW - timedelta(days=9)),
        make_mention(
            None,
            external_id="b",
            fingerprint="b",
            title="Lovely latte",
            label="positive",
            sentiment=0.8,
            status="resolved",
            published_at=NOW - timedelta(days=40),
        ),
        make_mention(None, external_id="c", fingerprint="c", author="hanako"),
        make_mention(None, external_id="d", fingerprint="d", title="Never again", text=HOSTILE + "\n\nSecond line."),
    )
    return today


def test_show_prints_the_whole_mention_its_authors_history_and_timeline(cli: Run, complaint: Mention) -> None:
    assert cli("ack", str(complaint.id), "--note", "calling them\nafter lunch", later=timedelta(minutes=5))[0] == 0
    code, out, err = cli("mentions", "show", str(complaint.id))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"mention {complaint.id}  [Acme Coffee]  app-store-jp (appstore)  times in Asia/Tokyo"
    assert "  title      Never again" in lines
    assert "  url        https://apps.apple.com/jp/app/acme/id123?see-all=reviews&page=2" in lines
    assert "  author     taro" in lines
    assert "  published  2026-11-16 15:00   first seen 2026-11-16 18:00" in lines  # 06:00 and 09:00 UTC in Tokyo
    assert "  rating     1/5   sentiment -0.71 (negative)   language en" in lines
    assert "  status     acknowledged   assignee -   answered -" in lines
    assert "  Second line." in lines  # the text in full, its own lines kept
    history = lines[lines.index("other mentions by taro on appstore (2):") :]
    assert "Slow again" in history[2] and "Lovely latte" in history[3]  # newest first; hanako's is not his
    assert "  2026-11-07 18:00  " in history[2]  # in the config's zone too
    timeline = lines[lines.index("timeline (3):") + 1 :]
    assert timeline == [
        "  2026-11-16 18:00  monitor      matched rule bad review",
        "  2026-11-16 18:05  cli          acknowledged (from the command line)",
        "  2026-11-16 18:05  cli          note: calling them",
        "                                 after lunch",
    ]


def test_show_never_lets_the_text_act_on_the_terminal(cli: Run, complaint: Mention) -> None:
    out = cli("mentions", "show", str(complaint.id))[1]
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "Cold coffee \\x1b[31mRED\\x1b[0m \\x1b]0;pwned\\x07 \\x1b[2J and \\u202egnp.exe\\u202c" in out


def test_show_json_has_the_list_fields_and_the_history(cli: Run, complaint: Mention) -> None:
    assert cli("resolve", str(complaint.id), "--note", "refunded", later=timedelta(hours=1))[0] == 0
    code, out, _ = cli("mentions", "show", str(complaint.id), "--json")
    assert code == 0
    shown = json.loads(out)
    assert LIST_FIELDS <= set(shown)
    listed = json.loads(cli("mentions", "list", "--json")[1])
    assert {k: shown[k] for k in LIST_FIELDS} == {k: v for k, v in listed[0].items() if k in LIST_FIELDS}
    assert shown["text"] == HOSTILE + "\n\nSecond line."  # JSON carries the text as it is, escaped as JSON
    assert shown["status"] == "resolved" and shown["assignee"] is None
    assert [(m["title"], m["label"], m["status"]) for m in shown["author_mentions"]] == [
        ("Slow again", "negative", "new"),
        ("Lovely latte", "positive", "resolved"),
    ]
    assert set(shown["author_mentions"][0]) == {"id", "published_at", "title", "label", "status"}
    later = (NOW + timedelta(hours=1)).isoformat()
    assert shown["timeline"] == [
        {"at": NOW.isoformat(), "kind": "matched", "text": "matched rule bad review", "actor": None},
        {"at": later, "kind": "resolved", "text": "resolved (from the command line)", "actor": "cli"},
        {"at": later, "kind": "note", "text": "refunded", "actor": "cli"},
    ]


def test_show_an_unknown_mention_is_exit_1(cli: Run, config: Path) -> None:
    code, _, err = cli("mentions", "show", "404")
    assert code == 1 and "no mention with id 404" in err


@pytest.mark.parametrize(
    ("command", "status", "event"),
    [
        ("ack", "acknowledged", "acknowledged"),
        ("respond", "responded", "responded"),
        ("resolve", "resolved", "resolved"),
        ("ignore", "ignored", "ignored"),
        ("not-about-us", "ignored", "not_about_us"),
    ],
)
def test_each_answer_says_old_and_new_status_and_is_on_the_timeline(
    cli: Run, complaint: Mention, command: str, status: str, event: str
) -> None:
    code, out, _ = cli(command, str(complaint.id))
    assert code == 0 and out == f"mention {complaint.id}: new -> {status}\n"
    shown = json.loads(cli("mentions", "show", str(complaint.id), "--json")[1])
    assert shown["status"] == status
    assert (shown["timeline"][-1]["kind"], shown["timeline"][-1]["actor"]) == (event, "cli")


def test_respond_records_when_the_customer_was_first_answered(cli: Run, complaint: Mention) -> None:
    cli("respond", str(complaint.id), later=timedelta(hours=2))
    cli("respond", str(complaint.id), later=timedelta(hours=5))
    shown = json.loads(cli("mentions", "show", str(complaint.id), "--json")[1])
    assert shown["answered_at"] == (NOW + timedelta(hours=2)).isoformat()
