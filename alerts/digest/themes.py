"""Recurring complaints: what the period's negative mentions complain about (their aspects: waiting, staff, price,
the app...), counted against the previous period and the baseline, each with one mention that says it, so the owner
reads "waiting: 7 negative mentions, usually 2 a week" once instead of seven separate reviews. Pure functions, no I/O.

A mention's aspects are those the pipeline stored (monitor/aspects.py); a negative mention stored before aspects
existed (first seen before migration 0007 was applied) is read again with the same seed words, so the baseline weeks
before an upgrade count too. One stored since with no aspect is not: the pipeline read it with these seed words and
found none (seeds added to [aspects] later count from then on, as for every mention that has aspects).
An aspect is shown when it comes back: in at least two negative mentions of the period, or in one when it was also
complained about in the baseline or the previous period.

    before = counted(tallies, bare, aspects, ignore)       # the earlier periods, as the database grouped them
    picks = choose(negatives, before[1], before[0] + before[1], baseline_periods=4, aspects=aspects)
    shown = themes(picks, examples_by_id, aspects=aspects)  # only the examples are read whole
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from monitor.aspects import Aspects
from monitor.model import Mention
from monitor.storage.digest_figures import AspectTally, Bare, Negative

THEMES = 8
Names = tuple[str, ...]


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


def aspects_of(stored: str, title: str | None, text: str | None, aspects: Aspects, ignore: Iterable[str]) -> Names:
    """The aspects of a negative mention: as stored (a JSON list), or read from its text when given (it was stored
    before aspects existed)."""
    found = tuple(json.loads(stored or "[]"))
    if found or title is None or text is None:
        return found
    return aspects.find(f"{title}\n{text}", ignore)


def counted(
    tallies: Sequence[AspectTally], bare: Sequence[Bare], aspects: Aspects, ignore: Iterable[str]
) -> dict[int, Counter[str]]:
    """Per stretch (bucket), how many negative mentions have each aspect: the stored aspects as the database
    grouped them, and those stored before aspects existed read again."""
    found: dict[int, Counter[str]] = defaultdict(Counter)
    for t in tallies:
        for name in aspects_of(t.aspects, None, None, aspects, ignore):
            found[t.bucket][name] += t.count
    for b in bare:
        found[b.bucket].update(aspects_of("", b.title, b.text, aspects, ignore))
    return found


@dataclass(frozen=True, slots=True)
class Pick:
    """A recurring complaint chosen, before its example is read whole."""

    aspect: str
    count: int
    previous: int
    usual: float
    example: int  # the mention's id


def choose(
    negative_now: Sequence[Negative],
    before: Counter[str],
    baseline: Counter[str],
    *,
    baseline_periods: int,
    aspects: Aspects,
    ignore: frozenset[str] = frozenset(),
    limit: int = THEMES,
) -> tuple[Pick, ...]:
    """The recurring complaints of the period, most frequent first (then the most risen above the baseline), each
    with the id of the mention to quote. Each negative mention counts once per aspect: `negative_now` are the
    period's, `before` and `baseline` the counts of the previous period and of the baseline's periods. The quoted
    mention is the most negative (then the newest) with the aspect; a mention quoted for one aspect is quoted for
    another only when no other mention has that aspect."""
    found = {n.id: aspects_of(n.aspects, n.title, n.text, aspects, ignore) for n in negative_now}
    now = Counter(a for n in negative_now for a in found[n.id])
    periods = max(baseline_periods, 1)
    shown = [a for a, n in now.items() if n >= 2 or before[a] or baseline[a]]
    order = {name: i for i, name in enumerate(aspects.names)}
    shown.sort(key=lambda a: (-now[a], -(now[a] - baseline[a] / periods), order.get(a, len(order)), a))
    newest_first = sorted(negative_now, key=lambda n: (n.published_at, n.id), reverse=True)
    worst_first = sorted(newest_first, key=lambda n: n.tone)
    quoted: set[int] = set()
    picks = []
    for aspect in shown[:limit]:
        candidates = [n.id for n in worst_first if aspect in found[n.id]]
        example = next((i for i in candidates if i not in quoted), candidates[0])
        quoted.add(example)
        picks.append(Pick(aspect, now[aspect], before[aspect], baseline[aspect] / periods, example))
    return tuple(picks)


def themes(
    picks: Sequence[Pick], examples: Mapping[int, Mention], *, aspects: Aspects, ignore: frozenset[str] = frozenset()
) -> tuple[Theme, ...]:
    """The chosen complaints with their examples read whole (`examples`: by id) and the sentence that says each."""
    out = []
    for pick in picks:
        example = examples[pick.example]
        text = f"{example.title}. {example.text}" if example.title and example.text else example.title or example.text
        out.append(
            Theme(
                aspect=pick.aspect,
                title=aspects.title(pick.aspect),
                count=pick.count,
                previous=pick.previous,
                usual=pick.usual,
                example=example,
                passage=aspects.passage(text, pick.aspect, ignore) or text,
            )
        )
    return tuple(out)


def brand_words(names: Iterable[str]) -> frozenset[str]:
    """The brand's name and terms, folded, blanked before aspects are read: "Acme App" in every mention of an app
    maker is the brand, not a complaint about an app (but "the app crashes" still is one)."""
    return frozenset(unicodedata.normalize("NFKC", name).casefold().strip() for name in names if name.strip())
