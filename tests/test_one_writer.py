"""One daemon per database: started twice by mistake (a second terminal, a cron `run --once` beside the service),
the second refuses with the first one's pid, so no alert is ever sent twice. A busy [web] address is one clear line."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.loopback import ROOT, LoopbackServer
from tests.mailserver import MailServer, free_port
from tests.test_daemon import FEED, WAIT, Daemon, config_text

ALERT = """
[destinations]
owner_email = "{mail}"

[[rules]]
name = "every mention"
when = "true"
notify = ["owner_email"]
"""


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=WAIT, check=False)


def test_a_second_daemon_and_a_run_once_beside_it_refuse_and_nothing_is_sent_twice(
    tmp_path: Path, server: LoopbackServer, mail: MailServer
) -> None:
    server.route("/alerts", body=FEED)
    (tmp_path / "monitor.toml").write_text(config_text(server.url("/alerts")) + ALERT.format(mail=mail.url()))
    first = Daemon(tmp_path)
    try:
        first.wait_for("alerts: 20 new mentions")
        second = cli(tmp_path, "run")
        assert second.returncode == 1
        assert f"another mention-monitor (pid {first.proc.pid}) is running on this database" in second.stderr
        assert "Traceback" not in second.stderr
        once = cli(tmp_path, "run", "--once")
        assert once.returncode == 1 and f"(pid {first.proc.pid})" in once.stderr
        first.proc.send_signal(signal.SIGTERM)
        assert first.proc.wait(timeout=WAIT) == 0
    finally:
        first.close()
    # The first daemon delivered what it found (or left it pending); the refused ones sent nothing at all.
    keys = [m["X-Mention-Monitor-Key"] for m in mail.messages]
    assert len(keys) == len(set(keys))
    # Once the first has stopped, the lock is free again (the kernel drops it with the process, even on SIGKILL).
    again = cli(tmp_path, "run", "--once")
    assert again.returncode == 0, again.stderr
    keys = [m["X-Mention-Monitor-Key"] for m in mail.messages]
    assert len(keys) == len(set(keys)), "no alert was sent twice across the three runs"


def test_a_busy_web_address_is_one_line_and_exit_1(tmp_path: Path, server: LoopbackServer) -> None:
    import socket

    port = free_port()
    web = f'\n[web]\nlisten = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\nsecret = "{"s" * 32}"\n'
    (tmp_path / "monitor.toml").write_text(config_text(server.url("/alerts")) + web)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = cli(tmp_path, "run")
    assert result.returncode == 1
    assert f"[web] listen = '127.0.0.1:{port}': cannot listen there" in result.stderr
    assert "Traceback" not in result.stderr
