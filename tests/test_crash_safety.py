"""Crash safety: the daemon is killed with SIGKILL at random moments while a burst of complaints is being alerted,
restarted, and every alert arrives exactly once as the receiver sees it.

A kill that lands between the destination accepting a message and the daemon recording it (the one window no
sender can close) makes the daemon send that message again — as the same message, with the same Idempotency-Key,
which the receiver here honours the way a webhook receiver does (Stripe, GitHub, ...): a key it has already
accepted is answered 200 and not processed again."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.errors import StorageError
from monitor.storage.database import open_database
from monitor.storage.mentions import Mentions
from tests.loopback import ROOT, LoopbackServer, Reply, Request

ALERTS = 60
PER_POLL = 5
KILLS = 8
WAIT = 60.0  # upper bound for an event to happen; the test never sleeps
ACK = re.compile(r"mention-monitor ack (\d+)")


def feed(entries: int, now: datetime) -> bytes:
    items = "".join(
        f"""<entry><id>urn:crash:{i}</id><title>Complaint {i}</title>
<link href="https://blog.example.com/complaint-{i}"/><updated>{(now - timedelta(minutes=i)).isoformat()}</updated>
<content type="text">Acme Coffee order {i}: cold, burnt coffee and rude staff. Terrible, disgusting service.</content>
</entry>"""
        for i in range(entries)
    )
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{items}</feed>'.encode()


class Receiver:
    """The webhook side: records every message with its key and the mention ids in it, and what it accepted once per
    key; counts the daemon's feed polls too, so the test can wait for either (with a bound), then kill."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.messages: list[tuple[str, list[int]]] = []  # every request, repeats included
        self.accepted: dict[str, list[int]] = {}  # what the receiver processed: one entry per key
        self.reused: list[str] = []  # keys that came back with a different message (must stay empty)
        self.polls = 0
        self.changed = threading.Condition()

    def hook(self, request: Request) -> Reply:
        key = request.headers.get("idempotency-key", "")
        ids = [int(i) for i in ACK.findall(json.loads(request.body)["message"])]
        with self.changed:
            self.messages.append((key, ids))
            if key in self.accepted and self.accepted[key] != ids:
                self.reused.append(key)
            self.accepted.setdefault(key, ids)
            self.changed.notify_all()
        return Reply(200, b"{}")

    def feed(self, _request: Request) -> Reply:
        with self.changed:
            self.polls += 1
            body = feed(min(PER_POLL * self.polls, ALERTS), self.now)
            self.changed.notify_all()
        return Reply(200, body, {"Content-Type": "application/atom+xml"})

    def ids(self) -> list[int]:
        return [i for _, message in self.messages for i in message]

    def wait_until(self, test: Callable[[], bool]) -> bool:
        with self.changed:
            return self.changed.wait_for(test, timeout=WAIT)


def test_sigkill_during_a_burst_loses_no_alert(tmp_path: Path, server: LoopbackServer) -> None:
    receiver = Receiver(datetime.now(UTC))
    server.route("/feed", receiver.feed)
    server.route("/hook", receiver.hook)
    (tmp_path / "monitor.toml").write_text(
        f"""
[monitor]
database = "monitor.db"

[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blog"
kind = "rss"
url = "{server.url("/feed")}"
interval = "1s"

[destinations]
hook = {{ url = "json://127.0.0.1:{server.port}/hook", group_wait = "0s", rate_limit = 10000 }}

[[rules]]
name = "complaint"
when = "label == 'negative'"
notify = ["hook"]
"""
    )

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(tmp_path / "monitor.toml"), "run"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ),
        )

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    moments = {"while an alert is being accepted": 0, "while polling": 0, "between alerts": 0}
    for _ in range(KILLS):
        if len(set(receiver.ids())) == ALERTS:
            break
        daemon = start()
        moment = rng.choice(list(moments))
        sent, polled = len(receiver.messages), receiver.polls
        if moment == "while an alert is being accepted":
            reached = receiver.wait_until(lambda sent=sent: len(receiver.messages) > sent)
        elif moment == "while polling":
            reached = receiver.wait_until(lambda polled=polled: receiver.polls > polled)
        else:  # an alert went out, then the daemon went on to poll again
            reached = receiver.wait_until(lambda sent=sent: len(receiver.messages) > sent) and receiver.wait_until(
                lambda polled=polled: receiver.polls > polled + 1
            )
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
        moments[moment] += 1
        if not reached:
            break
    daemon = start()
    polled = receiver.polls
    db = open_database(str(tmp_path / "monitor.db"), migrate=False)
    try:
        mentions = Mentions(db)

        def stored() -> set[int]:
            return {m.id for m in mentions.list() if m.id is not None}

        def all_delivered() -> bool:
            try:
                ids = stored()
            except StorageError:  # the daemon has not created its tables yet
                return False
            return len(ids) == ALERTS and ids <= set(receiver.ids())

        assert receiver.wait_until(all_delivered), f"seed {seed}: delivered {len(set(receiver.ids()))} of {ALERTS}"
        stored_ids = stored()
    finally:
        db.close()
    # Stop it once it is running (a SIGTERM during interpreter start-up ends it before its handler is installed).
    assert receiver.wait_until(lambda: receiver.polls > polled)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=WAIT) == 0

    repeats = 0
    seen: set[int] = set()
    for key, message in receiver.messages:
        assert key.startswith("mm-"), "every alert carries its message key"
        repeats += bool(seen & set(message))
        seen |= set(message)
    accepted = [i for ids in receiver.accepted.values() for i in ids]
    print(
        f"\nseed {seed}: SIGKILLs {moments}; {ALERTS} alerts expected; {len(receiver.messages)} requests, "
        f"{repeats} of them repeats; {len(receiver.accepted)} messages and {len(accepted)} alerts accepted by key"
    )
    assert seen == stored_ids  # nothing lost, nothing invented
    assert receiver.reused == [], "a key was reused for a different message"
    # Exactly once as the receiver sees it: no alert in two messages with different keys.
    assert sorted(accepted) == sorted(stored_ids)
    # Only a kill between the destination's "accepted" and our record of it causes a repeat, and one at most. (A kill
    # timed "while polling" or "between alerts" can land in that window too: delivery runs beside polling.)
    assert repeats <= sum(moments.values())
