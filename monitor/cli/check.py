"""`mention-monitor check`: validate the config as the daemon would and show what was understood, secrets hidden."""

from __future__ import annotations

from monitor.cli.context import Context
from monitor.cli.present import out
from monitor.durations import format_duration
from monitor.service.app import check_to_run


def command(ctx: Context) -> int:
    config = ctx.load()
    checked = check_to_run(config)
    out(f"{config.path}: OK")
    out(f"database: {config.redact(config.monitor.database)}   time zone: {config.monitor.timezone}")
    if config.secret_names:
        out("secrets it reads; under systemd, the unit's credentials (sudo systemctl edit mention-monitor):")
        for name in sorted(config.secret_names):
            out(f"  LoadCredential={name}:/etc/mention-monitor/credentials/{name}")
    out(f"brands ({len(config.brands)}):")
    for b in config.brands:
        role = " [competitor]" if b.role == "competitor" else ""
        muted = " [muted]" if b.muted else ""
        out(f"  {b.name}{role}{muted}: terms {', '.join(b.terms) or '-'}; exclude {', '.join(b.exclude) or '-'}")
    out(f"sources ({len(checked.sources)}):")
    for s in checked.sources:
        every = format_duration(config.interval(s.config))
        brand = f" -> {s.config.brand}" if s.config.brand else ""
        out(f"  {s.name}: {config.redact(s.describe())}, every {every}{brand}")
    out(f"destinations ({len(checked.senders)}):")
    for name, sender in checked.senders.items():
        out(f"  {name}: {config.redact(sender.redacted_url())} ({sender.channel})")
    out(f"rules ({len(config.rules)}):")
    for r in config.rules:
        extra = f", unanswered after {r.unanswered_after}" if r.unanswered_after else ""
        if r.kind == "spike":
            window, baseline = format_duration(r.window), format_duration(r.baseline)
            extra = f", spike: {r.factor:g}x in {window} over {baseline}, at least {r.min_count}"
        out(f"  {r.name}: when {r.when!r} -> {', '.join(r.notify)} ({r.priority}{extra})")
    out(f"replies ({len(config.replies)}):")
    for reply in config.replies:
        fits = [f"language {reply.language}"] if reply.language else []
        fits += [f"brand {reply.brand}"] if reply.brand else []
        fits += [f"when {reply.when!r}"] if reply.when.strip() not in ("", "true") else []
        out(f"  {reply.name}: {'; '.join(fits) or 'every mention'}")
    after = config.response.follow_up_after
    follow_up = f"; a resolved complaint back for a follow-up after {format_duration(after)}" if after else ""
    out(f"response: an answer within {config.promise.describe()}{follow_up}")
    if config.digest:
        period = format_duration(config.digest.period)
        out(f"digest: {config.digest.schedule}, period {period} -> {', '.join(config.digest.notify)}")
    return 0
