"""The daemon as systemd runs it: a real process, real signals, the sd_notify socket, a real feed server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from monitor.storage.database import open_database
from monitor.storage.mentions import Mentions
from tests.daemon_log import WAIT, LogReader
from tests.loopback import REAL, ROOT, LoopbackServer

FEED = (REAL / "google_alerts" / "feedjira_google_alerts_atom_slack_2019.xml").read_bytes()


def config_text(url: str) -> str:
    return f"""
[monitor]
database = "monitor.db"

[[brands]]
name = "Slack"
terms = ["Slack"]

[[sources]]
name = "alerts"
kind = "rss"
url = "{url}"
"""


class Daemon:
    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"), "run"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.log = LogReader(self.proc)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.text()  # the reader has seen the pipe's end
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def wait_for(self, needle: str) -> str:
        return self.log.wait_for(needle)


@pytest.fixture
def feed(server: LoopbackServer) -> Iterator[str]:
    server.route("/alerts", body=FEED)
    yield server.url("/alerts")


def test_runs_polls_reloads_and_stops_cleanly(tmp_path: Path, feed: str) -> None:
    (tmp_path / "monitor.toml").write_text(config_text(feed))
    daemon = Daemon(tmp_path)
    try:
        daemon.wait_for("started: 1 sources")
        daemon.wait_for("alerts: 20 new mentions")
        db = open_database(str(tmp_path / "monitor.db"), migrate=False)
        try:
            assert Mentions(db).count() == 20
        finally:
            db.close()
        # A broken config on reload is refused and the daemon keeps running on the old one.
        (tmp_path / "monitor.toml").write_text(config_text(feed) + "\n[monitor2]\n")
        daemon.proc.send_signal(signal.SIGHUP)
        assert "unknown table [monitor2]" in daemon.wait_for("reload refused")
        # A good one is taken, and the log says what changed.
        (tmp_path / "monitor.toml").write_text(config_text(feed).replace('name = "alerts"', 'name = "alerts2"'))
        daemon.proc.send_signal(signal.SIGHUP)
        assert "(sources +alerts2 -alerts)" in daemon.wait_for("reloaded")
        daemon.proc.send_signal(signal.SIGTERM)
        daemon.wait_for("stopped")
        assert daemon.proc.wait(timeout=WAIT) == 0
    finally:
        daemon.close()


def test_tells_systemd_it_is_ready_pings_the_watchdog_and_says_when_stopping(tmp_path: Path, feed: str) -> None:
    (tmp_path / "monitor.toml").write_text(config_text(feed))
    address = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(WAIT)
    daemon = Daemon(tmp_path, {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "2000000"})
    try:
        messages = [sock.recv(4096).decode() for _ in range(2)]
        assert any("READY=1" in m for m in messages)
        assert any("WATCHDOG=1" in m for m in messages) or "WATCHDOG=1" in sock.recv(4096).decode()
        daemon.proc.send_signal(signal.SIGTERM)
        while "STOPPING=1" not in sock.recv(4096).decode():
            pass
        assert daemon.proc.wait(timeout=WAIT) == 0
    finally:
        sock.close()
        daemon.close()


def test_a_bad_config_exits_2_naming_the_key_and_starts_nothing(tmp_path: Path) -> None:
    (tmp_path / "monitor.toml").write_text(config_text("http://127.0.0.1:1/x").replace("url =", "ulr ="))
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(tmp_path / "monitor.toml"), "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown key 'ulr' (did you mean 'url'?)" in result.stderr
    assert not (tmp_path / "monitor.db").exists()


def test_serves_the_web_inbox_when_configured(tmp_path: Path, feed: str) -> None:
    from tests.mailserver import free_port

    port = free_port()
    web = f'\n[web]\nlisten = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\nsecret = "${{ACK_SECRET}}"\n'
    (tmp_path / "monitor.toml").write_text(config_text(feed) + web)
    daemon = Daemon(tmp_path, {"ACK_SECRET": "a-secret-of-32-characters-long!!"})
    try:
        daemon.wait_for(f"web inbox served on 127.0.0.1:{port}")
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=WAIT)
        assert health.status_code == 200 and "ok" in health.text
        forged = httpx.get(f"http://127.0.0.1:{port}/m/1?k=Mg.forged.token", timeout=WAIT)
        assert forged.status_code == 403
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=WAIT, follow_redirects=True).url.path == "/login"
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=WAIT) == 0
    finally:
        daemon.close()
