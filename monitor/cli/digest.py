"""`mention-monitor digest [--preview FILE.html | --send] [--period 30d] [--brand NAME]`.

The period ends now (a manual digest is "the last 7 days", not a scheduled slot). `--send` takes the one delivery
path: the digest is queued in the outbox under its own key (high priority: the owner asked for it now, so quiet
hours do not hold it; the rate limit and a failing destination still do), then a delivery pass sends those rows at
once. Each destination is reported as sent, or queued with the reason, for the daemon to deliver when the
destination works again (exit 1 unless every one was sent). It touches no scheduled slot: it neither replaces nor
suppresses the scheduled digest. Without --preview or --send the plain-text digest is printed. Progress goes to
stderr, so stdout stays the digest itself.
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import timedelta
from pathlib import Path

from alerts.delivery import Deliverer
from alerts.digest.compose import Prepared, collect, draw, own_brands, queue
from alerts.digest.html import render_text
from monitor.cli.context import Context
from monitor.config import Config
from monitor.durations import format_duration
from monitor.errors import ConfigError, MonitorError
from monitor.service.app import check
from monitor.service.parts import open_db
from monitor.storage.database import Database
from monitor.storage.outbox import Outbox


def _progress(text: str) -> None:
    sys.stderr.write(f"digest: {text}\n")
    sys.stderr.flush()


def chart_paths(preview: Path, brands: list[str]) -> list[Path]:
    """Where the preview's PNGs go: beside the HTML, named after it and the brand (made file-name safe)."""
    slugs = [re.sub(r"[^\w-]+", "-", name.casefold(), flags=re.UNICODE).strip("-") or "brand" for name in brands]
    return [preview.with_name(f"{preview.stem}-{i + 1}-{slug[:40]}.png") for i, slug in enumerate(slugs)]


def command(ctx: Context) -> int:
    args, config = ctx.args, ctx.load()
    now = ctx.clock.now()
    if args.period:
        period, text = ctx.duration("--period", args.period), args.period
    else:
        period = config.digest.period if config.digest else timedelta(days=7)
        text = format_duration(period)
    if period.total_seconds() <= 0:
        raise ConfigError("--period: the period must be longer than zero")
    brands = own_brands(config, args.brand)
    if not brands:
        raise ConfigError(f'{config.path}: no brand with role "own": nothing to write a digest about')
    if args.send and (config.digest is None or not config.digest.notify):
        raise ConfigError(f"{config.path}: [digest]: key 'notify': name the destinations the digest goes to")

    db = open_db(config)
    try:
        _progress(f"reading mentions of {len(brands)} brand(s) over {text}")
        datas = collect(db, config, brands, end=now, period=period, now=now)
        _progress("drawing the charts")
        prepared = Prepared(datas, draw(datas))
        if not any(prepared.charts):
            _progress("no chart drawn (is matplotlib installed?)")
        if args.preview is not None:
            _preview(args.preview, prepared)
        status = _send(db, config, prepared, ctx) if args.send else 0
    finally:
        db.close()
    if args.preview is None and not args.send:
        sys.stdout.write(render_text(datas))
    return status


def _preview(preview: Path, prepared: Prepared) -> None:
    try:
        preview.parent.mkdir(parents=True, exist_ok=True)
        preview.write_text(prepared.standalone().html or "", encoding="utf-8")
        for path, png in zip(chart_paths(preview, [d.brand for d in prepared.datas]), prepared.charts, strict=True):
            if png is not None:
                path.write_bytes(png)
                _progress(f"wrote {path}")
    except OSError as exc:
        raise MonitorError(f"cannot write the preview: {exc}") from exc
    _progress(f"wrote {preview}")


def _send(db: Database, config: Config, prepared: Prepared, ctx: Context) -> int:
    """Queue the digest (one message per brand with `per_brand`) and deliver it now; 0 when every row was sent."""
    assert config.digest is not None
    senders = check(config).senders
    outbox, now = Outbox(db), ctx.clock.now()
    messages = prepared.split() if config.digest.per_brand else [prepared]
    queued: list[tuple[str, str]] = []  # (destination, outbox key)
    for message in messages:
        brand = message.datas[0].brand if config.digest.per_brand else "all"
        keys = queue(
            outbox,
            message,
            key=f"digest-manual:{brand}:{now.isoformat()}",
            notify=config.digest.notify,
            targets=senders,
            now=now,
            reason=f"digest for {', '.join(d.brand for d in message.datas)} sent by hand",
            priority="high",
        )
        queued += keys.items()
    rows = [row for _, key in queued if (row := outbox.find(key)) is not None]
    _progress(f"sending to {', '.join(dict.fromkeys(name for name, _ in queued))}")
    deliverer = Deliverer(db=db, destinations=config.destinations, senders=senders, zone=config.monitor.zone)
    asyncio.run(deliverer.deliver_now([r.id for r in rows], now))
    status = 0
    for name, key in queued:
        row = outbox.find(key)
        if row is not None and row.state == "sent":
            _progress(f"{name}: sent")
            continue
        status = 1
        reason = config.redact((row.last_error if row else None) or "not sent")
        if row is not None and row.state == "pending":
            _progress(f"{name}: queued: {reason}; the daemon delivers it when the destination works again")
        else:
            _progress(f"{name}: NOT sent: {reason}")
    return status
