"""`mention-monitor run [--once]`: the daemon, or one full cycle for cron and scripts."""

from __future__ import annotations

import asyncio

from monitor.cli.context import Context
from monitor.cli.present import out
from monitor.service.app import build, check
from monitor.service.daemon import Daemon, run_once
from monitor.storage.lock import WriterLock


def command(ctx: Context) -> int:
    config = ctx.load()
    checked = check(config, ctx.clock)
    if not ctx.args.once:
        asyncio.run(Daemon(config, ctx.clock).run())
        return 0

    async def once() -> int:
        lock = WriterLock.acquire(config.monitor.database)  # never beside a running daemon: that would double alerts
        app = build(checked, ctx.clock)
        try:
            report = await run_once(app)
        finally:
            await app.aclose()
            if lock is not None:
                lock.release()
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
