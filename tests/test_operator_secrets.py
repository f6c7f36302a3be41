"""An operator's shell next to a systemd install: the sources' and destinations' secrets are the unit's credentials,
not in the shell's environment. The commands that only read or change the database work without them; the ones that
poll or send still refuse, naming the variable (issue 19)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.clock import FixedClock
from monitor.config import UNDELIVERABLE_URL
from monitor.storage import open_database
from monitor.storage.mentions import Mentions
from tests.apps import write_config
from tests.factories import NOW, make_mention
from tests.loopback import ROOT

BODY = """
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "yelp"
kind = "yelp"
business_id = "acme-coffee-kyoto"
api_key = "${YELP_API_KEY}"
brand = "Acme Coffee"

[destinations]
owner_email = "mailtos://owner:${SMTP_PASS}@127.0.0.1:1?to=owner@example.com&from=monitor@example.com"

[[rules]]
name = "bad review"
when = "rating <= 2"
notify = ["owner_email"]

[digest]
notify = ["owner_email"]
"""

SECRETS = ("YELP_API_KEY", "SMTP_PASS", "CREDENTIALS_DIRECTORY", "STATE_DIRECTORY")

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    path = write_config(tmp_path, BODY)
    db = open_database(str(tmp_path / "monitor.db"))
    Mentions(db).insert(make_mention(None, source="yelp", kind="yelp"))
    db.close()
    return path


@pytest.fixture
def cli(config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(["--config", str(config), *argv], clock=FixedClock(NOW))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.mark.parametrize(
    "argv",
    [
        ["mentions", "list", "--json"],
        ["mentions", "show", "1"],
        ["status"],
        ["ack", "1"],
        ["respond", "1", "--note", "replied on Yelp"],
        ["not-about-us", "1"],
        ["users", "list"],
        ["rules", "test", "--since", "30d"],
        ["score", "--jsonl"],
    ],
)
def test_operator_commands_need_no_source_or_destination_secret(cli: Run, argv: list[str]) -> None:
    code, _, err = cli(*argv, stdin='{"text": "lovely"}\n')
    assert code == 0, err


def test_users_add_and_assign_need_no_secret(cli: Run) -> None:
    code, _, err = cli("users", "add", "alice", stdin="correct horse battery staple\n")
    assert code == 0, err
    code, out, err = cli("assign", "1", "alice")
    assert code == 0 and "assigned to alice" in out, err


def test_rules_test_says_what_would_fire_and_sends_nothing(cli: Run) -> None:
    code, out, _ = cli("rules", "test", "--since", "30d")
    assert code == 0 and "WOULD ALERT #1 [Acme Coffee] bad review -> owner_email" in out


def test_digest_preview_needs_no_secret(cli: Run, tmp_path: Path) -> None:
    code, _, err = cli("digest", "--preview", str(tmp_path / "digest.html"))
    assert code == 0, err
    assert "Acme Coffee" in (tmp_path / "digest.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "argv",
    [["check"], ["run", "--once"], ["test-alert", "owner_email"], ["digest", "--send"]],
)
def test_commands_that_poll_or_send_still_refuse_naming_the_variable(cli: Run, argv: list[str]) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert "${YELP_API_KEY}" in err and "the environment variable YELP_API_KEY" in err
    assert "${SMTP_PASS}" in err  # every missing one at once, not one per attempt
    assert UNDELIVERABLE_URL not in out + err


def test_with_the_credentials_every_command_works(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "YELP_API_KEY").write_text("yelp-key-1234\n")
    (creds / "SMTP_PASS").write_text("smtp-pass-5678\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    code, out, err = cli("check")
    assert code == 0, err
    assert "LoadCredential=SMTP_PASS:" in out and "LoadCredential=YELP_API_KEY:" in out
    assert "smtp-pass-5678" not in out and "yelp-key-1234" not in out


def test_ack_from_a_shell(config: Path) -> None:
    """The issue's report, as typed: `mention-monitor ack 42` in a shell without the unit's credentials."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "ack", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "mention 1: new -> acknowledged\n"
    listed = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "mentions", "list", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert [m["status"] for m in json.loads(listed.stdout)] == ["acknowledged"]
