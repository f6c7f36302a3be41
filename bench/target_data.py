"""The target-dependent sentiment sets in ../shared/eval/target and the figures we report on them.

Shared by `bench/eval_target.py` and the floor test (`tests/sentiment/test_target_floor.py`), so the two always
measure the same way. PROVENANCE.md: these rows are for development and measurement only; no shipped weight is
trained on them.

Each record is three lines: the sentence with `$T$` where the target stood, the target, the label (-1/0/1). The text
is tokenised as the datasets' authors left it (`do n't`, `-LRB-`, ` , `); `detokenise` writes it back the way people
type, so the scorer reads what it would read in a real post.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

TARGET_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "target"
CORPORA = {
    "twitter": "dong2014_twitter_train.raw",
    "restaurants": "semeval14_restaurants_train.seg",
    "laptops": "semeval14_laptops_train.seg",
}
GOLD = {"-1": "negative", "0": "neutral", "1": "positive"}

_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}
_CLITIC = re.compile(r"(\w) (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE)
_BEFORE_PUNCT = re.compile(r" ([.,!?;:%)\]}])")
_AFTER_OPEN = re.compile(r"([(\[{$]) ")
_QUOTES = re.compile(r"``|''")


def detokenise(text: str) -> str:
    """ "could n't make up for it , but" -> "couldn't make up for it, but"."""
    for token, char in _BRACKETS.items():
        text = text.replace(token, char)
    text = _QUOTES.sub('"', text)
    text = _CLITIC.sub(r"\1\2", text)
    text = _BEFORE_PUNCT.sub(r"\1", text)
    text = _AFTER_OPEN.sub(r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True, slots=True)
class Record:
    corpus: str
    sentence: str  # detokenised, with the target in place
    target: str
    gold: str  # negative | neutral | positive


def records(corpus: str, target_dir: Path = TARGET_DIR) -> list[Record]:
    lines = (target_dir / CORPORA[corpus]).read_text(encoding="utf-8").splitlines()
    found = []
    for i in range(0, len(lines) - 2, 3):
        template, target, label = lines[i], lines[i + 1].strip(), lines[i + 2].strip()
        if label not in GOLD or "$T$" not in template:
            continue
        found.append(Record(corpus, detokenise(template.replace("$T$", target)), detokenise(target), GOLD[label]))
    return found


@dataclass(frozen=True, slots=True)
class TargetFigures:
    n: int
    negatives: int
    precision: float
    recall: float
    f1: float
    # Of the targets that are not negative in a sentence where another target is: the share called negative.
    crossfire: float
    crossfire_n: int
    accuracy: float

    def line(self) -> str:
        return (
            f"neg P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f} (n_neg={self.negatives}); "
            f"negative on another's target {self.crossfire:.3f} (n={self.crossfire_n}); 3-class acc {self.accuracy:.3f}"
        )


def _same_sentence(sentence: str) -> str:
    """The records of one sentence differ in spacing around the target's quotes: compare letters and digits only."""
    return re.sub(r"\W+", "", sentence).casefold()


def crossfire_rows(rows: Sequence[Record]) -> list[int]:
    """Indices of the records that are not negative while another target of the same sentence is."""
    negative_in: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.gold == "negative":
            negative_in[_same_sentence(r.sentence)].add(r.target)
    return [
        i for i, r in enumerate(rows) if r.gold != "negative" and negative_in[_same_sentence(r.sentence)] - {r.target}
    ]


def agreeing_rows(rows: Sequence[Record]) -> list[int]:
    """Indices of the records whose sentence gives every one of its targets the same label (most hold one target).
    There the whole text is the right reading, so the whole-text figures on them bound what any focus on the target
    can reach with the same backend: focus can only mend the other sentences."""
    labels: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        labels[_same_sentence(r.sentence)].add(r.gold)
    return [i for i, r in enumerate(rows) if len(labels[_same_sentence(r.sentence)]) == 1]


def target_figures(rows: Sequence[Record], predicted: Sequence[str]) -> TargetFigures:
    tp = sum(1 for r, p in zip(rows, predicted, strict=True) if r.gold == "negative" and p == "negative")
    n_pred = sum(1 for p in predicted if p == "negative")
    n_gold = sum(1 for r in rows if r.gold == "negative")
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    cross = crossfire_rows(rows)
    crossfire = sum(predicted[i] == "negative" for i in cross) / len(cross) if cross else 0.0
    accuracy = sum(r.gold == p for r, p in zip(rows, predicted, strict=True)) / len(rows) if rows else 0.0
    return TargetFigures(len(rows), n_gold, precision, recall, f1, crossfire, len(cross), accuracy)


def measure(label: Callable[[Record], str], corpora: Sequence[str] = tuple(CORPORA)) -> dict[str, TargetFigures]:
    """Figures per corpus and over all of them ("all"), for a function that labels one record."""
    out: dict[str, TargetFigures] = {}
    every: list[Record] = []
    every_predicted: list[str] = []
    for corpus in corpora:
        rows = records(corpus)
        predicted = [label(r) for r in rows]
        out[corpus] = target_figures(rows, predicted)
        every += rows
        every_predicted += predicted
    out["all"] = target_figures(every, every_predicted)
    return out
