"""The soak (issue 18): the real daemon, SIGKILLed at random moments of ingest and delivery over and over, against
feeds that include hostile ones and destinations that fail every way they can; then healed, and checked.

    .venv/bin/python -m bench.soak                     # 50 kills: about 4 minutes on 2 cores
    .venv/bin/python -m bench.soak --kills 200 --seed 7 --keep /tmp/soak

Not part of the test suite (it takes minutes, and its kills are random on purpose); run it after a change to the
outbox, delivery, the pipeline's transactions or storage. It needs only loopback: every server is on 127.0.0.1.

The world:
- `mention-monitor run` (a subprocess, as systemd runs it), restarted after each SIGKILL;
- a feed of complaints and praise that grows with every poll, and a mirror feed that carries some of the same stories
  (stored once: the same story from two feeds is one mention);
- hostile feeds (bench/hostile_feeds.py and tests/sources/test_hostile_feeds.py have the full list): a gzip bomb, a
  200,000-letter author (feedparser's quadratic regex: the parse worker's deadline), 3 GB of entity expansion, a
  redirect loop, a server that hangs, HTML for XML, a lone surrogate in one entry, javascript: links, 1,000 entries;
- a JSON webhook that, life by life, accepts, fails (500), asks to wait (503 with `Retry-After: 2`, 429 with an
  HTTP-date, 429 with an unreadable or a huge one), times out (408), hangs past the client's timeout after taking the
  message, or takes the message and answers 503; it honours `Idempotency-Key` as webhook receivers do (a key it has
  seen is answered 200 and not processed again);
- an SMTP server (aiosmtpd) that accepts, is down, answers 451 or 421, hangs past the client's timeout after taking
  the message, or takes it and answers 451; it dedups by `X-Mention-Monitor-Key` the same way.

Each life is killed at one moment picked at random: inside the webhook or SMTP server after it took the message and
before it answered (the one window no sender can close: the message comes again, under the same key), while a
message is on its way (before the server took it), 0-300 ms after both servers were tried (whatever they answered),
while the complaints feed is being fetched, 0-300 ms after it was served (parsing, scoring, storing, queueing), or at
any time 0.2-3 s after start (start-up and migrations included). A life whose moment does not come within 8 s is
killed then.

Time: the destinations' backoff waits 30 s after a failure, doubling, and a Retry-After may ask for an hour; a soak
that waited them out would take hours for a few kills. So between two lives (the daemon is dead) the soak moves every
wait that ends more than 2 s ahead to 0-2 s ahead, in the database (`destinations.next_attempt_at`, the pending
outbox rows' `due_at`), as if the daemon had been down that long. Nothing else in the database is touched.

At the end every server is healed, the daemon runs until the feed is exhausted, every expected mention is stored and
no alert is pending, and is stopped with SIGTERM. Then: `PRAGMA integrity_check`, every item stored once, every
expected mention stored, every alert row sent, and, as the receivers saw it, every (mention, destination) alert
accepted under exactly one key. It prints the figures and exits 1 if anything was lost or doubled.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from bench.hostile_feeds import CASES
from monitor.storage.base import to_db
from tests.loopback import ROOT, LoopbackServer, Reply, Request
from tests.mailserver import MailServer

ACK = re.compile(r"mention-monitor ack (\d+)")
STORIES = "https://blog.example.com/soak/"
LIFE = 8.0  # seconds a life waits for its moment before it is killed anyway
MiB = 1024 * 1024


# --- the receivers -----------------------------------------------------------------------------------------------


@dataclass
class Receiver:
    """One destination's side: every message with its key and the mention ids in it; the first per key is what the
    receiver processed (a key seen before is answered as accepted and not processed again)."""

    name: str
    messages: list[tuple[str, list[int]]] = field(default_factory=list)
    accepted: dict[str, list[int]] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)  # keys that came back with other alerts in them: never
    faults: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, text: str) -> None:
        ids = sorted({int(i) for i in ACK.findall(text)})
        with self.lock:
            self.messages.append((key, ids))
            if key in self.accepted and self.accepted[key] != ids:
                self.reused.append(key)
            self.accepted.setdefault(key, ids)

    def seen(self, key: str) -> bool:
        with self.lock:
            return key in self.accepted


HOOK_MODES = {  # mode -> weight
    "ok": 4,
    "500": 1,
    "503 Retry-After seconds": 1,
    "429 Retry-After HTTP-date": 1,
    "429 Retry-After unreadable": 1,
    "429 Retry-After a year": 1,
    "408": 1,
    "hangs after taking it": 1,
    "takes it, answers 503": 1,
}
# The modes in which a receiver takes the message (whatever it answers).
TAKES = frozenset({"ok", "hangs after taking it", "takes it, answers 503", "takes it, answers 451"})
SMTP_MODES = {"ok": 4, "down": 2, "451": 1, "421": 1, "hangs after taking it": 1, "takes it, answers 451": 1}


class Webhook:
    def __init__(self, killer: Killer) -> None:
        self.receiver = Receiver("hook")
        self.mode = "ok"
        self.killer = killer

    def __call__(self, request: Request) -> Reply:
        self.killer.moment("sending hook")
        self.killer.tried("hook")
        key = request.headers.get("idempotency-key", "")
        text = json.loads(request.body)["message"]
        mode = self.mode
        if self.receiver.seen(key):
            self.receiver.take(key, text)
            return Reply(200, b"{}")  # a key it processed already: accepted, not processed again
        self.receiver.faults[mode] += 1
        if mode in TAKES:
            self.receiver.take(key, text)
            self.killer.moment("accepting hook")
        if mode == "ok":
            return Reply(200, b"{}")
        if mode == "hangs after taking it":
            return Reply(200, b"{}", stall=6.0)  # past Apprise's 4 s read timeout
        return Reply(*_failure(mode))


def _failure(mode: str) -> tuple[int, bytes, dict[str, str]]:
    if mode == "503 Retry-After seconds" or mode == "takes it, answers 503":
        return 503, b"busy", {"Retry-After": "2"}
    if mode == "429 Retry-After HTTP-date":
        when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
        return 429, b"slow down", {"Retry-After": when}
    if mode == "429 Retry-After unreadable":
        return 429, b"slow down", {"Retry-After": "soon, maybe"}
    if mode == "429 Retry-After a year":
        return 429, b"slow down", {"Retry-After": str(365 * 86400)}
    return int(mode), b"failed", {}


class FaultySMTP(MailServer):
    """aiosmtpd whose answer to a message depends on `mode`; it dedups by the message key header."""

    def __init__(self, killer: Killer) -> None:
        super().__init__()
        self.receiver = Receiver("mail")
        self.mode = "ok"
        self.killer = killer

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        import asyncio
        import email as email_lib
        import email.policy

        self.killer.moment("sending mail")
        self.killer.tried("mail")
        message = email_lib.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        key = str(message.get("X-Mention-Monitor-Key", ""))
        body = message.get_body(preferencelist=("html", "plain"))
        text = body.get_content() if body is not None else ""
        mode = self.mode
        if self.receiver.seen(key):
            self.receiver.take(key, text)
            return "250 Message accepted for delivery"  # a key it processed already: not processed again
        self.receiver.faults[mode] += 1
        if mode not in TAKES:
            return f"{mode} 4.3.0 Temporary failure, try again"
        self.receiver.take(key, text)
        self.killer.moment("accepting mail")
        if mode == "hangs after taking it":
            await asyncio.sleep(20)  # past Apprise's 15 s socket timeout
        if mode == "takes it, answers 451":
            return "451 4.3.0 Temporary failure, try again"
        return "250 Message accepted for delivery"


# --- the feeds ---------------------------------------------------------------------------------------------------


def atom(entries: list[str]) -> bytes:
    head = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>soak</title>'
    return (head + "".join(entries) + "</feed>").encode()


def story(i: int, now: datetime, *, prefix: str = "urn:soak:") -> str:
    negative = i % 3 != 2
    text = (
        f"Acme Coffee order {i}: cold, burnt coffee and rude staff. Terrible, disgusting service."
        if negative
        else f"Acme Coffee order {i}: a lovely flat white and friendly staff. Wonderful!"
    )
    return (
        f"<entry><id>{prefix}{i}</id><title>Order {i}</title><link href='{STORIES}{i}'/>"
        f"<updated>{(now - timedelta(minutes=i)).isoformat()}</updated><content type='text'>{text}</content></entry>"
    )


class Stories:
    """The complaints feed (and its mirror): `per_poll` more stories every time the complaints feed is fetched."""

    def __init__(self, total: int, per_poll: int, killer: Killer, now: datetime) -> None:
        self.total, self.per_poll, self.killer, self.now = total, per_poll, killer, now
        self.polls = 0
        self.lock = threading.Lock()

    @property
    def shown(self) -> int:
        return min(self.total, self.per_poll * self.polls)

    def complaints(self, _request: Request) -> Reply:
        with self.lock:
            self.polls += 1
            body = atom([story(i, self.now) for i in range(self.shown)])
        self.killer.moment("polling")
        self.killer.moment_after("storing", 0.3)
        return Reply(200, body, {"Content-Type": "application/atom+xml"})

    def mirror(self, _request: Request) -> Reply:
        # Every fourth story, under its own ids: the same story from another feed.
        body = atom([story(i, self.now, prefix="urn:mirror:") for i in range(0, self.shown, 4)])
        return Reply(200, body, {"Content-Type": "application/atom+xml"})


def rss_items(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>h</title>' + "".join(items)
    ).encode() + b"</channel></rss>"


def neutral_item(slug: str, i: int, link: str, now: datetime, extra: str = "") -> str:
    when = email.utils.format_datetime(now - timedelta(hours=1, minutes=i), usegmt=True)
    return (
        f"<item><title>{slug} {i}</title><link>{link}</link><pubDate>{when}</pubDate>"
        f"<description>Acme Coffee opens at 7 on weekdays from December ({slug} {i}){extra}.</description></item>"
    )


def gzip_bomb(megabytes: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    return b"".join(z.compress(zeros) for _ in range(megabytes)) + z.flush()


# slug -> (reply maker, the external ids whose mentions must be stored once it healed; None: nothing is expected)
def hostile(now: datetime) -> dict[str, tuple[Callable[[str], Reply], set[str] | None]]:
    rss = {"Content-Type": "application/rss+xml"}
    bomb = gzip_bomb(64)
    author = CASES["author 200,000 letters"][1]()
    entities = CASES["100 KB entity x 30,000"][1]()
    surrogate = rss_items(
        [
            neutral_item("surrogate", i, f"https://news.example/surrogate/{i}", now, "&#xD800;" if i == 1 else "")
            for i in range(3)
        ]
    )
    links = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "https://bank.example@evil.example/"]
    scripted = rss_items([neutral_item("scripted", i, html_escape(link), now) for i, link in enumerate(links)])
    page = b"<!DOCTYPE html><html><body><p>Acme Coffee</p></body></html>"
    many = rss_items([neutral_item("many", i, f"https://news.example/many/{i}", now) for i in range(1000)])
    return {
        "gzip-bomb": (lambda _p: Reply(200, bomb, {"Content-Encoding": "gzip", **rss}), None),
        "long-author": (lambda _p: Reply(200, author, rss), None),
        "entity-expansion": (lambda _p: Reply(200, entities, rss), None),
        "redirect-loop": (lambda path: Reply(302, b"", {"Location": path}), None),
        "hangs": (lambda _p: Reply(200, b"", rss, stall=30.0), None),
        "html-for-xml": (lambda _p: Reply(200, page, {"Content-Type": "text/html"}), None),
        "surrogate": (lambda _p: Reply(200, surrogate, rss), {f"https://news.example/surrogate/{i}" for i in range(3)}),
        "javascript-links": (lambda _p: Reply(200, scripted, rss), None),
        # The newest 500 (MAX_ITEMS) of 1,000: the entries are newest first, i = 0..499.
        "1000-entries": (lambda _p: Reply(200, many, rss), {f"https://news.example/many/{i}" for i in range(500)}),
    }


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the killer --------------------------------------------------------------------------------------------------


MOMENTS = {  # moment -> weight
    "accepting hook": 2,  # inside a receiver, after it took the message, before it answered
    "accepting mail": 2,
    "sending hook": 1,  # a message on its way, before the receiver took it
    "sending mail": 1,
    "after a delivery pass": 2,  # 0-300 ms after both receivers were tried (whatever they answered)
    "polling": 2,  # while the complaints feed is being fetched
    "storing": 2,  # 0-300 ms after it was served: parsing, scoring, storing, queueing
    "any time": 2,  # 0.2-3 s after start
}


class Killer:
    """Holds the current life and the moment it is to be killed at; the servers' handlers report moments."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.proc: subprocess.Popen[bytes] | None = None
        self.plan = ""
        self._tried: set[str] = set()
        self.kills: Counter[str] = Counter()
        self._lock = threading.Lock()

    def arm(self, proc: subprocess.Popen[bytes], plan: str, *, tried: set[str]) -> None:
        with self._lock:
            self.proc, self.plan, self._tried = proc, plan, set(tried)

    def tried(self, receiver: str) -> None:
        """A receiver got a request in this life: once both did, "after a delivery pass" comes."""
        with self._lock:
            self._tried.add(receiver)
            done = self._tried >= {"hook", "mail"}
        if done:
            self.moment_after("after a delivery pass", 0.3)

    def moment(self, what: str) -> None:
        with self._lock:
            if self.proc is not None and self.plan == what:
                self._kill(what)

    def moment_after(self, what: str, within: float) -> None:
        with self._lock:
            if self.proc is not None and self.plan == what:
                proc = self.proc
                self.plan = "(scheduled)"
                delay = self.rng.uniform(0, within)
                threading.Timer(delay, self._kill_later, args=(proc, what)).start()

    def _kill_later(self, proc: subprocess.Popen[bytes], what: str) -> None:
        with self._lock:
            if self.proc is proc:
                self._kill(what)

    def kill_now(self, why: str) -> None:
        with self._lock:
            if self.proc is not None:
                self._kill(why)

    def _kill(self, why: str) -> None:
        assert self.proc is not None
        try:
            self.proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.kills[why] += 1
        self.proc, self.plan = None, ""


# --- the run -----------------------------------------------------------------------------------------------------


CONFIG = """
[monitor]
database = "monitor.db"
request_deadline = "3s"
max_backoff = "1m"

[[brands]]
name = "Acme Coffee"

[[sources]]
name = "complaints"
kind = "rss"
url = "{base}/complaints"
interval = "1s"

[[sources]]
name = "mirror"
kind = "rss"
url = "{base}/mirror"
interval = "1s"
{hostile}
[destinations]
hook = {{ url = "json://127.0.0.1:{port}/hook", group_wait = "0s", rate_limit = 10000 }}
mail = {{ url = "mailto://127.0.0.1:{smtp}?to=owner@example.com&from=monitor@example.com&mode=insecure", \
group_wait = "0s", rate_limit = 10000 }}

[[rules]]
name = "complaint"
when = "label == 'negative'"
notify = ["hook", "mail"]
"""


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def pick_fault(rng: random.Random, weights: dict[str, int], served: Counter[str]) -> str:
    """Half the time a mode the receiver has not served yet (so that a run of 50 kills meets every one), else any."""
    fresh = {mode: weight for mode, weight in weights.items() if not served[mode]}
    return pick(rng, fresh if fresh and rng.random() < 0.5 else weights)


class Soak:
    def __init__(self, folder: Path, rng: random.Random, total: int) -> None:
        self.folder = folder
        self.rng = rng
        self.now = datetime.now(UTC)  # the daemon runs on the real clock: the stories are from the last hours
        self.killer = Killer(rng)
        self.server = LoopbackServer().start()
        self.stories = Stories(total, 3, self.killer, self.now)
        self.hook = Webhook(self.killer)
        self.mail = FaultySMTP(self.killer).start()
        self.hostile = hostile(self.now)
        self.server.route("/complaints", self.stories.complaints)
        self.server.route("/mirror", self.stories.mirror)
        self.server.route("/hook", self.hook)
        for slug, (reply, _) in self.hostile.items():
            self.server.route(f"/hostile/{slug}", lambda request, r=reply: r(request.path))  # type: ignore[misc]
        sources = "".join(
            f'\n[[sources]]\nname = "{slug}"\nkind = "rss"\nurl = "{self.server.url("/hostile/" + slug)}"\n'
            f'interval = "1s"\n'
            for slug in self.hostile
        )
        (folder / "monitor.toml").write_text(
            CONFIG.format(base=self.server.url(), port=self.server.port, smtp=self.mail.port, hostile=sources)
        )
        self.db_path = folder / "monitor.db"
        self.log = (folder / "daemon.log").open("ab")
        self.lives = 0

    def close(self) -> None:
        self.killer.kill_now("closing")
        self.mail.stop()
        self.server.stop()
        self.log.close()

    def start(self) -> subprocess.Popen[bytes]:
        self.lives += 1
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(self.folder / "monitor.toml"), "run"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env={k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_SOCKET", "WATCHDOG"))},
        )

    def query(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        if not self.db_path.exists():
            return []
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # no tables yet: the first life was killed before its migrations
            return []
        finally:
            db.close()

    def fast_forward(self) -> None:
        """Between two lives: every wait ending more than 2 s ahead ends 0-2 s ahead (see the module docstring)."""
        if not self.db_path.exists():
            return
        now = datetime.now(UTC)
        soon, later = to_db(now + timedelta(seconds=self.rng.uniform(0, 2))), to_db(now + timedelta(seconds=2))
        db = sqlite3.connect(self.db_path, timeout=30)
        try:
            with db:
                db.execute("UPDATE destinations SET next_attempt_at = ? WHERE next_attempt_at > ?", (soon, later))
                db.execute("UPDATE outbox SET due_at = ? WHERE state = 'pending' AND due_at > ?", (soon, later))
        except sqlite3.OperationalError:
            pass  # no tables yet
        finally:
            db.close()

    def moments(self) -> dict[str, int]:
        """The moments this life can reach: no feed moment once the complaints feed shows nothing new, no delivery
        moment when, besides, nothing is pending."""
        weights = dict(MOMENTS)
        if self.stories.shown >= self.stories.total:
            weights.pop("polling")
            weights.pop("storing")
            pending = self.query("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
            if not pending or not pending[0][0]:
                weights = {moment: w for moment, w in weights.items() if moment in ("any time",)}
        return weights

    def set_faults(self, hook: str, mail: str) -> None:
        self.hook.mode = hook
        if mail == "down":
            self.mail.receiver.faults["down"] += 1  # lives it was down for: nothing reaches it to count
            self.mail.stop()
        elif self.mail._controller is None:
            self.mail.start()
        self.mail.mode = mail

    def life(self) -> None:
        plan = pick(self.rng, self.moments())
        hook = pick_fault(self.rng, HOOK_MODES, self.hook.receiver.faults)
        mail = pick_fault(self.rng, SMTP_MODES, self.mail.receiver.faults)
        # The receiver a delivery moment waits for must take the message (accepting) or be up (sending). The hook
        # is tried first ("hook" < "mail"), so a moment at the mail server meets the hook's fault of the life.
        if plan == "accepting hook" and hook not in TAKES:
            hook = pick(self.rng, {m: w for m, w in HOOK_MODES.items() if m in TAKES})
        if plan == "accepting mail" and mail not in TAKES:
            mail = pick(self.rng, {m: w for m, w in SMTP_MODES.items() if m in TAKES})
        if plan == "sending mail" and mail == "down":
            mail = "ok"
        self.set_faults(hook, mail)
        self.fast_forward()
        proc = self.start()
        self.killer.arm(proc, plan, tried={"mail"} if mail == "down" else set())
        if plan == "any time":
            threading.Timer(self.rng.uniform(0.2, 3.0), self.killer.moment, args=("any time",)).start()
        try:
            proc.wait(timeout=LIFE)
        except subprocess.TimeoutExpired:
            self.killer.kill_now(f"after {LIFE:g} s (waiting to kill {plan})")
        proc.wait()

    def heal(self, wait: float, expected: set[str]) -> tuple[bool, float]:
        """Every server works again; the daemon runs until all is stored and delivered (at most `wait` s)."""
        self.set_faults("ok", "ok")
        self.fast_forward()
        started = time.monotonic()
        proc = self.start()
        done = False
        try:
            while time.monotonic() - started < wait and proc.poll() is None:
                if self.stories.shown >= self.stories.total and self.settled(expected):
                    done = True
                    break
                time.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return done, time.monotonic() - started

    def settled(self, expected: set[str]) -> bool:
        stored = {str(url) for (url,) in self.query("SELECT url FROM mentions")}
        pending = self.query("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
        return expected <= stored and bool(pending) and pending[0][0] == 0


@dataclass
class Verdict:
    lines: list[str] = field(default_factory=list)
    lost: int = 0
    doubled: int = 0


def verify(soak: Soak, expected: set[str]) -> Verdict:
    v = Verdict()
    (integrity,) = soak.query("PRAGMA integrity_check")[0]
    foreign = soak.query("PRAGMA foreign_key_check")
    v.lines.append(f"PRAGMA integrity_check: {integrity}; foreign_key_check: {len(foreign)} problems")
    if integrity != "ok" or foreign:
        v.lost += 1  # a damaged database is a loss whatever the counts say

    # Items: each once (per source and id, and per story across the two feeds), and every expected one there.
    mentions = soak.query("SELECT source, external_id, url FROM mentions")
    by_id = Counter((source, external_id) for source, external_id, _ in mentions)
    by_story = Counter(url for _, _, url in mentions if str(url).startswith(STORIES))
    doubled_items = sum(n - 1 for n in by_id.values() if n > 1) + sum(n - 1 for n in by_story.values() if n > 1)
    missing = expected - {str(url) for _, _, url in mentions}
    hostile_stored = Counter(str(s) for s, _, _ in mentions if s not in ("complaints", "mirror"))
    v.lines.append(
        f"mentions: {len(mentions)} stored ({len(by_story)} of {soak.stories.total} stories from 2 feeds, "
        f"{sum(hostile_stored.values())} from hostile feeds: {dict(sorted(hostile_stored.items()))}); "
        f"{len(missing)} lost, {doubled_items} doubled"
    )
    v.lost += len(missing)
    v.doubled += doubled_items

    # Alerts: every row sent, and each (mention, destination) accepted under exactly one key.
    rows = soak.query("SELECT mention_id, destination, state FROM outbox WHERE mention_id IS NOT NULL")
    states = Counter(str(state) for _, _, state in rows)
    sent = {(int(str(m)), str(d)) for m, d, state in rows if state == "sent"}
    receivers = {"hook": soak.hook.receiver, "mail": soak.mail.receiver}
    keys_of: dict[tuple[int, str], set[str]] = {}
    messages = resent = notices = 0
    for name, receiver in receivers.items():
        messages += len(receiver.accepted)
        resent += len(receiver.messages) - len(receiver.accepted)
        for key, ids in receiver.accepted.items():
            notices += not ids
            for i in ids:
                keys_of.setdefault((i, name), set()).add(key)
    received = set(keys_of)
    queued = {(int(str(m)), str(d)) for m, d, _ in rows}
    lost_alerts = len((queued - received) | (queued - sent))  # never accepted, or still not recorded as sent
    doubled_alerts = sum(len(keys) - 1 for keys in keys_of.values())
    invented = len(received - queued)
    reused = sum(len(r.reused) for r in receivers.values())
    v.lines.append(
        f"alerts: {len(rows)} ({len({m for m, _, _ in rows})} mentions x 2 destinations), rows {dict(states)}; "
        f"received in {messages} messages (+{notices} operator notices among them), {resent} messages came again "
        f"under a key already taken (the window), {lost_alerts} lost, {doubled_alerts} doubled, "
        f"{invented} never queued, {reused} keys reused for other alerts"
    )
    v.lost += lost_alerts
    v.doubled += doubled_alerts + invented + reused
    for name, receiver in receivers.items():
        v.lines.append(f"  {name} served: {dict(receiver.faults.most_common())}")
    return v


def hostile_outcomes(soak: Soak) -> list[str]:
    rows = soak.query(
        "SELECT name, fetches_total, errors_total, items_total, last_error FROM sources "
        "WHERE name NOT IN ('complaints', 'mirror') ORDER BY name"
    )
    return [
        f"  {name}: {fetches} fetches, {errors} failed, {items} items; last error: {str(error or '-')[:100]}"
        for name, fetches, errors, items, error in rows
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="python -m bench.soak")
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs before healing (default 50)")
    parser.add_argument("--stories", type=int, default=120, help="entries the complaints feed grows to (default 120)")
    parser.add_argument("--seed", type=int, default=None, help="the random seed (default: a new one, printed)")
    parser.add_argument("--heal", type=float, default=240.0, help="seconds the healed run may take at most")
    parser.add_argument("--keep", type=Path, help="keep the database and the daemon's log in this folder")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    rng = random.Random(seed)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    soak = Soak(folder, rng, args.stories)
    try:
        expected = {f"{STORIES}{i}" for i in range(args.stories)}
        for _, must in soak.hostile.values():
            expected |= must or set()
        while sum(soak.killer.kills.values()) < args.kills:
            soak.life()
            print(f"\rkills: {sum(soak.killer.kills.values())}/{args.kills}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        healed, took = soak.heal(args.heal, expected)
        verdict = verify(soak, expected)
        outcomes = hostile_outcomes(soak)
    finally:
        soak.close()
    log = (folder / "daemon.log").read_text(errors="replace")
    elapsed = time.monotonic() - started
    print(f"soak: seed {seed}, {elapsed / 60:.1f} min, folder {folder}")
    kills = soak.killer.kills
    print(f"SIGKILLs: {sum(kills.values())} ({', '.join(f'{k} {n}' for k, n in kills.most_common())})")
    print(f"daemon lives: {soak.lives}; tracebacks in its log: {log.count('Traceback')}")
    print(f"healed run: {'done' if healed else 'NOT DONE'} in {took:.0f} s")
    for line in verdict.lines:
        print(line)
    print("hostile feeds, as the daemon last saw them:")
    for line in outcomes:
        print(line)
    print(f"lost {verdict.lost}, doubled {verdict.doubled}")
    if args.keep is None and verdict.lost == 0 and verdict.doubled == 0 and healed:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if healed and verdict.lost == 0 and verdict.doubled == 0 and "Traceback" not in log else 1


if __name__ == "__main__":
    sys.exit(main())
