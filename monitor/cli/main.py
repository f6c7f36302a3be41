"""The command line (DESIGN.md's contract): the parser and the dispatch to one module per command.

Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage. Each command module has `command(ctx) -> int` and is
imported only when it runs, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__, logs
from monitor.cli.context import Command, Context
from monitor.clock import Clock, SystemClock
from monitor.config import Config, default_config_path
from monitor.errors import ConfigError, MonitorError

log = logging.getLogger("mention-monitor")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mention-monitor",
        description="Watch what people say about your brand; get alerted about complaints and bad reviews.",
    )
    p.add_argument("--config", type=Path, help="monitor.toml (default: $MENTION_MONITOR_CONFIG, then ./monitor.toml)")
    p.add_argument("--version", action="version", version=f"mention-monitor {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the daemon (or one full cycle with --once)")
    run.add_argument("--once", action="store_true", help="poll every source, apply rules, deliver, then exit")
    sub.add_parser("check", help="validate the config and show what was understood")
    sub.add_parser("demo", help="an offline tour: bundled real samples through the whole pipeline")
    sub.add_parser("status", help="sources' health, outbox depth, last digest")

    mentions = sub.add_parser("mentions", help="stored mentions")
    msub = mentions.add_subparsers(dest="mentions_command", required=True, metavar="SUBCOMMAND")
    listing = msub.add_parser("list", help="list stored mentions, newest first")
    listing.add_argument("--status", choices=["new", "alerted", "acknowledged", "responded", "resolved", "ignored"])
    listing.add_argument("--since", help="only mentions published within this duration, e.g. 7d")
    listing.add_argument("--brand")
    listing.add_argument("--limit", type=int, default=200)
    listing.add_argument("--json", action="store_true", help="a JSON array (the scripting interface)")

    for verb, text in (
        ("ack", "acknowledged: someone is on it (stops 'unanswered' escalations)"),
        ("respond", "responded: the customer got an answer"),
        ("resolve", "resolved: done"),
        ("ignore", "ignored: needs no answer"),
    ):
        cmd = sub.add_parser(verb, help=f"mark a mention {text}")
        cmd.add_argument("mention_id", type=int, metavar="MENTION_ID")
        cmd.add_argument("--note", default="", help="why, for the audit trail")

    rules = sub.add_parser("rules", help="try the rules")
    rsub = rules.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    rtest = rsub.add_parser("test", help="replay stored mentions through the rules; sends nothing")
    rtest.add_argument("--since", default="30d")

    digest = sub.add_parser("digest", help="the periodic digest")
    digest.add_argument("--preview", type=Path, metavar="FILE.html", help="write the digest as HTML (and its chart)")
    digest.add_argument("--send", action="store_true", help="send it to the digest's destinations now")
    digest.add_argument("--period", help="the period covered, e.g. 30d (default: [digest] period)")
    digest.add_argument("--brand", help="only this brand")

    test_alert = sub.add_parser("test-alert", help="send a sample alert to a destination")
    test_alert.add_argument("destination")

    score = sub.add_parser("score", help="score texts from stdin with the daemon's scorer")
    score.add_argument("--jsonl", action="store_true", required=True, help='JSON lines {"text": ..., "rating": ...}')
    return p


# The module under monitor/cli/ that runs each command.
MODULES = {
    "run": "run",
    "check": "check",
    "demo": "demo",
    "status": "status",
    "mentions": "mentions",
    "ack": "answer",
    "respond": "answer",
    "resolve": "answer",
    "ignore": "answer",
    "rules": "rules_test",
    "digest": "digest",
    "test-alert": "test_alert",
    "score": "score",
}


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        logs.setup("info")
        return _dispatch(args, clock or SystemClock())
    except ConfigError as exc:
        print(f"mention-monitor: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MonitorError as exc:
        print(f"mention-monitor: {logs.safe(str(exc))}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE


def _dispatch(args: argparse.Namespace, clock: Clock) -> int:
    from monitor.service.app import load

    def config() -> Config:
        loaded = load(args.config or default_config_path())
        logs.setup(loaded.monitor.log_level)
        return loaded

    command: Command = importlib.import_module(f"monitor.cli.{MODULES[args.command]}").command
    return command(Context(args, config, clock))
