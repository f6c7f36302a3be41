"""`mention-monitor users ...` and `assign`: the people of the web inbox, managed from a shell as an operator would.

The real CLI (`main`) on a config file and a SQLite file in a temporary folder; a password arrives on stdin the way
a script gives it, or at a terminal prompt.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.clock import FixedClock
from monitor.passwords import verify
from monitor.storage import open_database
from monitor.storage.mentions import Mentions
from monitor.storage.users import User, Users
from tests.apps import write_config
from tests.factories import NOW, make_mention
from tests.loopback import ROOT

BODY = """
[[brands]]
name = "Acme Coffee"

[[brands]]
name = "Blue Bottle Kyoto"

[destinations]
alice_phone = "ntfy://127.0.0.1:1/alice"
"""

PASSWORD = "correct horse battery staple"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    return write_config(tmp_path, BODY)


@pytest.fixture
def cli(config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the command line; `stdin` is what a script pipes in (not a terminal)."""

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(["--config", str(config), *argv], clock=FixedClock(NOW))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def user(config: Path, name: str) -> User | None:
    db = open_database(str(config.parent / "monitor.db"))
    try:
        return Users(db).get(name)
    finally:
        db.close()


def test_add_a_user_whose_password_comes_on_stdin(cli: Run, config: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code, out, err = cli(
        "users", "add", "alice", "--brand", "Acme Coffee", "--notify", "alice_phone", stdin=PASSWORD + "\nignored\n"
    )
    assert code == 0, err
    assert out == "user alice added: Acme Coffee; notified at alice_phone\n"
    stored = user(config, "alice")
    assert stored is not None and stored.brands == ("Acme Coffee",) and stored.notify == "alice_phone"
    assert verify(stored.password_hash, PASSWORD)  # the first line only, without its newline
    assert PASSWORD not in out + err + caplog.text and PASSWORD not in stored.password_hash


def test_a_user_without_brands_sees_every_brand_and_list_says_so(cli: Run) -> None:
    assert cli("users", "add", "alice", stdin=PASSWORD)[0] == 0
    assert cli("users", "add", "kyoto-client", "--brand", "Blue Bottle Kyoto", stdin=PASSWORD)[0] == 0
    code, out, _ = cli("users", "list")
    assert code == 0
    assert out.splitlines() == [
        "name                 notify           brands",
        "alice                -                all brands",
        "kyoto-client         -                Blue Bottle Kyoto",
        "(2 users)",
    ]
    code, out, _ = cli("users", "list", "--json")
    assert json.loads(out) == [
        {"name": "alice", "brands": None, "notify": None, "created_at": NOW.isoformat()},
        {"name": "kyoto-client", "brands": ["Blue Bottle Kyoto"], "notify": None, "created_at": NOW.isoformat()},
    ]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--brand", "Acme Cofee"], "--brand: no brand named 'Acme Cofee'"),
        (["--notify", "bob_phone"], "--notify: no destination named 'bob_phone'"),
    ],
)
def test_an_unknown_brand_or_destination_is_a_usage_error(
    cli: Run, config: Path, argv: list[str], expected: str
) -> None:
    code, _, err = cli("users", "add", "alice", *argv, stdin=PASSWORD)
    assert code == 2 and expected in err
    assert user(config, "alice") is None


def test_a_weak_or_missing_password_is_refused(cli: Run, config: Path) -> None:
    code, _, err = cli("users", "add", "alice", stdin="hunter2\n")
    assert code == 2 and "at least 10 characters" in err and "hunter2" not in err
    code, _, err = cli("users", "add", "alice", stdin="")
    assert code == 2 and "first line of stdin" in err
    assert user(config, "alice") is None


def test_a_name_that_exists_is_exit_1_and_the_password_stays(cli: Run, config: Path) -> None:
    assert cli("users", "add", "alice", stdin=PASSWORD)[0] == 0
    code, _, err = cli("users", "add", "alice", stdin="another long password")
    assert code == 1 and "a user named 'alice' exists already" in err
    stored = user(config, "alice")
    assert stored is not None and verify(stored.password_hash, PASSWORD)


@pytest.mark.parametrize("name", ["-", "two words", "bell\x07", ""])
def test_a_name_that_cannot_be_typed_or_shown_is_refused(cli: Run, name: str) -> None:
    code, _, err = cli("users", "add", name, stdin=PASSWORD)
    assert code == 2 and "cannot be a user name" in err


def test_at_a_terminal_the_password_is_asked_twice(cli: Run, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, PASSWORD + "typo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", Terminal())
    code = main(["--config", str(config), "users", "add", "alice"], clock=FixedClock(NOW))
    assert code == 2 and user(config, "alice") is None

    answers = iter([PASSWORD, PASSWORD])
    code = main(["--config", str(config), "users", "add", "alice"], clock=FixedClock(NOW))
    assert code == 0
    stored = user(config, "alice")
    assert stored is not None and verify(stored.password_hash, PASSWORD)


def test_passwd_changes_the_password_and_ends_the_sessions(cli: Run, config: Path) -> None:
    assert cli("users", "add", "alice", stdin=PASSWORD)[0] == 0
    before = user(config, "alice")
    code, out, _ = cli("users", "passwd", "alice", stdin="a brand new passphrase\n")
    assert code == 0 and out == "password of alice changed; their sessions have ended\n"
    after = user(config, "alice")
    assert before is not None and after is not None
    assert verify(after.password_hash, "a brand new passphrase") and not verify(after.password_hash, PASSWORD)
    assert after.session_epoch == before.session_epoch + 1  # every cookie signed with the old epoch is refused

    assert cli("users", "passwd", "alice", stdin="short")[0] == 2
    assert cli("users", "passwd", "nobody", stdin=PASSWORD)[:1] == (1,)


def test_remove_a_user(cli: Run, config: Path) -> None:
    assert cli("users", "add", "alice", stdin=PASSWORD)[0] == 0
    code, out, _ = cli("users", "remove", "alice")
    assert code == 0 and out == "user alice removed; their sessions have ended\n"
    assert user(config, "alice") is None
    code, _, err = cli("users", "remove", "alice")
    assert code == 1 and "no user named 'alice'" in err


def test_assign_to_a_known_user_then_to_nobody(cli: Run, config: Path) -> None:
    db = open_database(str(config.parent / "monitor.db"))
    mention = Mentions(db).insert(make_mention(None))
    db.close()
    assert cli("users", "add", "alice", stdin=PASSWORD)[0] == 0

    code, out, _ = cli("assign", str(mention.id), "alice")
    assert code == 0 and out == f"mention {mention.id}: assigned to alice (was: nobody)\n"
    shown = json.loads(cli("mentions", "show", str(mention.id), "--json")[1])
    assert shown["assignee"] == "alice"
    assert shown["timeline"][-1] == {
        "at": NOW.isoformat(),
        "kind": "assigned",
        "text": "assigned to alice",
        "actor": "cli",
    }

    code, _, err = cli("assign", str(mention.id), "bob")
    assert code == 1 and "no user named 'bob' (users: alice;" in err

    code, out, _ = cli("assign", str(mention.id), "-")
    assert code == 0 and out == f"mention {mention.id}: assigned to nobody (was: alice)\n"
    assert json.loads(cli("mentions", "show", str(mention.id), "--json")[1])["assignee"] is None


def test_a_script_pipes_the_password_to_the_real_command(config: Path) -> None:
    """The installed command as a shell script runs it: `printf '%s\\n' "$PW" | mention-monitor users add NAME`."""
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "users", "add", "ops"],
        cwd=ROOT,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    stored = user(config, "ops")
    assert stored is not None and verify(stored.password_hash, PASSWORD)
