"""`mention-monitor demo`: the whole pipeline, offline, on real captured samples.

It serves the bundled samples (monitor/demo_data, see its PROVENANCE.md) on a loopback port, writes a demo config
and a SQLite database into a temporary folder, runs one full cycle (poll, match, score, store, rules, deliver) and
prints every alert exactly as it would be sent — then moves a simulated clock a day on to show the "still
unanswered" escalation. Nothing leaves the machine: destinations print instead of sending.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from alerts.render import Message
from monitor.cli.context import Context
from monitor.cli.present import mention_row
from monitor.clock import FixedClock
from monitor.logs import safe
from monitor.service.app import build, check, load
from monitor.service.daemon import run_once, timers

DEMO_CONFIG = """
[monitor]
database = "demo.db"
timezone = "UTC"
user_agent = "mention-monitor demo"
alert_max_age = "36500d"                # the samples are years old; a real install alerts only on the last 7 days

[[brands]]
name = "Quay"
terms = ["Quay restaurant"]

[[brands]]
name = "Slack"
terms = ["Slack"]

[[brands]]
name = "Anker"
terms = ["Anker"]                       # not "portable charger": another maker's charger is not about Anker

[[brands]]
name = "Visited app"
terms = []

[[sources]]
name = "google-maps"
kind = "google_places"
place_id = "ChIJ02qnq0KuEmsRHUJF4zo1x4I"
api_key = "demo-key"
brand = "Quay"
base_url = "{base}"

[[sources]]
name = "google-alerts"
kind = "rss"
url = "{base}/google_alerts_slack.xml"

[[sources]]
name = "reddit-search"
kind = "rss"
url = "{base}/reddit_portable_charger.xml"

[[sources]]
name = "app-store-gb"
kind = "appstore"
app_id = "1510826067"
country = "gb"
brand = "Visited app"
base_url = "{base}"

[destinations]
owner_phone = "ntfys://demo-owner-alerts"
owner_email = "mailtos://demo:demo@smtp.example.com?to=owner@example.com"

[[rules]]
name = "bad review"
when = "rating <= 2 or sentiment <= -0.5"
notify = ["owner_phone", "owner_email"]

[[rules]]
name = "unanswered complaint"
when = "label == 'negative'"
unanswered_after = "24h"
notify = ["owner_email"]
"""

# The sample responses, by the path each source asks for.
ROUTES = {
    "/google_alerts_slack.xml": "google_alerts_slack.xml",
    "/reddit_portable_charger.xml": "reddit_portable_charger.xml",
    "/maps/api/place/details/json": "google_places_quay.json",
    "/gb/rss/customerreviews/page=1/id=1510826067/sortby=mostrecent/json": "appstore_gb.json",
}


class _Samples(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        name = ROUTES.get(self.path.split("?", 1)[0])
        if name is None:  # pages past the samples: an empty App Store page
            body = b'{"feed": {}}' if "customerreviews" in self.path else b""
            self.send_response(200 if body else 404)
        else:
            body = (resources.files("monitor.cli") / "demo_data" / name).read_bytes()
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class PrintingSender:
    """Stands in for an Apprise destination: shows the message instead of sending it."""

    name: str
    channel: str

    def send(self, message: Message, *, attachments: Sequence[tuple[str, str, bytes]] = ()) -> PrintingSender.Result:
        rule = "─" * 78
        print(f"\n┌{rule}\n│ ALERT to {self.name} ({self.channel})\n│ {safe(message.title)}\n├{rule}")
        for line in message.body.splitlines():
            print(f"│ {safe(line)}")
        print(f"└{rule}")
        return PrintingSender.Result(True, False, "printed by the demo")

    @dataclass
    class Result:
        ok: bool
        retryable: bool
        detail: str


def command(ctx: Context) -> int:
    """The tour starts at the real time; its clock is then moved on by hand to show the escalation."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Samples))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="mention-monitor-demo-") as folder:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            return asyncio.run(_tour(Path(folder), base, FixedClock(ctx.clock.now())))
    finally:
        server.shutdown()
        server.server_close()


async def _tour(folder: Path, base: str, clock: FixedClock) -> int:
    path = folder / "monitor.toml"
    path.write_text(DEMO_CONFIG.format(base=base), encoding="utf-8")
    checked = check(load(path, environ={}))
    senders = {name: PrintingSender(name, sender.channel) for name, sender in checked.senders.items()}
    app = build(checked, clock, senders=senders)
    print("mention-monitor demo — real captured samples served on", base)
    print(f"(config and database in {folder}; nothing is sent anywhere)\n")
    try:
        report = await run_once(app)
        for poll in report.polled:
            got = f"{len(poll.report.new)} new mentions" if poll.ok and poll.report else f"failed: {poll.error}"
            print(f"  polled {poll.source:15} {got}")
        mentions = app.pipeline.mentions.list()
        print("\nMentions stored (mention-monitor mentions list):")
        for m in mentions[:40]:
            print(safe(mention_row(m)))
        print(
            f"({len(mentions)} mentions; labels: "
            + ", ".join(
                f"{label} {sum(1 for m in mentions if m.label == label)}"
                for label in ("negative", "neutral", "positive", "unscored")
            )
            + ")"
        )
        print("\n... a day passes and nobody answers the complaints ...")
        clock.advance(timedelta(hours=25))
        await timers(app, flush=True)
    finally:
        await app.aclose()
    print("\nNext: write your own monitor.toml (see the example in the repository), then")
    print("  mention-monitor --config monitor.toml check && mention-monitor --config monitor.toml run")
    sys.stdout.flush()
    return 0
