"""The systemd install as the README writes it: the database in the unit's state directory, credentials that match
the config, and a unit file systemd accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.service.app import load
from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer

UNIT = ROOT / "systemd" / "mention-monitor.service"
CONFIG = """
[monitor]
database = "monitor.db"

[[brands]]
name = "Acme"

[[sources]]
name = "news"
kind = "rss"
url = "https://news.example.com/feed.xml"

[destinations]
owner_email = "mailtos://${SMTP_USER}:${SMTP_PASS}@smtp.example.com?to=owner@example.com"
"""


def test_a_relative_database_goes_to_the_state_directory_under_systemd(tmp_path: Path) -> None:
    config_dir, state = tmp_path / "etc", tmp_path / "var-lib"
    config_dir.mkdir()
    (config_dir / "monitor.toml").write_text(CONFIG)
    env = {"SMTP_USER": "u", "SMTP_PASS": "p"}
    under_systemd = load(config_dir / "monitor.toml", environ={**env, "STATE_DIRECTORY": str(state)})
    assert under_systemd.monitor.database == str(state / "monitor.db")
    by_hand = load(config_dir / "monitor.toml", environ=env)
    assert by_hand.monitor.database == str(config_dir.resolve() / "monitor.db")


def test_check_says_where_the_database_is_and_which_credentials_the_unit_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "SMTP_USER").write_text("owner")
    (credentials / "SMTP_PASS").write_text("hunter2-the-password")
    (tmp_path / "monitor.toml").write_text(CONFIG)
    monkeypatch.delenv("SMTP_USER", raising=False)
    monkeypatch.delenv("SMTP_PASS", raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert main(["--config", str(tmp_path / "monitor.toml"), "check"]) == 0
    shown = capsys.readouterr().out
    assert f"database: {tmp_path / 'state' / 'monitor.db'}" in shown
    lines = re.findall(r"LoadCredential=\S+", shown)
    assert lines == [
        "LoadCredential=SMTP_PASS:/etc/mention-monitor/credentials/SMTP_PASS",
        "LoadCredential=SMTP_USER:/etc/mention-monitor/credentials/SMTP_USER",
    ]
    assert "hunter2-the-password" not in shown


def test_the_unit_hard_wires_no_credential_and_systemd_accepts_it(tmp_path: Path) -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert not re.search(r"^LoadCredential=", text, re.MULTILINE), "a missing credential file stops the unit"
    assert "StateDirectory=mention-monitor" in text
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed (Debian package systemd)"
    # Verify the unit as installed: its ExecStart must exist, so point it at this checkout's console script.
    unit = tmp_path / "mention-monitor.service"
    script = Path(shutil.which("mention-monitor") or ROOT / ".venv" / "bin" / "mention-monitor")
    unit.write_text(text.replace("/opt/mention-monitor/venv/bin/mention-monitor", str(script)))
    verify = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stderr
    security = subprocess.run(
        [analyze, "security", "--offline=true", str(unit)], capture_output=True, text=True, check=False
    )
    exposure = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", security.stdout + security.stderr)
    assert exposure, security.stdout + security.stderr
    assert float(exposure.group(1)) <= 1.5


def test_the_daemon_started_as_the_unit_starts_it_polls_and_alerts(
    tmp_path: Path, server: LoopbackServer, mail: MailServer
) -> None:
    """ExecStart, Environment= and WorkingDirectory= taken from the unit file; systemd's STATE_DIRECTORY and
    CREDENTIALS_DIRECTORY pointing at a state directory and a directory of credential files; the config directory
    read-only (mode 0555), and nothing written there."""
    server.route("/feed", body=(ROOT / "tests" / "data" / "acme_feed.xml").read_bytes())
    etc, state, credentials = tmp_path / "etc", tmp_path / "state", tmp_path / "credentials"
    for folder in (etc, state, credentials):
        folder.mkdir()
    (etc / "monitor.toml").write_text(
        f"""
[monitor]
database = "monitor.db"
alert_max_age = "3650d"  # the captured feed is older than a week

[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blogs"
kind = "rss"
url = "{server.url("/feed")}"

[destinations]
owner_email = {{ url = "{mail.url("${OWNER_EMAIL}")}", group_wait = "0s" }}

[[rules]]
name = "bad review"
when = "sentiment <= -0.5"
notify = ["owner_email"]
""",
        encoding="utf-8",
    )
    (credentials / "OWNER_EMAIL").write_text("owner@example.com")
    (etc / "monitor.toml").chmod(0o444)
    etc.chmod(0o555)
    before = sorted(p.name for p in etc.iterdir())

    unit = _unit(UNIT.read_text(encoding="utf-8"))

    def local(value: str) -> str:
        return (
            value.replace(
                "/opt/mention-monitor/venv/bin/mention-monitor", str(ROOT / ".venv" / "bin" / "mention-monitor")
            )
            .replace("/etc/mention-monitor", str(etc))
            .replace("/var/lib/mention-monitor", str(state))
        )

    environment = {"PATH": "/usr/bin:/bin", "STATE_DIRECTORY": str(state), "CREDENTIALS_DIRECTORY": str(credentials)}
    for line in unit["Environment"]:
        name, value = line.split("=", 1)
        environment[name] = local(value)
    [exec_start] = unit["ExecStart"]
    [working] = unit["WorkingDirectory"]
    daemon = subprocess.Popen(
        shlex.split(local(exec_start)), cwd=local(working), env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        try:
            [alert] = mail.wait_for(1)
        except AssertionError:
            daemon.kill()
            raise AssertionError(daemon.communicate()[1][-3000:]) from None
        assert alert["To"] == "owner@example.com"
        assert (state / "monitor.db").exists()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        etc.chmod(0o755)
    assert sorted(p.name for p in etc.iterdir()) == before
    assert daemon.stderr is not None
    with daemon.stderr:
        assert "Traceback" not in daemon.stderr.read()


def _unit(text: str) -> dict[str, list[str]]:
    """The [Service] section's settings: name -> values, in order."""
    found: dict[str, list[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found
