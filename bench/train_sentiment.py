"""Train the English and Japanese linear models shipped in monitor/sentiment/, and report held-out figures.

    pip install scikit-learn        # training only; the scorer itself needs neither it nor numpy
    python bench/train_sentiment.py

Trains ONLY on ../shared/eval (VADER's human-rated corpora, MIT; chABSA, CC BY 4.0). Every row has a fixed fold
(a hash of corpus and id); the held-out figures come from models that never saw the row, scored through the real
`Scorer` code path with the thresholds of `ScorerConfig`. The final models are then fitted on all rows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sentiment_data import EN_CORPORA, FOLDS, Row, english_rows, figures, japanese_rows
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from monitor.sentiment.backend import Backend
from monitor.sentiment.english import EnglishBackend
from monitor.sentiment.japanese import JapaneseBackend, Lexicon, char_ngrams
from monitor.sentiment.linear import LinearModel
from monitor.sentiment.scorer import Scorer

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "monitor" / "sentiment"
EN_CLASSES = ("negative", "neutral", "positive")
JA_CLASSES = ("negative", "positive")
MIN_COUNT = 2  # a feature seen in one training row only is noise, and bloats the shipped file
PRUNE_BELOW = 0.002


def fit(
    feats: Sequence[dict[str, float]],
    labels: Sequence[str],
    classes: tuple[str, ...],
    c: float,
    weights: Sequence[float] | None = None,
) -> LinearModel:
    counts: Counter[str] = Counter(k for f in feats for k in f)
    kept = [{k: v for k, v in f.items() if counts[k] >= MIN_COUNT} for f in feats]
    vec = DictVectorizer()
    x = vec.fit_transform(kept)
    y = [classes.index(label) for label in labels]
    lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if len(classes) == 2 else None)
    lr.fit(x, y, sample_weight=weights)
    names = vec.get_feature_names_out()
    coef = lr.coef_
    out: dict[str, tuple[float, ...]] = {}
    for j, name in enumerate(names):
        w = tuple(float(coef[k, j]) for k in range(coef.shape[0]))
        if max(abs(v) for v in w) >= PRUNE_BELOW:
            out[str(name)] = w
    return LinearModel(classes=classes, bias=tuple(float(b) for b in lr.intercept_), weights=out)


def cross_validate(
    rows: Sequence[Row],
    feats: Sequence[dict[str, float]],
    classes: tuple[str, ...],
    c: float,
    weights: Sequence[float] | None,
    make_backend: Callable[[LinearModel], Backend],
    language: str | None,
) -> list[str]:
    """Held-out labels: each fold scored by a model fitted on the other folds, through `Scorer.score`."""
    predicted = [""] * len(rows)
    for k in range(FOLDS):
        train = [i for i, r in enumerate(rows) if r.fold != k]
        model = fit(
            [feats[i] for i in train],
            [rows[i].gold for i in train],
            classes,
            c,
            [weights[i] for i in train] if weights else None,
        )
        scorer = Scorer([make_backend(model)])
        for i, r in enumerate(rows):
            if r.fold == k:
                predicted[i] = scorer.score(r.text, language=language).label
        print(f"  fold {k + 1}/{FOLDS} done", file=sys.stderr)
    return predicted


def corpus_weights(rows: Sequence[Row]) -> list[float]:
    """Each corpus weighs the same in training, so the 5,276 movie snippets do not drown the 1,827 Amazon ones."""
    sizes = Counter(r.corpus for r in rows)
    return [len(rows) / len(sizes) / sizes[r.corpus] for r in rows]


def train_english(c: float) -> dict[str, Any]:
    rows = english_rows()
    featurizer = EnglishBackend(LinearModel(EN_CLASSES, (0.0, 0.0, 0.0), {}))
    feats = [featurizer.overall_features(r.text) or {} for r in rows]
    weights = corpus_weights(rows)
    predicted = cross_validate(rows, feats, EN_CLASSES, c, weights, EnglishBackend, None)
    heldout: dict[str, Any] = {}
    for corpus in EN_CORPORA:
        idx = [i for i, r in enumerate(rows) if r.corpus == corpus]
        fig = figures([rows[i].gold for i in idx], [predicted[i] for i in idx])
        heldout[corpus] = {k: round(getattr(fig, k), 4) for k in ("n", "precision", "recall", "f1", "macro_f1")}
        print(f"en {corpus:22s} held-out {fig.line()}")
    model = fit(feats, [r.gold for r in rows], EN_CLASSES, c, weights)
    write("en_model.json.gz", model, c, "shared/eval/en (VADER ICWSM-2014 dev halves, MIT)", heldout)
    return heldout


def train_japanese(c: float) -> dict[str, Any]:
    rows = japanese_rows()
    feats = [char_ngrams(r.text) for r in rows]
    lexicon = Lexicon.packaged()
    predicted = cross_validate(rows, feats, JA_CLASSES, c, None, lambda m: JapaneseBackend(m, lexicon), "ja")
    fig = figures([r.gold for r in rows], predicted, JA_CLASSES)
    print(f"ja chabsa                 held-out {fig.line().replace('3-class', '2-class')}")
    heldout = {"chabsa": {k: round(getattr(fig, k), 4) for k in ("n", "precision", "recall", "f1", "macro_f1")}}
    model = fit(feats, [r.gold for r in rows], JA_CLASSES, c)
    write("ja_model.json.gz", model, c, "shared/eval/ja (chABSA, TIS Inc., CC BY 4.0)", heldout)
    return heldout


def write(name: str, model: LinearModel, c: float, source: str, heldout: dict[str, Any]) -> None:
    data = model.to_json(trained_on=source, l2_c=c, heldout=heldout)
    path = PACKAGE_DIR / name
    path.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), mtime=0))
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB, {len(model.weights)} features)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--english-c", type=float, default=0.2, help="inverse L2 strength (default 0.2)")
    parser.add_argument("--japanese-c", type=float, default=2.0, help="inverse L2 strength (default 2.0)")
    parser.add_argument("--only", choices=("en", "ja"), help="train one language only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.only in (None, "en"):
        train_english(args.english_c)
    if args.only in (None, "ja"):
        train_japanese(args.japanese_c)
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
