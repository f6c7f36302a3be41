"""The labelled corpora in ../shared/eval and the figures we report on them (shared by train and eval scripts)."""

from __future__ import annotations

import csv
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
EN_CORPORA = ("amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets", "tweets")
CLASSES = ("negative", "neutral", "positive")
FOLDS = 5


@dataclass(frozen=True, slots=True)
class Row:
    corpus: str
    id: str
    text: str
    gold: str  # negative | neutral | positive
    fold: int


def gold_label(mean_rating: float) -> str:
    """PROVENANCE.md's convention: negative at <= -0.5, positive at >= 0.5."""
    if mean_rating <= -0.5:
        return "negative"
    if mean_rating >= 0.5:
        return "positive"
    return "neutral"


def fold_of(corpus: str, row_id: str) -> int:
    """A fixed fold per row, so every run holds out the same rows."""
    return zlib.crc32(f"{corpus}\t{row_id}".encode()) % FOLDS


def english_rows(eval_dir: Path = EVAL_DIR) -> list[Row]:
    rows: list[Row] = []
    for corpus in EN_CORPORA:
        with (eval_dir / "en" / f"{corpus}_dev.tsv").open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                rows.append(
                    Row(
                        corpus,
                        rec["id"],
                        rec["text"],
                        gold_label(float(rec["mean_rating"])),
                        fold_of(corpus, rec["id"]),
                    )
                )
    return rows


def japanese_rows(eval_dir: Path = EVAL_DIR) -> list[Row]:
    rows: list[Row] = []
    with (eval_dir / "ja" / "chabsa_sentences_train.tsv").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[1].strip() in ("0", "1"):
                gold = "negative" if parts[1].strip() == "0" else "positive"
                rows.append(Row("chabsa", str(i), parts[0], gold, fold_of("chabsa", str(i))))
    return rows


@dataclass(frozen=True, slots=True)
class Figures:
    n: int
    negatives: int
    precision: float
    recall: float
    f1: float
    macro_f1: float

    def line(self) -> str:
        return (
            f"neg P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f} (n_neg={self.negatives}) "
            f"3-class macro-F1 {self.macro_f1:.3f}"
        )


def figures(gold: Sequence[str], predicted: Sequence[str], classes: Sequence[str] = CLASSES) -> Figures:
    """Negative precision/recall/F1 and macro-F1 over `classes` ("unscored" counts as a miss)."""
    per_class: dict[str, tuple[float, float, float]] = {}
    for c in classes:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == c and p == c)
        n_pred = sum(1 for p in predicted if p == c)
        n_gold = sum(1 for g in gold if g == c)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        per_class[c] = (prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    p, r, f = per_class["negative"]
    macro = sum(v[2] for v in per_class.values()) / len(classes)
    return Figures(len(gold), sum(1 for g in gold if g == "negative"), p, r, f, macro)
