"""How the pages say things: the Jinja2 environment (autoescape on, always) and the small formatters the templates use.

Every field of a mention came from the internet. Templates never mark it safe: Jinja2 escapes it, and these
filters first drop control characters and bidi overrides (alerts.escape.clean), cut it to a bound, and show a URL as a
link only when it is http(s).
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from jinja2 import Environment, PackageLoader, select_autoescape

from alerts import escape, reasons
from monitor.hours import Promise
from monitor.model import Mention
from monitor.workflow import deadline

STARS = 5
PAGE_TEXT = 20_000  # characters of a mention's text shown on its page; the original has the rest
ROW_TEXT = 160  # characters of a mention's text in an inbox row


def span(delta: timedelta) -> str:
    """A duration in the largest unit that fits: "3 min", "5 h", "2 d"."""
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        return "under a minute"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and not (unit == "d" and seconds < 2 * 86400):  # "30 h", not "1 d"
            return f"{int(seconds // size)} {unit}"
    return ""  # pragma: no cover - unreachable


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    if now - when < timedelta(minutes=1):
        return "just now"
    return f"{span(now - when)} ago"


def stars(mention: Mention) -> str | None:
    """The rating as five stars, counted as the alerts count them (alerts.reasons.stars)."""
    shown = reasons.stars(mention)
    return None if shown is None else "★" * shown + "☆" * (STARS - shown)


def score(mention: Mention) -> str:
    """What the row's badge says: "2★" or "negative -0.71" or "unscored"."""
    if mention.rating is not None:
        return f"{mention.rating:g}/{(mention.rating_scale or STARS):g}★"
    if mention.sentiment is not None:
        return f"{mention.label} {mention.sentiment:+.2f}"
    return "unscored"


def tone(mention: Mention) -> str:
    """negative | neutral | positive | unscored: the badge's colour."""
    if mention.rating is not None:
        share = mention.rating / (mention.rating_scale or STARS)
        return "negative" if share <= 0.4 else ("positive" if share >= 0.8 else "neutral")
    return mention.label


def due(mention: Mention, now: datetime, promise: Promise) -> tuple[str, bool] | None:
    """("5 h left", False) or ("overdue by 2 h", True), for a mention that needs an answer ([response])."""
    when = deadline(mention, promise)
    if when is None:
        return None
    if when >= now:
        return f"{span(when - now)} left to answer", False
    return f"overdue by {span(now - when)}", True


def text(value: str | None, limit: int = PAGE_TEXT) -> str:
    """A paragraph from the internet: cleaned (line breaks kept) and bounded."""
    return escape.truncate(escape.paragraph((value or "")[: limit * 2]), limit)


def line(value: str | None, limit: int = 200) -> str:
    """A field shown inside a line: cleaned, folded to one line, bounded."""
    return escape.truncate(escape.one_line(escape.clean((value or "")[: limit * 2])), limit)


def first_words(mention: Mention) -> str:
    return line(mention.text or mention.title, ROW_TEXT)


def environment(promise: Promise) -> Environment:
    """The pages' Jinja2 environment; `due(m, now)` in a template counts with `promise` ([response])."""
    env = Environment(
        loader=PackageLoader("monitor.service.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(line=line, text=text, safe_url=escape.safe_url)
    env.globals.update(ago=ago, stars=stars, score=score, tone=tone, first_words=first_words, span=span)
    env.globals["due"] = functools.partial(due, promise=promise)
    return env
