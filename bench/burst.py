"""Benchmark: a burst of matching mentions delivered to one e-mail destination and one webhook (issue 23).

    python bench/burst.py [--mentions 1000] [--profile] [--no-daemon] [--size tiny|default]

The mentions are real App Store review texts (../shared/fixtures, as in bench/history.py) that name the brand,
served as Atom feeds of 250 entries by a real HTTP server on 127.0.0.1 (one response yields at most 500: a burst of
1,000 is four feeds, polled at once). One rule matches every one of them and notifies both destinations, each with
the defaults: `group_wait` 30 s and `rate_limit` 20 messages an hour. The e-mail goes to a real SMTP server
(aiosmtpd, tests/mailserver.py), the webhook (`json://`) to the same HTTP server (tests/loopback.py).

The 30 s target counts from the end of group_wait: group_wait is the owner's own choice to wait for the rest of a
burst (in the config, 30 s by default); everything after it is ours. Two runs:

  pass     the app built from a config file as `mention-monitor run` builds it (as tests/apps.py does), on a
           FixedClock: the feeds are polled (timed), the clock moves on by group_wait, and the daemon's periodic work
           (`timers`, what each tick runs) runs until nothing more is due. The daemon starts that pass when
           group_wait ends (it wakes at the outbox's next due row, `Outbox.next_due_at`).
  daemon   `mention-monitor run` in a child process, on the system clock: group_wait is waited out for real and the
           daemon's own ticks decide when the pass runs; from the last mention stored (the outbox's newest row) plus
           group_wait to the last message's arrival. Not at --size tiny (it takes group_wait and more).

Checked, from what the servers received and the outbox: every mention is in exactly one delivered message at each
destination (listed in it by its number, or counted in its "+N more" line), no message arrived twice (by its
idempotency key: `X-Mention-Monitor-Key` on e-mail, `Idempotency-Key` on the webhook), and the most messages in any
hour against `rate_limit`. `--profile` prints the pass's cProfile to stderr. `--size tiny`: 120 mentions, the pass
only. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiosmtpd.smtp import SMTP, Envelope, Session  # noqa: E402

from bench.report import Figure, emit, options, peak_rss  # noqa: E402
from monitor.clock import FixedClock  # noqa: E402
from monitor.service.app import App  # noqa: E402
from monitor.service.daemon import TICK, poll_one, timers  # noqa: E402
from monitor.service.scheduler import PollOutcome  # noqa: E402
from monitor.storage.database import Database, from_db, open_database  # noqa: E402
from monitor.storage.outbox import Outbox  # noqa: E402
from sources import appstore  # noqa: E402
from tests.apps import close, make_app, run, write_config  # noqa: E402
from tests.loopback import LoopbackServer, Reply, Request  # noqa: E402
from tests.mailserver import MailServer  # noqa: E402

NOW = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # the pass's clock: Monday 10:00 in Tokyo
SIZES = {"tiny": 120, "default": 1000}
PER_FEED = 250  # entries per feed: a burst of 1,000 is four feeds (one response yields at most 500)
BUDGET = 30.0  # seconds, from the end of group_wait (see the module docstring)
DAEMON_TIMEOUT = 180.0  # seconds the daemon gets to deliver everything
REVIEWS = ROOT.parent / "shared" / "fixtures" / "real" / "app_store_reviews"
BRAND = "Acme Coffee"
DESTINATIONS = {"e-mail": ("owner_email", "email"), "webhook": ("team_hook", "webhook")}  # name, form
LISTED = {  # how each form names a mention it lists
    "email": re.compile(r"mention-monitor ack (\d+)"),
    "webhook": re.compile(r"^#(\d+) · ", re.MULTILINE),
}
MORE = re.compile(r"\+([\d,]+) more")


def reviews() -> list[tuple[str, str]]:
    pool = []
    for name, language in (("jcoynel_1510826067_gb_1.json", "en"), ("jcoynel_497799835_fr_1.json", "fr")):
        for item in appstore.parse((REVIEWS / name).read_bytes(), language):
            pool.append((item.title, item.text))
    return pool


def feeds(count: int, now: datetime) -> list[bytes]:
    """`count` entries naming the brand, published in the hour before `now`, in Atom documents of PER_FEED; each
    entry is new (its own id, link and order number)."""
    pool = reviews()
    documents = []
    for start in range(0, count, PER_FEED):
        entries = []
        for n in range(start, min(start + PER_FEED, count)):
            title, text = pool[(n * 7) % len(pool)]
            published = now - timedelta(minutes=1 + n % 50)
            entries.append(
                f"<entry><id>urn:burst:{n}</id><title>{xml_escape(title)} (order {n})</title>"
                f'<link href="https://reviews.example.com/acme/{n}"/>'
                f"<updated>{published:%Y-%m-%dT%H:%M:%SZ}</updated><author><name>customer{n}</name></author>"
                f'<content type="text">{BRAND}: {xml_escape(text)} (order {n})</content></entry>'
            )
        documents.append(
            (
                '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>Reviews</title><id>urn:burst:{start}</id><updated>{now:%Y-%m-%dT%H:%M:%SZ}</updated>"
                + "".join(entries)
                + "</feed>"
            ).encode()
        )
    return documents


def config(feed_urls: list[str], mail_url: str, hook_url: str) -> str:
    sources = "".join(
        f'[[sources]]\nname = "reviews{n}"\nkind = "rss"\nurl = "{u}"\n\n' for n, u in enumerate(feed_urls)
    )
    return f"""
[[brands]]
name = "{BRAND}"
terms = ["{BRAND}"]

{sources}
[destinations]
owner_email = "{mail_url}"
team_hook = "{hook_url}"

[[rules]]
name = "every mention"
when = "brand == '{BRAND}'"
notify = ["owner_email", "team_hook"]
"""


class TimedMail(MailServer):
    """The test suite's SMTP server, noting when each message arrived (the wall clock, time.time())."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.arrived.append(time.time())
        return await super().handle_DATA(server, session, envelope)

    def bodies(self) -> list[tuple[float, str, str]]:
        """(arrived, key, HTML) of each message."""
        out = []
        for arrived, message in zip(self.arrived, self.messages, strict=True):
            assert isinstance(message, EmailMessage)
            part = message.get_body(preferencelist=("html",))
            html = part.get_content() if part is not None else ""
            out.append((arrived, str(message["X-Mention-Monitor-Key"] or ""), html))
        return out


@dataclass
class Hook:
    """The webhook's receiving end: each post's arrival (time.time()), key and text."""

    posts: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Reply:
        message = json.loads(request.body)["message"]
        with self.lock:
            self.posts.append((time.time(), request.headers.get("idempotency-key", ""), message))
        return Reply(200)


@dataclass
class Servers:
    """The feeds, the SMTP server and the webhook, on 127.0.0.1."""

    count: int
    now: datetime
    mail: TimedMail = field(default_factory=TimedMail)
    hook: Hook = field(default_factory=Hook)
    http: LoopbackServer = field(default_factory=LoopbackServer)

    def __enter__(self) -> Servers:
        documents = feeds(self.count, self.now)
        for n, document in enumerate(documents):
            self.http.route(f"/feed/{n}", body=document, headers={"Content-Type": "application/atom+xml"})
        self.http.route("/hook", self.hook)
        self.feeds = len(documents)
        self.http.start()
        self.mail.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.stop()
        self.mail.stop()

    def config(self) -> str:
        urls = [self.http.url(f"/feed/{n}") for n in range(self.feeds)]
        return config(urls, self.mail.url(), f"json://127.0.0.1:{self.http.port}/hook")

    def received(self, name: str) -> list[tuple[float, str, str]]:
        return self.mail.bodies() if name == "e-mail" else list(self.hook.posts)


@dataclass(frozen=True)
class Received:
    """One destination's side of the burst, checked against the outbox."""

    messages: int
    hourly: int  # the most messages in any hour, from the notification log
    sizes: list[int]  # characters of each message's body (the e-mail's HTML)
    listed: int  # mentions listed by number, over all messages
    counted: int  # mentions counted in a "+N more" line
    covered: int  # distinct mentions in a delivered message (listed or counted)
    lost: int
    doubled: int  # mentions in two messages, plus messages that arrived twice
    last: float  # time.time() of the last arrival

    @property
    def whole(self) -> bool:
        return self.lost == 0 and self.doubled == 0

    def note(self) -> str:
        sizes = sorted(self.sizes) or [0]
        largest, median = sizes[-1], sizes[len(sizes) // 2]
        return (
            f"{self.messages} messages, most in any hour {self.hourly}; {self.listed:,} mentions listed, "
            f"{self.counted:,} counted in '+N more'; {largest:,} characters at most, median {median:,}"
        )


def check(db: Database, name: str, bodies: list[tuple[float, str, str]], ids: set[int]) -> Received:
    """What arrived at destination `name`, against the outbox: the mentions recorded under each message's key are
    the ones it lists by number plus the ones its "+N more" counts (or it accounts only for those it lists)."""
    destination, form = DESTINATIONS[name]
    rows = db.query("SELECT mention_id, send_key FROM outbox WHERE destination = ? AND state = 'sent'", (destination,))
    by_key: dict[str, set[int]] = {}
    for r in rows:
        by_key.setdefault(r["send_key"], set()).add(r["mention_id"])
    keys = Counter(key for _, key, _ in bodies)
    listed = counted = 0
    seen: Counter[int] = Counter()
    for _, key, body in bodies:
        in_message = by_key.get(key, set())
        shown = {int(n) for n in LISTED[form].findall(body)} & in_message
        more = MORE.search(body)
        hidden = int(more.group(1).replace(",", "")) if more else 0
        listed += len(shown)
        counted += hidden
        seen.update(in_message if len(shown) + hidden == len(in_message) else shown)
    log = Outbox(db).notification_log(destination, datetime(2000, 1, 1, tzinfo=UTC))
    hour = timedelta(hours=1)
    return Received(
        messages=len(bodies),
        hourly=max((sum(1 for d in log if s.sent_at <= d.sent_at < s.sent_at + hour) for s in log), default=0),
        sizes=[len(b) for _, _, b in bodies],
        listed=listed,
        counted=counted,
        covered=len(set(seen) & ids),
        lost=len(ids - set(seen)),
        doubled=sum(n - 1 for n in seen.values() if n > 1) + sum(n - 1 for n in keys.values() if n > 1),
        last=max((t for t, _, _ in bodies), default=0.0),
    )


async def polls(app: App, feeds: int) -> list[PollOutcome | None]:
    """Every feed polled at once, as the daemon starts the due ones."""
    return await asyncio.gather(*(poll_one(app, f"reviews{n}") for n in range(feeds)))


def in_process(count: int, profile: bool) -> Iterator[Figure]:
    """The pass: see the module docstring."""
    clock = FixedClock(NOW)
    with Servers(count, NOW) as servers, tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder), servers.config(), clock)
        try:
            started = time.perf_counter()
            outcomes = run(app, polls(app, servers.feeds))
            new = sum(len(o.report.new) for o in outcomes if o is not None and o.report is not None)
            ids = {r["mention_id"] for r in app.db.query("SELECT DISTINCT mention_id FROM outbox")}
            yield Figure("burst", f"ingest: {servers.feeds} feeds polled at once, {new:,} new mentions",
                         time.perf_counter() - started, "s", note=f"{len(ids):,} matched the rule")  # fmt: skip
            settings = app.checked.config.destinations["owner_email"]
            clock.advance(settings.group_wait)
            profiler = cProfile.Profile() if profile else None
            began, cpu = time.time(), time.process_time()
            passes = held = 0
            while True:  # the daemon's ticks while anything is due (one, unless something is held)
                if profiler:
                    profiler.enable()
                report = run(app, timers(app, flush=False))
                if profiler:
                    profiler.disable()
                passes, held = passes + 1, held + report.delivery.held
                if not app.deliverer.outbox.destinations_due(clock.now()):
                    break
                clock.advance(timedelta(seconds=TICK))
            wall, cpu = time.time() - began, time.process_time() - cpu
            pending = app.deliverer.outbox.depth().get("pending", 0)
            yield Figure("burst", "pass: the delivery after group_wait, both destinations", wall, "s",
                         note=f"{passes} pass(es); {cpu:.2f} s CPU, the servers' threads included; {held} alerts held, "
                         f"{pending} pending")  # fmt: skip
            for name in DESTINATIONS:
                seen = check(app.db, name, servers.received(name), ids)
                after = seen.last - began if seen.whole else float("inf")
                yield Figure("burst", f"pass, {name}: every mention delivered, after group_wait", after, "s",
                             target=BUDGET, note=f"{seen.covered:,} of {len(ids):,}; {seen.lost} lost, "
                             f"{seen.doubled} doubled; {seen.note()}")  # fmt: skip
                yield Figure("burst", f"pass, {name}: the most messages in any hour", seen.hourly, "",
                             target=settings.rate_limit)  # fmt: skip
            yield Figure("burst", "peak RSS of this benchmark's process", peak_rss(), "MiB")
            if profiler:
                stats = pstats.Stats(profiler, stream=sys.stderr)
                stats.sort_stats("cumulative").print_stats(40)
                stats.sort_stats("tottime").print_stats(25)
        finally:
            close(app)


def daemon(count: int) -> Iterator[Figure]:
    """The real daemon: see the module docstring."""
    with Servers(count, datetime.now(UTC)) as servers, tempfile.TemporaryDirectory() as folder:
        path = write_config(Path(folder), servers.config())
        log = Path(folder) / "daemon.log"
        with log.open("w") as err:
            child = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(path), "run"],
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        database = Path(folder) / "monitor.db"
        try:
            deadline = time.time() + DAEMON_TIMEOUT
            while time.time() < deadline and child.poll() is None and not _all_sent(database, count):
                time.sleep(0.25)  # the daemon works in its own process: this only waits to look again
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=60)
        db = open_database(f"sqlite:///{database}")
        try:
            ids = {r["mention_id"] for r in db.query("SELECT DISTINCT mention_id FROM outbox")}
            row = db.one("SELECT MAX(created_at) AS at FROM outbox")
            stored = from_db(row["at"]) if row is not None else None
            assert stored is not None, log.read_text()[-2000:]
            ends = stored.timestamp() + 30.0  # group_wait's default
            for name in DESTINATIONS:
                seen = check(db, name, servers.received(name), ids)
                after = seen.last - ends if seen.whole else float("inf")
                yield Figure("burst", f"daemon, {name}: every mention delivered, after group_wait", after, "s",
                             target=BUDGET, note=f"`mention-monitor run`, system clock; {seen.covered:,} of "
                             f"{len(ids):,}; {seen.lost} lost, {seen.doubled} doubled; {seen.note()}")  # fmt: skip
        finally:
            db.close()


def _all_sent(database: Path, count: int) -> bool:
    """Whether the daemon has marked every alert of the burst sent, at both destinations (read-only)."""
    if not database.exists():
        return False
    import sqlite3

    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as con:
            rows = con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sent' GROUP BY destination").fetchall()
    except sqlite3.Error:
        return False
    return len(rows) == len(DESTINATIONS) and all(n >= count for (n,) in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, help="the burst's size (default: 1,000; tiny: 120)")
    parser.add_argument("--profile", action="store_true", help="cProfile of the delivery pass, to stderr")
    parser.add_argument("--no-daemon", action="store_true", help="the pass only, not the real daemon")
    args = options(parser)
    count = args.mentions or SIZES[args.size]
    emit(in_process(count, args.profile), args.report)
    if args.size != "tiny" and not args.no_daemon:
        emit(daemon(count), args.report)


if __name__ == "__main__":
    main()
