"""Several instances on one PostgreSQL database behave, to the user, like one instance that never dies.

Three real daemons share a fresh PostgreSQL schema, two feeds carrying the same stories (so two instances may store
the same story at once) and one webhook receiver. One of them is SIGKILLed again and again, mid-poll or
mid-delivery, and started again; a PostgreSQL backend is killed under them with pg_terminate_backend. In the end
every story is stored once, every alert arrived once per key (a repeat after a kill carries the same key, as in
tests/test_crash_safety.py), and `status` lists the instances and what each holds.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.cli import main
from monitor.errors import StorageError
from monitor.storage.database import open_database
from monitor.storage.mentions import Mentions
from tests.loopback import ROOT, LoopbackServer
from tests.storage.postgres import TestDatabase
from tests.test_crash_safety import ALERTS, Receiver

KILLS = 4


def config(url: str, server: LoopbackServer) -> str:
    return f"""
[monitor]
database = "{url}"
request_deadline = "5s"  # a killed instance's poll lease (2 x deadline + 15 s) runs out soon

[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blog"
kind = "rss"
url = "{server.url("/feed")}"
interval = "1s"

[[sources]]
name = "mirror"
kind = "rss"
url = "{server.url("/feed")}?mirror=1"
interval = "1s"

[destinations]
hook = {{ url = "json://127.0.0.1:{server.port}/hook", group_wait = "0s", rate_limit = 10000 }}

[[rules]]
name = "complaint"
when = "label == 'negative'"
notify = ["hook"]
"""


def test_three_instances_one_killed_repeatedly_store_and_alert_everything_once(
    tmp_path: Path, server: LoopbackServer, postgres: TestDatabase, capsys: object
) -> None:
    receiver = Receiver(datetime.now(UTC))
    server.route("/feed", receiver.feed)
    server.route("/hook", receiver.hook)
    url = postgres.fresh()
    path = tmp_path / "monitor.toml"
    path.write_text(config(url, server), encoding="utf-8")
    open_database(url).close()  # migrated once before three start at once (they also cope: advisory lock)

    logs: list[Path] = []

    def start() -> subprocess.Popen[bytes]:
        logs.append(tmp_path / f"daemon-{len(logs)}.log")
        with logs[-1].open("wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(path), "run"],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=dict(os.environ),
            )

    steady = [start(), start()]
    rng = random.Random()
    db = open_database(url)
    try:
        for round_ in range(KILLS):
            victim = start()
            sent, polled = len(receiver.messages), receiver.polls
            if rng.random() < 0.5:
                receiver.wait_until(lambda sent=sent: len(receiver.messages) > sent)
            else:
                receiver.wait_until(lambda polled=polled: receiver.polls > polled + 1)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            if round_ == 1:  # and PostgreSQL drops everyone's connections
                with postgres.admin() as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid != pg_backend_pid()"
                    )

        mentions = Mentions(db)

        def stored() -> list[int]:
            return [m.id for m in mentions.list() if m.id is not None]

        def all_delivered() -> bool:
            try:
                ids = stored()
            except StorageError:
                return False
            return len(ids) == ALERTS and set(ids) <= set(receiver.ids())

        assert receiver.wait_until(all_delivered), f"delivered {len(set(receiver.ids()))} of {ALERTS}"
        stories = stored()
        assert len(stories) == len(set(stories)) == ALERTS  # each story once, though two feeds carry it

        assert main(["--config", str(path), "status"]) == 0
        shown = capsys.readouterr().out  # type: ignore[attr-defined]
        assert "instances: " in shown and shown.count(" heartbeat ") >= 2, shown + "".join(p.read_text() for p in logs)
    finally:
        db.close()
        for daemon in steady:
            daemon.send_signal(signal.SIGTERM)
        codes = [d.wait(timeout=60) for d in steady]
    assert codes == [0, 0]

    # Every alert arrived once per key; a repeat (a kill between "accepted" and "recorded") is the same message
    # under the same key, which the receiver does not process twice.
    assert not receiver.reused
    accepted = [i for ids in receiver.accepted.values() for i in ids]
    assert sorted(accepted) == sorted(set(accepted)) and set(accepted) == set(stories)
