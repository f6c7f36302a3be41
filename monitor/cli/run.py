"""`mention-monitor run [--once]`: the daemon, or one full cycle for cron and scripts.

`run --once` says what it delivered and what still waits, and why (a failing destination and when it is tried
next, quiet hours, the rate limit); it exits 1 when a source failed or alerts that were due could not be delivered
(a destination failed or refused them), so cron and scripts see it. Alerts held on purpose (quiet hours, the rate
limit), and those for a destination taken out of the config (they wait for it to come back), are listed without
making it fail.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime

from alerts.delivery import DeliveryReport
from monitor.cli.context import Context
from monitor.cli.present import ago, out
from monitor.service.app import App, build, check_to_run
from monitor.service.daemon import Daemon, run_once
from monitor.storage.lock import WriterLock


def command(ctx: Context) -> int:
    config = ctx.load()
    checked = check_to_run(config, ctx.clock)
    if not ctx.args.once:
        asyncio.run(Daemon(config, ctx.clock).run())
        return 0

    async def once() -> int:
        lock = WriterLock.acquire(config.monitor.database)  # never beside a running daemon: that would double alerts
        app = build(checked, ctx.clock)
        try:
            report = await run_once(app)
            waiting, stuck = _waiting(app, report.delivery, ctx.clock.now())
        finally:
            await app.aclose()
            if lock is not None:
                lock.release()
        failed = [p for p in report.polled if not p.ok]
        new = sum(len(p.report.new) for p in report.polled if p.report)
        out(
            f"polled {len(report.polled)} sources ({len(failed)} failed), {new} new mentions, "
            f"{report.escalations} escalations, {report.delivered} alerts delivered, "
            f"{sum(n for n, _ in waiting)} waiting"
        )
        for p in failed:
            out(f"  {p.source}: {p.error}")
        for name, count, why in report.delivery.refused:
            out(f"  {count} not delivered: destination {name!r} refused {'it' if count == 1 else 'them'} ({why})")
        for count, why in waiting:
            out(f"  {count} waiting: {why}")
        # cron and scripts see a broken source, and alerts that were due and are not delivered
        return 1 if failed or stuck or report.delivery.refused else 0

    return asyncio.run(once())


def _waiting(app: App, delivery: DeliveryReport, now: datetime) -> tuple[list[tuple[int, str]], bool]:
    """The alerts still pending after the cycle, counted per destination with why they wait; and whether any of them
    wait because delivering failed (rather than on purpose: quiet hours, the rate limit, another instance sending,
    a destination taken out of the config)."""
    outbox = app.deliverer.outbox
    pending = outbox.all_pending()
    lines: list[tuple[int, str]] = []
    stuck = False
    for name, count in sorted(Counter(r.destination for r in pending).items()):
        first = min((r for r in pending if r.destination == name), key=lambda r: r.due_at)
        held = first.last_error if first.last_error and first.last_error.startswith("held:") else None
        health = outbox.health(name)
        if name not in app.config.destinations:
            lines.append((count, f"destination {name!r} is no longer in the config"))
        elif name in delivery.elsewhere:
            lines.append((count, f"another instance is delivering to {name!r}"))
        elif held is None and health.consecutive_failures and health.next_attempt_at is not None:
            lines.append(
                (count, f"destination {name!r} failing ({health.last_error}), {_next(health.next_attempt_at, now)}")
            )
            stuck = True
        else:
            lines.append((count, f"destination {name!r} {held or 'waiting'}, {_next(first.due_at, now)}"))
    return lines, stuck


def _next(when: datetime, now: datetime) -> str:
    return f"next try {ago(when, now)}" if when > now else "next try now"
