"""How the terminal shows things: text from the internet made safe to print, ages, one line per mention."""

from __future__ import annotations

import sys
from datetime import datetime, tzinfo

from monitor import logs
from monitor.model import Mention


def out(text: str = "") -> None:
    """Print text that may hold words from the internet: control characters and bidi tricks are made visible."""
    sys.stdout.write(logs.safe(text) + "\n")


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = int((now - when).total_seconds())
    if seconds < 0:
        return f"in {span(-seconds)}"
    return f"{span(seconds)} ago"


def span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


MENTION_HEADER = (
    f"{'id':>5}  {'published':16}  {'brand':14} {'source':16} {'label':9} {'score':>6} {'stars':5} {'status':12} text"
)


def mention_row(m: Mention, zone: tzinfo | None = None) -> str:
    """One mention as a line of `mentions list` (and of the demo, and of `mentions show`, in the config's zone)."""
    sentiment = f"{m.sentiment:+.2f}" if m.sentiment is not None else "-"
    stars = f"{m.rating:g}/{m.rating_scale or 5:g}" if m.rating is not None else ""
    text = " ".join((m.title or m.text).split())[:60]
    published = m.published_at.astimezone(zone) if zone is not None else m.published_at
    return (
        f"{m.id:>5}  {published:%Y-%m-%d %H:%M}  {m.brand[:14]:14} {m.source[:16]:16} {m.label:9} "
        f"{sentiment:>6} {stars:5} {m.status:12} {text}"
    )
