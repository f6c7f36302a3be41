"""`monitor.sentiment.vader.Vader` gives exactly the compound VADER's own `polarity_scores` gives: on every text of
the English evaluation sets (../shared/eval/en), on each of their sentences, on them with words in capitals, and on
VADER's special cases (negations, "kind of", "least", "but", idioms, emoji); and `Vader.joined` gives the compound of
a post read sentence by sentence exactly as VADER gives it for the whole post."""

from __future__ import annotations

import random

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bench.sentiment_data import english_rows
from monitor.sentiment.text import bound, sentences
from monitor.sentiment.vader import Vader

SPECIAL = [
    "no good",
    "NO GOOD at all",
    "not bad",
    "kind of good",
    "this is kind of",
    "KIND OF GOOD",
    "least bad",
    "at least good",
    "the very least fun",
    "never so happy",
    "without doubt good",
    "😀😀 great",
    "good😀",
    "it was :) fun :(",
    "Yeah right, good",
    "the shit is the bomb",
    "I'm not sure but it's great but bad",
    "no or nor good",
    "good!!!! ??",
    "So GOOD",
    "VERY good but TERRIBLE",
    "cut the mustard",
    "to die for",
    "",
    "   ",
    "!!!",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = [row.text for row in english_rows()]
    assert len(found) > 10_000, "the evaluation sets are missing from ../shared/eval"
    return found


def test_the_compound_is_vaders_own(texts: list[str]) -> None:
    stock, ours = SentimentIntensityAnalyzer(), Vader()
    rng = random.Random(23)
    cases = list(SPECIAL)
    for text in texts:
        cases += [text, *sentences(bound(text))]
        words = text.split()
        cases.append(" ".join(w.upper() if rng.random() < 0.3 else w for w in words))
    differ = [t for t in cases if ours.compound(t) != stock.polarity_scores(t)["compound"]]
    assert differ == [], f"{len(differ)} of {len(cases)} differ, such as {differ[:3]}"


def test_a_post_read_sentence_by_sentence_has_the_whole_posts_compound(texts: list[str]) -> None:
    vader = Vader()
    rng = random.Random(23)
    posts = 0
    for _ in range(5_000):
        picks = [rng.choice(texts) for _ in range(rng.randrange(2, 8))]
        if rng.random() < 0.3:
            picks = [p.upper() if rng.random() < 0.5 else p for p in picks]
        picks = [p + rng.choice(["", "", "!!", " :)", " 😀", "??", " but ok", " kind of"]) for p in picks]
        parts = sentences(bound(rng.choice([" ", "\n", ". "]).join(picks)))
        joined = " ".join(parts)
        assert vader.joined([vader.read(p) for p in parts], joined) == vader.compound(joined), joined
        posts += len(parts) > 1
    assert posts > 4_000
