"""`mention-monitor rules test [--since 30d]`: replay stored mentions through the rules; sends and writes nothing."""

from __future__ import annotations

import asyncio

from monitor.cli.context import Context
from monitor.cli.present import out
from monitor.service.app import build, check
from rules.engine import replay


def command(ctx: Context) -> int:
    config = ctx.load()
    since = ctx.clock.now() - ctx.duration("--since", ctx.args.since)
    app = build(check(config), ctx.clock)
    try:
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
