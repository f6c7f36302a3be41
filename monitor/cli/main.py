"""The command line (DESIGN.md's contract): the parser and the dispatch to one module per command.

Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage. Each command module has `command(ctx) -> int` and is
imported only when it runs, so `--help` stays fast.

Secrets: only the commands that poll, send or check the whole config (`run`, `check`, `demo`, `test-alert`,
`digest --send`) need every `${VAR}` of the config. The others read or change the database and send nothing, so
they load it with `secrets="lenient"` (see monitor/config.py): under systemd the secrets are the unit's credentials,
and `mention-monitor ack 42` from an operator's shell must work without them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__, logs
from monitor.cli.context import Command, Context, UsageError
from monitor.clock import Clock, SystemClock
from monitor.config import Config, SecretMode, default_config_path, load_config
from monitor.errors import ConfigError, MonitorError
from monitor.model import STATUSES

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
    listing.add_argument("--status", choices=STATUSES, help="irrelevant: held back as not about the brand, and why")
    listing.add_argument("--since", help="only mentions published within this duration, e.g. 7d")
    listing.add_argument("--brand")
    listing.add_argument("--aspect", help="only complaints about this aspect (waiting, staff, price, app...)")
    listing.add_argument("--limit", type=int, default=200)
    listing.add_argument("--json", action="store_true", help="a JSON array (the scripting interface)")
    show = msub.add_parser("show", help="one mention: its whole text, its author's other mentions, timeline and notes")
    show.add_argument("mention_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="a JSON object (the scripting interface)")

    for verb, text in (
        ("ack", "mark a mention acknowledged: someone is on it (stops 'unanswered' escalations)"),
        ("respond", "mark a mention responded: the customer got an answer"),
        ("resolve", "mark a mention resolved: done"),
        ("ignore", "mark a mention ignored: needs no answer"),
        ("not-about-us", "hold back a mention that is not about the brand (a homonym); teaches the brand's matching"),
        ("followed-up", "a complaint back for a follow-up: the customer was asked whether all is well (resolved)"),
    ):
        cmd = sub.add_parser(verb, help=text)
        cmd.add_argument("mention_id", type=int, metavar="MENTION_ID")
        cmd.add_argument("--note", default="", help="why: kept as a note on the mention")
    about = sub.add_parser(
        "about-us", help="bring back a mention held back as not about the brand (status new); teaches its matching"
    )
    about.add_argument("mention_id", type=int, metavar="MENTION_ID")
    about.add_argument("--note", default="", help="why: kept as a note on the mention")
    assign = sub.add_parser("assign", help="give a mention to a user (its escalation goes to them first)")
    assign.add_argument("mention_id", type=int, metavar="MENTION_ID")
    assign.add_argument("user", metavar="USER", help="a user's name (see `users list`), or - for nobody")

    users = sub.add_parser("users", help="the people who use the web inbox")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="SUBCOMMAND")
    add = usub.add_parser("add", help="add a user (password: the first line of stdin, else asked for twice)")
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--brand", action="append", default=[], metavar="B", help="only this brand (repeat for several; default: all)"
    )
    add.add_argument("--notify", metavar="DEST", help="the destination that tells this user what is assigned to them")
    ulist = usub.add_parser("list", help="the users, the brands each may see, where each is notified")
    ulist.add_argument("--json", action="store_true", help="a JSON array (the scripting interface)")
    usub.add_parser("remove", help="remove a user (ends their sessions)").add_argument("name", metavar="NAME")
    usub.add_parser("passwd", help="set a new password (ends their sessions)").add_argument("name", metavar="NAME")

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

    migrate_db = sub.add_parser(
        "migrate-db", help="copy the SQLite database into an empty PostgreSQL database and verify the counts"
    )
    migrate_db.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/dbname (empty)")
    migrate_db.add_argument(
        "--from", dest="source", type=Path, metavar="FILE", help="the SQLite file (default: [monitor] database)"
    )

    score = sub.add_parser("score", help="score texts from stdin with the daemon's scorer")
    score.add_argument("--jsonl", action="store_true", required=True, help='JSON lines {"text": ..., "rating": ...}')

    match = sub.add_parser("match", help="which brand texts from stdin are about, as the daemon decides, and why")
    match.add_argument(
        "--jsonl", action="store_true", required=True, help='JSON lines {"title": ..., "text": ..., "url": ...}'
    )
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
    "not-about-us": "answer",
    "about-us": "about",
    "followed-up": "answer",
    "assign": "answer",
    "users": "users",
    "rules": "rules_test",
    "digest": "digest",
    "test-alert": "test_alert",
    "score": "score",
    "match": "match",
    "migrate-db": "migrate_db",
}


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        logs.setup("info")
        return _dispatch(args, clock or SystemClock())
    except ConfigError as exc:
        print(f"mention-monitor: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"mention-monitor: {logs.safe(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except MonitorError as exc:
        print(f"mention-monitor: {logs.safe(str(exc))}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE


# The commands that read or change the database and send nothing: they need no source or destination secret.
NO_SECRETS = frozenset(
    {
        "mentions",
        "status",
        "ack",
        "respond",
        "resolve",
        "ignore",
        "not-about-us",
        "about-us",
        "followed-up",
        "assign",
        "users",
        "rules",
        "score",
        "match",
        "migrate-db",
    }
)


def secret_mode(args: argparse.Namespace) -> SecretMode:
    """What a command needs of the config's secrets; anything not listed (a new command) gets every secret."""
    if args.command == "digest":
        return "strict" if args.send else "lenient"
    return "lenient" if args.command in NO_SECRETS else "strict"


def _dispatch(args: argparse.Namespace, clock: Clock) -> int:
    from monitor.service.parts import source_configs

    def config() -> Config:
        path = args.config or default_config_path()
        loaded = load_config(path, source_configs(), secrets=secret_mode(args))
        logs.setup(loaded.monitor.log_level, secrets=loaded.secrets)
        return loaded

    command: Command = importlib.import_module(f"monitor.cli.{MODULES[args.command]}").command
    return command(Context(args, config, clock))
