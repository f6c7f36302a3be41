"""VADER's compound score, as vaderSentiment 3.3.2's `polarity_scores` computes it, without its quadratic corners.

The English backend asks VADER for the compound of every sentence of a text and of the whole: about half of the
scorer's time. `SentimentIntensityAnalyzer.polarity_scores` lower-cases every word of the text again for each of the
four checks it runs around each lexicon word (three negation checks and the idiom check: a sentence of 100 words
with 20 lexicon words lower-cases 8,000 words), copies the text a character at a time to replace emoji, and computes
the positive, negative and neutral shares the backend never reads. `Vader.compound` lower-cases once, skips the
copy when the text holds no emoji, and computes the compound alone, with VADER's own rules and constants, step by step
in the same order, so that it is the same float. And the whole post is not read again after its sentences:
`Vader.joined` takes each word's valence from its sentence's reading, reading again only the words whose neighbours
VADER looks at lie in another sentence. tests/sentiment/test_vader.py compares both with VADER's own on every text
of the English evaluation sets, each of their sentences, and posts made of them.

The rules are those of one release (VADER_VERSION): with any other installed, `compound` is VADER's own.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Reading:
    """VADER's reading of one text: the text as it counts its punctuation (emoji described, stripped), its words,
    lower-cased, how many are in capitals, the valence of each word that has one (by position, before the "but"
    rule) and the compound."""

    text: str
    words: list[str]
    lower: list[str]
    capitals: int
    valences: dict[int, float]
    compound: float


# A word's valence depends on the three words before it and the two after it (`_valence`, and "kind of").
_BEFORE, _AFTER = 3, 2


class Vader:
    """VADER's compound score of a text (see the module docstring). Read-only once built: thread-safe."""

    def __init__(self, analyzer: SentimentIntensityAnalyzer | None = None) -> None:
        self.analyzer = analyzer or SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = self.analyzer.lexicon
        self._emojis: dict[str, str] = self.analyzer.emojis
        self._own = _installed() == VADER_VERSION

    def compound(self, text: str) -> float:
        return self.read(text).compound

    def read(self, text: str) -> Reading:
        if not self._own:
            return Reading(text, [], [], 0, {}, float(self.analyzer.polarity_scores(text)["compound"]))
        text, words, lower = self._words(text)
        capitals = sum(1 for w in words if w.isupper())
        cap_diff = 0 < len(words) - capitals < len(words)
        valences = {i: self._valence(words, lower, i, cap_diff) for i in self._scored(lower, range(len(words)))}
        return Reading(text, words, lower, capitals, valences, self._compound(text, words, lower, valences))

    def joined(self, readings: Sequence[Reading], text: str) -> float:
        """The compound of `text`, the texts of `readings` joined by spaces (a post, read sentence by sentence), as
        `compound(text)` computes it, reusing what the readings found: a word's valence is the same in the whole as
        in its sentence when the three words before it and the two after it are in the sentence too, and the text's
        capitals are mixed, or not, as the sentence's are. Only the words at the edges of each sentence are read
        again."""
        if not self._own:
            return self.compound(text)
        text, words, lower = self._words(text)
        if words != [w for r in readings for w in r.words]:  # not the sentences' words end to end after all
            return self.compound(text)
        capitals = sum(r.capitals for r in readings)
        cap_diff = 0 < len(words) - capitals < len(words)
        valences: dict[int, float] = {}
        offset = 0
        for r in readings:
            n = len(r.words)
            if (0 < n - r.capitals < n) != cap_diff:
                inner = range(0)  # read again: its words weigh differently in the whole
            else:
                inner = range(min(_BEFORE, n), max(min(_BEFORE, n), n - _AFTER))
            for i in self._scored(lower, range(offset, offset + inner.start)):
                valences[i] = self._valence(words, lower, i, cap_diff)
            valences.update((offset + j, v) for j, v in r.valences.items() if j in inner)
            for i in self._scored(lower, range(offset + inner.stop, offset + n)):
                valences[i] = self._valence(words, lower, i, cap_diff)
            offset += n
        return self._compound(text, words, lower, valences)

    def _words(self, text: str) -> tuple[str, list[str], list[str]]:
        """The text as VADER counts its punctuation, SentiText's words (punctuation stripped from both ends, unless
        that leaves at most 2 characters: ":)"), lower-cased."""
        if not self._emojis.keys().isdisjoint(text):
            text = self._described(text)
        text = text.strip()
        words = [w if len(stripped := w.strip(_PUNCTUATION)) <= 2 else stripped for w in text.split()]
        return text, words, [w.lower() for w in words]

    def _scored(self, lower: list[str], positions: range) -> list[int]:
        """The positions of the words that have a valence: lexicon words, but no booster word and no "kind" of "kind
        of" even where the lexicon has them."""
        lexicon, last = self.lexicon, len(lower) - 1
        return [
            i
            for i in positions
            if (item := lower[i]) in lexicon
            and item not in BOOSTER_DICT
            and not (i < last and item == "kind" and lower[i + 1] == "of")
        ]

    def _compound(self, text: str, words: list[str], lower: list[str], valences: dict[int, float]) -> float:
        """`score_valence`'s compound of the words' valences (in order of position)."""
        if not words:
            return 0.0
        if "but" in lower:  # VADER's own weighting around "but" (and its quirk: it finds each value by equality)
            sentiments: list[float] = [0] * len(words)
            for i, valence in valences.items():
                sentiments[i] = valence
            values = SentimentIntensityAnalyzer._but_check(words, sentiments)
        else:  # the words without a valence add 0 to VADER's sum: the same sum without them
            values = list(valences.values())
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
