"""Learning from the owner: "not about us" and "about us" teach each brand which items are not about it.

The decision the pipeline and `mention-monitor match --jsonl` both make is `BrandRelevance.judge`: the matcher's
verdict (monitor/matching.py: terms, exclusions, ambiguous words), then what the owner taught. Per brand, two word
models learn from the owner's corrections (`Lessons`, read from the database by monitor/storage/relevance.py):

- `hold`: the items marked not about us, against the brand's kept mentions and those marked about us. An item the
  matcher accepted is held back when it resembles the first far more than the second.
- `rescue`: the items marked about us, against the items held back (by the matcher, or marked not about us). An
  item the matcher held back is kept when it resembles the first far more.

A model says nothing until the owner has made MIN_EXAMPLES corrections of its kind for the brand.

Each is a naive Bayes over the words an item has (title, text, and the words of its URL's path: a slug says a lot
about a story), each word counted once per item. A word's probability in a set is smoothed toward its rate over
both sets, so a word neither set has says nothing, and a word in all three marked items does not outweigh one in
half of three hundred kept ones merely because three is small; no word adds more than WORD_CAP, so it takes
several words in common to hold an item back. Pure Python: a brand has hundreds of items, not millions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from monitor.matching import BrandMatcher, Detect, Verdict, normalise

# Corrections of one kind the owner must have made for a brand before its model acts on new items.
MIN_EXAMPLES = 2
# How much more alike (natural log of the odds) an item must be to one set than to the other for the model to act.
DECIDE_ODDS = 4.0
# The most one word can add to the odds.
WORD_CAP = 2.5
# Pseudo-items of smoothing toward a word's rate over both sets.
SMOOTHING = 2.0
# How many words a reason names.
REASON_WORDS = 3

_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")


@dataclass(frozen=True, slots=True)
class Example:
    """An item as the models read it."""

    title: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class Lessons:
    """What one brand's stored mentions teach: the owner's corrections, and the items nobody corrected."""

    not_about: Sequence[Example] = ()  # marked "not about us"
    about: Sequence[Example] = ()  # marked "about us"
    kept: Sequence[Example] = ()  # stored as about the brand, not corrected
    held: Sequence[Example] = ()  # held back, not corrected


def words(title: str, text: str, url: str = "") -> frozenset[str]:
    """The features of an item: its words (case-folded; Japanese/Chinese/Korean as pairs of characters) and the
    words of its URL's path."""
    folded = normalise(f"{title}\n{text}")
    found = {w for w in _WORD.findall(_CJK_RUN.sub(" ", folded)) if len(w) > 1}
    for run in _CJK_RUN.findall(folded):
        found.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    try:
        path = urlsplit(url).path if url else ""
    except ValueError:
        path = ""
    found.update(w for w in _WORD.findall(normalise(path).replace("-", " ").replace("_", " ")) if len(w) > 1)
    return frozenset(found)


class WordModel:
    """How much more an item resembles set A than set B (log odds, see the module docstring)."""

    def __init__(self, a: Sequence[frozenset[str]], b: Sequence[frozenset[str]]) -> None:
        self.size_a, self.size_b = len(a), len(b)
        self.a = Counter(w for item in a for w in item)
        self.b = Counter(w for item in b for w in item)

    def weights(self, features: Iterable[str]) -> list[tuple[float, str]]:
        """Each known word's share of the odds, largest toward A first."""
        total = self.size_a + self.size_b
        found = []
        for word in features:
            in_a, in_b = self.a.get(word, 0), self.b.get(word, 0)
            if not in_a and not in_b:
                continue
            prior = (in_a + in_b) / total
            p_a = (in_a + SMOOTHING * prior) / (self.size_a + SMOOTHING)
            p_b = (in_b + SMOOTHING * prior) / (self.size_b + SMOOTHING)
            found.append((max(-WORD_CAP, min(WORD_CAP, math.log(p_a / p_b))), word))
        return sorted(found, reverse=True)


@dataclass
class Learned:
    """One brand's two models (None until the owner made enough corrections of that kind)."""

    hold: WordModel | None
    rescue: WordModel | None
    marked_not_about: int
    marked_about: int
    ignore: frozenset[str] = field(default_factory=frozenset)  # the brand's own words: in every item, never a reason

    @classmethod
    def from_lessons(cls, lessons: Lessons, ignore: frozenset[str] = frozenset()) -> Learned:
        def feats(examples: Sequence[Example]) -> list[frozenset[str]]:
            return [words(e.title, e.text, e.url) for e in examples]

        not_about, about = feats(lessons.not_about), feats(lessons.about)
        hold = WordModel(not_about, feats(lessons.kept) + about) if len(not_about) >= MIN_EXAMPLES else None
        rescue = WordModel(about, feats(lessons.held) + not_about) if len(about) >= MIN_EXAMPLES else None
        return cls(hold, rescue, len(not_about), len(about), ignore)

    def decides(self, model: WordModel | None, features: frozenset[str]) -> list[str] | None:
        """The words that made `model` decide for its set A, or None when it does not."""
        if model is None:
            return None
        weights = model.weights(features)
        if sum(w for w, _ in weights) < DECIDE_ODDS:
            return None
        return [word for weight, word in weights if weight > 0 and word not in self.ignore][:REASON_WORDS]


class BrandRelevance:
    """The matcher's verdict, then what the owner taught (see the module docstring)."""

    def __init__(self, matcher: BrandMatcher, *, detect: Detect | None = None) -> None:
        self.matcher = matcher
        self.detect = detect
        self._learned: dict[str, Learned] = {}

    def learn(self, lessons: Mapping[str, Lessons]) -> None:
        """Replace what was learned with `lessons` (brand name -> its lessons)."""
        self._learned = {
            brand: Learned.from_lessons(taught, self._own_words(brand)) for brand, taught in lessons.items()
        }

    def learned(self, brand: str) -> Learned | None:
        return self._learned.get(brand)

    def judge(self, title: str, text: str, url: str = "", *, language: str | None = None) -> Verdict:
        verdict = self.matcher.judge(title, text, url, language=language, detect=self.detect)
        learned = self._learned.get(verdict.brand) if verdict.brand is not None else None
        if learned is None or verdict.brand is None:
            return verdict
        if (learned.hold if verdict.relevant else learned.rescue) is None:
            return verdict  # nothing taught of that kind yet: no need for the item's words
        features = words(title, text, url)
        if verdict.relevant:
            reasons = learned.decides(learned.hold, features)
            if reasons is not None:
                said = f"like the {_plural(learned.marked_not_about, 'mention')} marked not about us{_words(reasons)}"
                return Verdict(verdict.brand, False, said, verdict.term)
        else:
            reasons = learned.decides(learned.rescue, features)
            if reasons is not None:
                like = f"the {_plural(learned.marked_about, 'mention')} marked about us{_words(reasons)}"
                said = f"{verdict.reason}; but it is like {like}"
                return Verdict(verdict.brand, True, said, verdict.term)
        return verdict

    def _own_words(self, brand: str) -> frozenset[str]:
        terms = self.matcher.terms_of(brand)
        return frozenset(w for t in terms for w in words(t, ""))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _words(reasons: Sequence[str]) -> str:
    return f" ({', '.join(reasons)})" if reasons else ""
