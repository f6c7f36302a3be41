"""`mention-monitor test-alert DESTINATION`: send a sample message, to see that a destination works."""

from __future__ import annotations

from alerts.render import render_notice
from monitor.cli.context import Context
from monitor.cli.present import out
from monitor.errors import ConfigError
from monitor.service.app import check


def command(ctx: Context) -> int:
    name = ctx.args.destination
    checked = check(ctx.load())
    sender = checked.senders.get(name)
    if sender is None:
        raise ConfigError(f"no destination named {name!r} (defined: {', '.join(checked.senders)})")
    message = render_notice(
        "mention-monitor test alert",
        f"This is a test message from mention-monitor to the destination {name!r}. "
        "If you can read it, alerts will reach you here.",
        sender.channel,
    )
    result = sender.send(message)
    if result.ok:
        out(f"sent a test alert to {name} ({sender.redacted_url()})")
        return 0
    out(f"{name}: not delivered: {result.detail}")
    return 1
