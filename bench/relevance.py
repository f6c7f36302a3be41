"""Brand relevance on real captured items: precision and recall of "about the brand", before and after issue 22.

    .venv/bin/python bench/relevance.py

The items are every entry of the captured feeds named in tests/data/relevance/dev_labelled.tsv (parsed by the
project's own parsers), labelled there by hand with the brands each is about; the brands are
tests/data/relevance/dev_brands.toml. Each (item, brand) pair counts once: a true positive when the brand's matcher
says the item is about it and the label agrees.

- before: the matcher as it was (the name always a term, terms as bare words anywhere in title, text and URL).
- after: monitor/matching.py with the config's context words (the pipeline's decision before any correction).
- after, no context words: the same config without `context`.
- + corrections: leave-one-out, as if the owner had corrected every other item the matcher got wrong ("not about
  us" on a kept homonym, "about us" on a held-back mention) and the item came in next (monitor/relevance.py).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import Brand  # noqa: E402
from monitor.matching import BrandMatcher, BrandTerms, normalise  # noqa: E402
from monitor.model import Item  # noqa: E402
from monitor.relevance import BrandRelevance, Example, Lessons  # noqa: E402
from monitor.sentiment import detect_language  # noqa: E402
from sources import bluesky, hackernews, mastodon, reddit, rss, youtube  # noqa: E402

DATA = ROOT / "tests" / "data" / "relevance"
FIXTURES = ROOT.parent / "shared" / "fixtures" / "real"
PARSERS: dict[str, Callable[[bytes], Sequence[Item]]] = {
    "google_alerts": lambda body: rss.parse(body)[0],
    "reddit/price-checker": lambda body: rss.parse(body)[0],
    "reddit/praw": lambda body: reddit.parse(json.loads(body)),
    "youtube": lambda body: youtube.parse(json.loads(body)),
    "hackernews_algolia": lambda body: hackernews.parse(json.loads(body)),
    "bluesky": lambda body: bluesky.parse(json.loads(body)),
    "mastodon": lambda body: mastodon.parse(json.loads(body)),
}


@dataclass(frozen=True)
class Row:
    item: Item
    about: frozenset[str]
    where: str


def brands() -> list[Brand]:
    raw = tomllib.loads((DATA / "dev_brands.toml").read_text(encoding="utf-8"))
    return [Brand.model_validate(b) for b in raw["brands"]]


def rows() -> list[Row]:
    parsed: dict[str, Sequence[Item]] = {}
    found = []
    for line in (DATA / "dev_labelled.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("fixture\t") or not line.strip():
            continue
        fixture, entry, item_id, about, _note = line.split("\t")
        if fixture not in parsed:
            parser = next(p for prefix, p in PARSERS.items() if fixture.startswith(prefix))
            parsed[fixture] = parser((FIXTURES / fixture).read_bytes())
        item = parsed[fixture][int(entry) - 1]
        assert item.external_id.endswith(item_id), f"{fixture} #{entry} is not {item_id}: the fixture changed"
        labels = frozenset() if about == "-" else frozenset(about.split(","))
        found.append(Row(item, labels, f"{fixture} #{entry}"))
    return found


def old_match(brand: Brand, item: Item) -> bool:
    """The matcher before issue 22: the name always a term; terms anywhere in title, text and URL."""
    folded = normalise("\n".join(t for t in (item.title, item.text, item.url) if t))
    for phrase in brand.exclude:
        folded = re.sub(re.escape(normalise(phrase)), lambda m: " " * len(m.group(0)), folded)
    for term in [brand.name, *brand.terms]:
        word = normalise(term.strip())
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
            return True
    return False


@dataclass
class Count:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, said: bool, truth: bool) -> None:
        self.tp += said and truth
        self.fp += said and not truth
        self.fn += truth and not said

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self, name: str) -> str:
        return f"{name:34} {self.tp:4} {self.fp:4} {self.fn:4} {self.precision:10.2f} {self.recall:7.2f}"


Judge = Callable[[Brand, Item], bool]


def measure(judge: Judge, data: Sequence[Row], config: Sequence[Brand]) -> tuple[Count, dict[str, Count]]:
    total, per_brand = Count(), {b.name: Count() for b in config}
    for brand in config:
        for row in data:
            said, truth = judge(brand, row.item), brand.name in row.about
            total.add(said, truth)
            per_brand[brand.name].add(said, truth)
    return total, per_brand


def matcher_of(brand: Brand, *, context: bool = True) -> BrandMatcher:
    terms = BrandTerms.build(brand.name, brand.terms, brand.exclude, brand.context if context else ())
    return BrandMatcher([terms], detect=detect_language)


def new_judge(*, context: bool = True) -> Judge:
    cache: dict[str, BrandMatcher] = {}

    def judge(brand: Brand, item: Item) -> bool:
        matcher = cache.setdefault(brand.name, matcher_of(brand, context=context))
        return matcher.judge(item.title, item.text, item.url, language=item.language).relevant

    return judge


def corrected_judge(data: Sequence[Row], *, context: bool = True) -> tuple[Judge, Callable[[], int]]:
    """Leave-one-out: the owner corrected every other item the matcher got wrong; then this item comes in."""
    corrections = 0

    def judge(brand: Brand, item: Item) -> bool:
        nonlocal corrections
        matcher = matcher_of(brand, context=context)
        not_about: list[Example] = []
        about: list[Example] = []
        kept: list[Example] = []
        held: list[Example] = []
        for row in data:
            if row.item is item:
                continue
            verdict = matcher.judge(row.item.title, row.item.text, row.item.url, language=row.item.language)
            if verdict.brand is None:
                continue
            example = Example(row.item.title, row.item.text, row.item.url)
            truth = brand.name in row.about
            if verdict.relevant and not truth:
                not_about.append(example)
            elif not verdict.relevant and truth:
                about.append(example)
            else:
                (kept if verdict.relevant else held).append(example)
        corrections = max(corrections, len(not_about) + len(about))
        relevance = BrandRelevance(matcher)
        relevance.learn({brand.name: Lessons(not_about, about, kept, held)})
        return relevance.judge(item.title, item.text, item.url, language=item.language).relevant

    return judge, lambda: corrections


def main() -> None:
    data, config = rows(), brands()
    pairs = len(data) * len(config)
    positives = sum(len(r.about) for r in data)
    print(f"brand relevance: {len(data)} captured items x {len(config)} brands = {pairs} pairs, {positives} about")
    print(f"{'':34} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>7}")
    before, before_by = measure(lambda b, i: old_match(b, i), data, config)
    after, after_by = measure(new_judge(), data, config)
    bare, bare_by = measure(new_judge(context=False), data, config)
    print(before.line("before (name + bare words + URL)"))
    print(after.line("after (context words)"))
    print(bare.line("after, no context words"))
    for context in (True, False):
        judge, most = corrected_judge(data, context=context)
        learned, _ = measure(judge, data, config)
        label = "after" if context else "after, no context"
        print(learned.line(f"{label} + corrections (<= {most()})"))
    print("\nper brand        before P/R    after P/R    no context P/R")
    for name in before_by:
        b, a, n = before_by[name], after_by[name], bare_by[name]
        print(
            f"{name:14} {b.precision:6.2f} {b.recall:5.2f}   {a.precision:6.2f} {a.recall:5.2f}   "
            f"{n.precision:6.2f} {n.recall:5.2f}"
        )


if __name__ == "__main__":
    main()
