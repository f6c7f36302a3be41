"""`mention-monitor digest [--preview FILE.html | --send] [--period 30d] [--brand NAME]`.

The period ends now (a manual digest is "the last 7 days", not a scheduled slot), so a manual `--send` is not
recorded in the `digests` table: it neither replaces nor suppresses the scheduled one. Without --preview or
--send the plain-text digest is printed. Progress goes to stderr, so stdout stays the digest itself.
"""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

from alerts.apprise_adapter import AppriseDestination
from alerts.digest_html import render_text
from alerts.digest_timer import Prepared, collect, draw, own_brands, send_digest
from monitor.cli.context import Context
from monitor.durations import format_duration
from monitor.errors import ConfigError, MonitorError
from monitor.service.app import open_db


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
    senders: dict[str, AppriseDestination] = {}
    if args.send:
        if config.digest is None or not config.digest.notify:
            raise ConfigError(f"{config.path}: [digest]: key 'notify': name the destinations the digest goes to")
        for name in config.digest.notify:
            senders[name] = AppriseDestination(name, config.destinations[name].url)

    db = open_db(config)
    try:
        _progress(f"reading mentions of {len(brands)} brand(s) over {text}")
        datas = collect(db, config, brands, end=now, period=period, now=now)
    finally:
        db.close()
    _progress("drawing the charts")
    prepared = Prepared(datas, draw(datas))
    if not any(prepared.charts):
        _progress("no chart drawn (is matplotlib installed?)")

    if args.preview is not None:
        preview: Path = args.preview
        try:
            preview.parent.mkdir(parents=True, exist_ok=True)
            preview.write_text(prepared.standalone().html or "", encoding="utf-8")
            for path, png in zip(chart_paths(preview, [d.brand for d in datas]), prepared.charts, strict=True):
                if png is not None:
                    path.write_bytes(png)
                    _progress(f"wrote {path}")
        except OSError as exc:
            raise MonitorError(f"cannot write the preview: {exc}") from exc
        _progress(f"wrote {preview}")

    status = 0
    if args.send:
        messages = [Prepared((d,), (c,)) for d, c in zip(datas, prepared.charts, strict=True)]
        if not (config.digest and config.digest.per_brand):
            messages = [prepared]
        for name, sender in senders.items():
            for message in messages:
                _progress(f"sending to {name}")
                result = send_digest(sender, message)
                _progress(f"{name}: {'sent' if result.ok else 'NOT sent: ' + result.detail}")
                status = status or (0 if result.ok else 1)
    if args.preview is None and not args.send:
        sys.stdout.write(render_text(datas))
    return status
