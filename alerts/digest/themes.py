"""Recurring complaints: what the period's negative mentions complain about (their aspects: waiting, staff, price,
the app...), counted against the previous period and the baseline, each with one mention that says it, so the owner
reads "waiting: 7 negative mentions, usually 2 a week" once instead of seven separate reviews. Pure functions, no I/O.

A mention's aspects are those the pipeline stored (monitor/aspects.py); a negative mention stored before aspects
existed (or with none) is read again with the same seed words, so the baseline weeks before an upgrade count too.
An aspect is shown when it comes back: in at least two negative mentions of the period, or in one when it was also
complained about in the baseline or the previous period.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from monitor.aspects import Aspects
from monitor.model import Mention

THEMES = 8


@dataclass(frozen=True, slots=True)
class Theme:
    aspect: str  # its name ("waiting")
    title: str  # how people say it ("staff and service")
    count: int  # negative mentions of this period with it
    previous: int  # ... of the previous period
    usual: float  # ... per period over the baseline
    example: Mention  # the most negative mention of this period with it (not the example of a theme shown before)
    passage: str  # the sentence of `example` that says it (its whole text when no one sentence does)

    @property
    def new(self) -> bool:
        """Not complained about before, neither in the previous period nor in the baseline."""
        return self.previous == 0 and self.usual == 0

    def trend(self, tolerance: float = 0.5) -> str:
        """The count against the baseline: "up", "down" or "about the same"."""
        if abs(self.count - self.usual) <= max(tolerance, self.usual * 0.25):
            return "about the same"
        return "up" if self.count > self.usual else "down"


def aspects_of(mention: Mention, aspects: Aspects, ignore: Iterable[str]) -> tuple[str, ...]:
    """The aspects of a negative mention: as stored, or read from its text when none were stored."""
    if mention.aspects:
        return mention.aspects
    return aspects.find(f"{mention.title}\n{mention.text}", ignore)


def themes(
    negative_now: Sequence[Mention],
    negative_before: Sequence[Mention],
    negative_baseline: Sequence[Mention],
    *,
    baseline_periods: int,
    aspects: Aspects,
    ignore: frozenset[str] = frozenset(),
    tone: Callable[[Mention], float] = lambda m: m.sentiment or 0.0,
    limit: int = THEMES,
) -> tuple[Theme, ...]:
    """The recurring complaints of the period, most frequent first (then the most risen above the baseline). Each
    negative mention counts once per aspect. `tone` orders the mentions from the most negative, to pick the one
    quoted; a mention quoted for one aspect is quoted for another only when no other mention has that aspect."""
    found = {id(m): aspects_of(m, aspects, ignore) for m in [*negative_now, *negative_before, *negative_baseline]}

    def counts(mentions: Sequence[Mention]) -> Counter[str]:
        return Counter(a for m in mentions for a in found[id(m)])

    now, before, baseline = counts(negative_now), counts(negative_before), counts(negative_baseline)
    periods = max(baseline_periods, 1)
    shown = [a for a, n in now.items() if n >= 2 or before[a] or baseline[a]]
    order = {name: i for i, name in enumerate(aspects.names)}
    shown.sort(key=lambda a: (-now[a], -(now[a] - baseline[a] / periods), order.get(a, len(order)), a))
    newest_first = sorted(negative_now, key=lambda m: (m.published_at, m.id or 0), reverse=True)
    worst_first = sorted(newest_first, key=tone)
    quoted: set[int] = set()
    out = []
    for aspect in shown[:limit]:
        candidates = [m for m in worst_first if aspect in found[id(m)]]
        example = next((m for m in candidates if id(m) not in quoted), candidates[0])
        quoted.add(id(example))
        text = f"{example.title}. {example.text}" if example.title and example.text else example.title or example.text
        out.append(
            Theme(
                aspect=aspect,
                title=aspects.title(aspect),
                count=now[aspect],
                previous=before[aspect],
                usual=baseline[aspect] / periods,
                example=example,
                passage=aspects.passage(text, aspect, ignore) or text,
            )
        )
    return tuple(out)


def brand_words(names: Iterable[str]) -> frozenset[str]:
    """The brand's name and terms, folded, blanked before aspects are read: "Acme App" in every mention of an app
    maker is the brand, not a complaint about an app (but "the app crashes" still is one)."""
    return frozenset(unicodedata.normalize("NFKC", name).casefold().strip() for name in names if name.strip())
