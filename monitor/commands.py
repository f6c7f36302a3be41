"""The bodies of the CLI commands. Each takes the parsed arguments and a function that loads the config."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from monitor import logs
from monitor.app import build, check, open_db
from monitor.clock import SystemClock
from monitor.config import Config, default_config_path
from monitor.durations import parse_duration
from monitor.errors import ConfigError, MonitorError
from monitor.model import Mention
from monitor.storage.digests import Digests
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from monitor.storage.schedule import Schedule

LoadConfig = Callable[[], Config]
STATUS_OF = {"ack": "acknowledged", "respond": "responded", "resolve": "resolved", "ignore": "ignored"}


def out(text: str = "") -> None:
    """Print text that may hold words from the internet: control characters and bidi tricks are made visible."""
    sys.stdout.write(logs.safe(text) + "\n")


def run(args: argparse.Namespace, load: LoadConfig) -> int:
    from monitor.daemon import Daemon, run_once
    from monitor.timers import extra_timers

    config = load()
    clock = SystemClock()
    checked = check(config, clock)
    if args.once:

        async def once() -> int:
            app = build(checked, clock)
            try:
                report = await run_once(app, extra=extra_timers(config))
            finally:
                await app.aclose()
            failed = [p for p in report.polled if not p.ok]
            new = sum(len(p.report.new) for p in report.polled if p.report)
            out(
                f"polled {len(report.polled)} sources ({len(failed)} failed), {new} new mentions, "
                f"{report.escalations} escalations, {report.delivered} alerts delivered"
            )
            for p in failed:
                out(f"  {p.source}: {p.error}")
            return 1 if failed else 0  # cron and scripts see a broken source

        return asyncio.run(once())
    asyncio.run(Daemon(config, clock, extra=extra_timers(config)).run())
    return 0


def check_config(args: argparse.Namespace, load: LoadConfig) -> int:
    config = load()
    checked = check(config)
    out(f"{config.path}: OK")
    out(f"database: {config.redact(config.monitor.database)}   time zone: {config.monitor.timezone}")
    out(f"brands ({len(config.brands)}):")
    for b in config.brands:
        role = " [competitor]" if b.role == "competitor" else ""
        muted = " [muted]" if b.muted else ""
        out(f"  {b.name}{role}{muted}: terms {', '.join(b.terms) or '-'}; exclude {', '.join(b.exclude) or '-'}")
    out(f"sources ({len(checked.sources)}):")
    for s in checked.sources:
        every = s.config.interval or config.monitor.default_interval
        brand = f" -> {s.config.brand}" if s.config.brand else ""
        out(f"  {s.name}: {config.redact(s.describe())}, every {every}{brand}")
    out(f"destinations ({len(checked.senders)}):")
    for name, sender in checked.senders.items():
        out(f"  {name}: {config.redact(sender.redacted_url())} ({sender.channel})")
    out(f"rules ({len(config.rules)}):")
    for r in config.rules:
        extra = f", unanswered after {r.unanswered_after}" if r.unanswered_after else ""
        if r.kind == "spike":
            extra = f", spike: {r.factor:g}x in {r.window} over {r.baseline}, at least {r.min_count}"
        out(f"  {r.name}: when {r.when!r} -> {', '.join(r.notify)} ({r.priority}{extra})")
    if config.digest:
        out(f"digest: {config.digest.schedule}, period {config.digest.period} -> {', '.join(config.digest.notify)}")
    return 0


def status(args: argparse.Namespace, load: LoadConfig) -> int:
    config = load()
    db = open_db(config)
    now = datetime.now(UTC)
    try:
        schedule, outbox = Schedule(db), Outbox(db)
        out(f"{'source':24} {'last success':20} {'errors':>6} {'next check':20} last error")
        for h in schedule.all_health():
            out(
                f"{h.name:24} {_ago(h.last_success_at, now):20} {h.consecutive_errors:>6} "
                f"{_ago(h.next_check_at, now):20} {config.redact(h.last_error or '')[:80]}"
            )
        depth = outbox.depth()
        out(
            f"outbox: {depth.get('pending', 0)} pending, {depth.get('sent', 0)} sent, {depth.get('failed', 0)} failed, "
            f"{depth.get('cancelled', 0)} cancelled (answered before they were due)"
        )
        for name in config.destinations:
            health = outbox.health(name)
            if health.consecutive_failures:
                out(
                    f"  destination {name}: failing {health.consecutive_failures}x: "
                    f"{config.redact(health.last_error or '')}"
                )
        last = outbox.last_delivery()
        out(f"last alert: {_ago(last[1], now)} to {last[0]}" if last else "last alert: never")
        digest = Digests(db).last_sent()
        out(f"last digest: {_ago(digest[0], now)}" if digest else "last digest: never")
        out(f"mentions stored: {Mentions(db).count()}")
    finally:
        db.close()
    return 0


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = int((now - when).total_seconds())
    if seconds < 0:
        return f"in {_span(-seconds)}"
    return f"{_span(seconds)} ago"


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def mentions_list(args: argparse.Namespace, load: LoadConfig) -> int:
    config = load()
    db = open_db(config)
    try:
        since = datetime.now(UTC) - parse_duration(args.since) if args.since else None
        rows = Mentions(db).list(status=args.status, since=since, brand=args.brand, limit=args.limit)
    except ValueError as exc:
        raise ConfigError(f"--since: {exc}") from None
    finally:
        db.close()
    if args.json:
        sys.stdout.write(json.dumps([m.as_json() for m in rows], ensure_ascii=False, indent=2) + "\n")
        return 0
    out(
        f"{'id':>5}  {'published':16}  {'brand':14} {'source':16} {'label':9} {'score':>6} {'stars':5} "
        f"{'status':12} text"
    )
    for m in rows:
        out(_row(m))
    out(f"({len(rows)} mentions)")
    return 0


def _row(m: Mention) -> str:
    sentiment = f"{m.sentiment:+.2f}" if m.sentiment is not None else "-"
    stars = f"{m.rating:g}/{m.rating_scale or 5:g}" if m.rating is not None else ""
    text = " ".join((m.title or m.text).split())[:60]
    return (
        f"{m.id:>5}  {m.published_at:%Y-%m-%d %H:%M}  {m.brand[:14]:14} {m.source[:16]:16} {m.label:9} "
        f"{sentiment:>6} {stars:5} {m.status:12} {text}"
    )


def set_status(args: argparse.Namespace, load: LoadConfig) -> int:
    config = load()
    db = open_db(config)
    status_ = STATUS_OF[args.command]
    now = datetime.now(UTC)
    try:
        mentions = Mentions(db)
        mention = mentions.get(args.mention_id)
        if mention is None:
            raise MonitorError(f"no mention with id {args.mention_id}")
        with db.transaction():
            mentions.set_status(args.mention_id, status_, now)
            if status_ == "responded":
                mentions.set_answered(args.mention_id, now, now)  # the first answer's time counts, not a later one
            Events(db).add(status_, at=now, mention_id=args.mention_id, reason=args.note or "set from the command line")
    finally:
        db.close()
    out(f"mention {args.mention_id}: {mention.status} -> {status_}")
    return 0


def rules_test(args: argparse.Namespace, load: LoadConfig) -> int:
    from rules.engine import replay

    config = load()
    checked = check(config)
    app = build(checked, SystemClock())
    try:
        since = datetime.now(UTC) - parse_duration(args.since)
        mentions = app.pipeline.mentions.list(since=since)
        decisions = replay(app.engine, reversed(mentions))
    finally:
        asyncio.run(app.aclose())
    fired = [(m, d) for m, d in decisions if d.fire]
    for m, d in decisions:
        verdict = "WOULD ALERT" if d.fire else "held back  "
        target = ", ".join(d.rule.notify)
        out(f"{verdict} #{m.id} [{m.brand}] {d.rule.name} -> {target}: {d.reason}")
    out(f"{len(fired)} alerts would fire over {len(mentions)} mentions since {since:%Y-%m-%d} (nothing was sent)")
    return 0


def test_alert(args: argparse.Namespace, load: LoadConfig) -> int:
    from alerts.render import render_notice

    config = load()
    checked = check(config)
    sender = checked.senders.get(args.destination)
    if sender is None:
        raise ConfigError(f"no destination named {args.destination!r} (defined: {', '.join(checked.senders)})")
    message = render_notice(
        "mention-monitor test alert",
        f"This is a test message from mention-monitor to the destination {args.destination!r}. "
        "If you can read it, alerts will reach you here.",
        sender.channel,
    )
    result = sender.send(message)
    if result.ok:
        out(f"sent a test alert to {args.destination} ({sender.redacted_url()})")
        return 0
    out(f"{args.destination}: not delivered: {result.detail}")
    return 1


def score(args: argparse.Namespace, load: LoadConfig) -> int:
    from monitor.app import scorer_for
    from monitor.sentiment import build_scorer

    # The daemon's scorer: its config's [sentiment] when there is a config (named, or ./monitor.toml), else the
    # defaults, so that scoring a file needs no setup.
    scorer = scorer_for(load()) if args.config or default_config_path().exists() else build_scorer()
    status_ = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
            rating = item.get("rating")
            result = scorer.score(
                text,
                rating=float(rating) if rating is not None else None,
                rating_scale=float(item.get("rating_scale") or 5) if rating is not None else None,
                language=item.get("language"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            sys.stderr.write(f"line {number}: skipped: {type(exc).__name__}: {exc}\n")
            sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            status_ = 1
            continue
        out_line = {"sentiment": result.sentiment, "label": result.label, "language": result.language}
        sys.stdout.write(json.dumps(out_line, ensure_ascii=False) + "\n")
    return status_


def demo(args: argparse.Namespace, load: LoadConfig) -> int:
    from monitor.demo import run_demo

    return run_demo()


def digest(args: argparse.Namespace, load: LoadConfig) -> int:
    from alerts.digest_command import digest_command

    return digest_command(args, load())
