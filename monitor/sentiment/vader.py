"""VADER's compound score, as vaderSentiment 3.3.2's `polarity_scores` computes it, without its quadratic corners.

The English backend asks VADER for the compound of every sentence of a text and of the whole: about half of the
scorer's time. `SentimentIntensityAnalyzer.polarity_scores` lower-cases every word of the text again for each of the
four checks it runs around each lexicon word (three negation checks and the idiom check: a sentence of 100 words
with 20 lexicon words lower-cases 8,000 words), copies the text a character at a time to replace emoji, and computes
the positive, negative and neutral shares the backend never reads. `Vader.compound` lower-cases once, skips the
copy when the text holds no emoji, and computes the compound alone, with VADER's own rules and constants, step by step
in the same order, so that it is the same float: tests/sentiment/test_vader.py compares the two on every text of the
evaluation sets, each of their sentences and pieces of them.

The rules are those of one release (VADER_VERSION): with any other installed, `compound` is VADER's own.
"""

from __future__ import annotations

import string
from importlib import metadata

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    normalize,
)

VADER_VERSION = "3.3.2"
_NEGATE = frozenset(NEGATE)
_PUNCTUATION = string.punctuation


def _installed() -> str | None:
    try:
        return metadata.version("vaderSentiment")
    except metadata.PackageNotFoundError:
        return None


class Vader:
    """VADER's compound score of a text (see the module docstring). Read-only once built: thread-safe."""

    def __init__(self, analyzer: SentimentIntensityAnalyzer | None = None) -> None:
        self.analyzer = analyzer or SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = self.analyzer.lexicon
        self._emojis: dict[str, str] = self.analyzer.emojis
        self._own = _installed() == VADER_VERSION

    def compound(self, text: str) -> float:
        if not self._own:
            return float(self.analyzer.polarity_scores(text)["compound"])
        if not self._emojis.keys().isdisjoint(text):
            text = self._described(text)
        text = text.strip()
        # SentiText's words: punctuation stripped from both ends, unless that leaves at most 2 characters (":)").
        words = [w if len(stripped := w.strip(_PUNCTUATION)) <= 2 else stripped for w in text.split()]
        if not words:
            return 0.0
        lower = [w.lower() for w in words]
        caps = sum(1 for w in words if w.isupper())
        is_cap_diff = 0 < len(words) - caps < len(words)
        lexicon = self.lexicon
        last = len(words) - 1
        # Only a lexicon word has a valence (a booster word and the "kind" of "kind of" have none even there).
        scored = [
            i
            for i, item in enumerate(lower)
            if item in lexicon
            and item not in BOOSTER_DICT
            and not (i < last and item == "kind" and lower[i + 1] == "of")
        ]
        if "but" in lower:  # VADER's own weighting around "but" (and its quirk: it finds each value by equality)
            sentiments: list[float] = [0] * len(words)
            for i in scored:
                sentiments[i] = self._valence(words, lower, i, is_cap_diff)
            values = SentimentIntensityAnalyzer._but_check(words, sentiments)
        else:  # the words without a valence add 0 to VADER's sum: the same sum without them
            values = [self._valence(words, lower, i, is_cap_diff) for i in scored]
        total = float(sum(values))
        emphasis = self.analyzer._punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        return float(round(normalize(total), 4))

    def _described(self, text: str) -> str:
        """Emoji replaced by their descriptions, as `polarity_scores` does."""
        out: list[str] = []
        prev_space = True
        for ch in text:
            description = self._emojis.get(ch)
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def _valence(self, words: list[str], lower: list[str], i: int, is_cap_diff: bool) -> float:
        """`SentimentIntensityAnalyzer.sentiment_valence` of a lexicon word."""
        lexicon = self.lexicon
        item = lower[i]
        valence = lexicon[item]
        if item == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[item] * N_SCALAR
        if words[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(0, 3):
            if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                s = _scalar_inc_dec(words[i - (start_i + 1)], lower[i - (start_i + 1)], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lower, i)
        return _least_check(valence, lower, i, lexicon)


def _negated(word: str) -> bool:
    word = word.lower()
    return word in _NEGATE or "n't" in word


def _scalar_inc_dec(word: str, word_lower: str, valence: float, is_cap_diff: bool) -> float:
    scalar = 0.0
    if word_lower in BOOSTER_DICT:
        scalar = BOOSTER_DICT[word_lower]
        if valence < 0:
            scalar *= -1
        if word.isupper() and is_cap_diff:
            if valence > 0:
                scalar += C_INCR
            else:
                scalar -= C_INCR
    return scalar


def _negation_check(valence: float, lower: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(lower[i - 1]):
            valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if (lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this")) or (
            lower[i - 1] == "so" or lower[i - 1] == "this"
        ):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lower: list[str], i: int) -> float:
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _least_check(valence: float, lower: list[str], i: int, lexicon: dict[str, float]) -> float:
    if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence
