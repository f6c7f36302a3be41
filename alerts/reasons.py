"""Why a mention is in an alert, in the owner's words, never the rule's expression.

    reason = reason_for(mention, unanswered_after)   # unanswered_after: the escalation rule's delay, or None
    reason.phrase            "1-star review on Google", "negative post on Reddit",
                             "complaint on Hacker News, unanswered for 24 h"
    reason.sentence(brand)   "1-star review for Acme Coffee on Google",
                             "Complaint about Acme Coffee on Reddit, unanswered for 24 h"
    summary([(reason, brand), ...])
                             one of them: its sentence; several of one sort: "2 bad reviews for Blue Bottle Kyoto";
                             a mix: "3 mentions need an answer: Acme Coffee, Beta"

What is said comes from the mention: a rating becomes stars on a scale of five ("2-star review"); without one, the
sentiment label and what the source's items are called ("negative post", "negative comment"); an escalation of a
negative mention is a "complaint", with how long it has waited. Where it was said, and what its items are called,
come from reasons.toml by source kind (for a feed, by the item's host when that is a known platform). The output
is plain text, not yet escaped: brands and a plugin source's name come from outside and are escaped by the
renderer like every other field.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from alerts import escape
from monitor.model import Mention

STARS = 5
BAD_STARS = 2  # a rating of this many stars or fewer makes a "bad review"
_DATA = Path(__file__).with_name("reasons.toml")
_LABELS = frozenset({"negative", "neutral", "positive"})
_WHERE_MAX = 40  # characters of a source's own name, when its kind has no display name


@dataclass(frozen=True)
class Kind:
    where: str
    noun: str
    nouns: str
    by_host: bool = False  # name the platform of the item's address when it is a known one


@dataclass(frozen=True)
class Names:
    """reasons.toml: what each source kind is called, the default, and platforms by host."""

    kinds: dict[str, Kind]
    default: Kind
    hosts: dict[str, str]

    def where(self, kind: Kind, url: str) -> str:
        if not kind.by_host:
            return kind.where
        try:
            host = (urlsplit(url).hostname or "").lower().rstrip(".")
        except ValueError:
            return kind.where
        parts = host.split(".")
        for start in range(len(parts) - 1):
            found = self.hosts.get(".".join(parts[start:]))
            if found is not None:
                return found
        return kind.where


@dataclass(frozen=True)
class Reason:
    what: str  # "1-star review", "negative post", "complaint"
    where: str  # "Google", "the web"
    unanswered_for: str  # "24 h"; empty when the rule is not an escalation
    group: str  # what several of these are called in one subject: "bad reviews", "negative posts", "complaints"
    about: str  # "for" (a review for a brand) or "about"
    follow_up: bool = False  # a resolved complaint back for a follow-up: "Follow up: 1-star review on Google"

    @property
    def tail(self) -> str:
        return f", unanswered for {self.unanswered_for}" if self.unanswered_for else ""

    @property
    def phrase(self) -> str:
        """ "1-star review on Google", "complaint on Reddit, unanswered for 24 h"."""
        return f"{self._lead}{self.what} on {self.where}{self.tail}"

    @property
    def _lead(self) -> str:
        return "follow up: " if self.follow_up else ""

    @property
    def headline(self) -> str:
        """The phrase as the start of a sentence: "Negative post on Reddit"."""
        return upper_first(self.phrase)

    def sentence(self, brand: str) -> str:
        """ "1-star review for Acme Coffee on Google", "Complaint about Acme on Reddit, unanswered for 24 h"."""
        return upper_first(f"{self._lead}{self.what} {self.about} {brand} on {self.where}{self.tail}")


@functools.cache
def names() -> Names:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    default = data["default"]
    return Names(
        kinds={name: Kind(**entry) for name, entry in data["kinds"].items()},
        default=Kind("", default["noun"], default["nouns"]),
        hosts=dict(data["hosts"]),
    )


def stars(mention: Mention) -> int | None:
    """The mention's rating on a scale of five stars (half up), or None when it has no usable rating."""
    rating, scale = mention.rating, mention.rating_scale or float(STARS)
    if rating is None or not math.isfinite(rating) or not math.isfinite(scale) or scale <= 0:
        return None
    return max(0, min(STARS, math.floor(rating / scale * STARS + 0.5)))


def duration_words(delay: timedelta) -> str:
    """ "24 h", "90 min" -> "1 h 30 min", "3 days"."""
    minutes = max(1, int(delay.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    if days >= 2 and rest == 0:
        return f"{days} days"
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def reason_for(mention: Mention, unanswered_after: timedelta | None, *, follow_up: bool = False) -> Reason:
    """`follow_up`: the mention is back for a follow-up (a reminder, not news)."""
    if follow_up:
        said = reason_for(mention, None)
        return dataclasses.replace(said, group="follow-ups", follow_up=True)
    table = names()
    kind = table.kinds.get(mention.kind, table.default)
    where = table.where(kind, mention.url) or escape.field(mention.source, _WHERE_MAX) or "an unnamed source"
    waited = duration_words(unanswered_after) if unanswered_after is not None else ""
    count = stars(mention)
    if count is not None:
        group = "bad reviews" if count <= BAD_STARS else "reviews"
        return Reason(f"{count}-star review", where, waited, group, "for")
    if unanswered_after is not None and mention.label == "negative":
        return Reason("complaint", where, waited, "complaints", "about")
    label = mention.label if mention.label in _LABELS else ""
    about = "for" if kind.noun == "review" else "about"
    return Reason(f"{label} {kind.noun}".strip(), where, waited, f"{label} {kind.nouns}".strip(), about)


def summary(items: Sequence[tuple[Reason, str]]) -> str:
    """What a message is about, in one line, from each item's reason and (cleaned) brand."""
    if not items:
        raise ValueError("summary() needs at least one item")
    first, brand = items[0]
    if len(items) == 1:
        return first.sentence(brand)
    brands = list(dict.fromkeys(b for _, b in items))
    if all(r.follow_up for r, _ in items):
        return f"{len(items):,} follow-ups due: {_and(list(dict.fromkeys(b for _, b in items)))}"
    if len({(r.group, r.about, r.tail) for r, _ in items}) == 1:
        where = f" on {first.where}" if len({r.where for r, _ in items}) == 1 else ""
        return f"{len(items):,} {first.group} {first.about} {_and(brands)}{where}{first.tail}"
    return f"{len(items):,} mentions need an answer: {', '.join(brands[:20])}"


def _and(names: list[str], shown: int = 3) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) <= shown:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{', '.join(names[:shown])} and {len(names) - shown:,} more"


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
