"""The Japanese backend: a polarity lexicon for everyday complaint and review language, plus a character n-gram
linear model trained on chABSA (formal sentences from annual securities reports, CC BY 4.0).

No tokenizer: Japanese has no spaces, and character bigrams/trigrams need no dictionary download. The lexicon
(`ja_lexicon.tsv`, written for this project) carries social posts and reviews, where the financial model knows few
words; the model carries formal prose ("減益となりました"). Their log-odds add up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from importlib import resources

from monitor.sentiment.backend import Polarity
from monitor.sentiment.linear import LinearModel, load_packaged

MODEL_FILE = "ja_model.json.gz"
LEXICON_FILE = "ja_lexicon.tsv"
# How much one unit of lexicon weight and one unit of the model's log-odds move the verdict. The model is trained on
# financial prose, so on everyday text it is trusted less than the lexicon.
LEXICON_GAIN = 1.2
MODEL_GAIN = 0.6
# The model is trained with balanced class weights, so chABSA's base rate (59% positive) does not leak into reviews.
_DIGITS = re.compile(r"[0-9]+")
_NEGATION_AFTER = re.compile(r"(?:く|では|じゃ|でき|し|して|してい|でも|は)?(?:な[いかくけ]|ありません|ません|ず)")
# Waiting N minutes / hours is a complaint whatever words surround it.
_WAITED = re.compile(r"[0-9一二三四五六七八九十何数]+(?:分|時間)(?:以上|近く)?(?:も|は)?待")
_WAITED_WEIGHT = -2.0


def char_ngrams(text: str) -> dict[str, float]:
    """Character bigrams and trigrams (digits folded to 0), the model's features; shared with the training script."""
    text = _DIGITS.sub("0", text)
    feats: dict[str, float] = {}
    for n in (2, 3):
        for i in range(len(text) - n + 1):
            gram = text[i : i + n]
            if not gram.isspace():
                feats[gram] = 1.0
    return feats


class Lexicon:
    """Longest-match scan over a text; an entry followed by a negation flips (and weakens) its weight."""

    def __init__(self, entries: Mapping[str, float]) -> None:
        by_first: dict[str, list[tuple[str, float]]] = {}
        for surface, weight in entries.items():
            by_first.setdefault(surface[0], []).append((surface, weight))
        for candidates in by_first.values():
            candidates.sort(key=lambda e: -len(e[0]))
        self._by_first = by_first

    @classmethod
    def packaged(cls) -> Lexicon:
        text = resources.files("monitor.sentiment").joinpath(LEXICON_FILE).read_text(encoding="utf-8")
        entries: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                surface, weight = line.split("\t")
                entries[surface] = float(weight)
        return cls(entries)

    def score(self, text: str) -> tuple[float, int]:
        """(sum of weights, number of hits)."""
        total = 0.0
        hits = 0
        i = 0
        n = len(text)
        while i < n:
            for surface, weight in self._by_first.get(text[i], ()):
                if text.startswith(surface, i):
                    end = i + len(surface)
                    if _NEGATION_AFTER.match(text, end):
                        weight = -weight * (0.8 if weight > 0 else 0.4)
                    total += weight
                    hits += 1
                    i = end
                    break
            else:
                i += 1
        for _ in _WAITED.finditer(text):
            total += _WAITED_WEIGHT
            hits += 1
        return total, hits


class JapaneseBackend:
    languages = frozenset({"ja"})

    def __init__(self, model: LinearModel, lexicon: Lexicon) -> None:
        if model.classes != ("negative", "positive"):
            raise ValueError(f"Japanese model classes {model.classes}, expected negative/positive")
        self._model = model
        self._lexicon = lexicon

    @classmethod
    def packaged(cls) -> JapaneseBackend:
        return cls(load_packaged(MODEL_FILE), Lexicon.packaged())

    def log_odds(self, text: str) -> float:
        """Positive minus negative evidence, in log-odds."""
        lexicon, _ = self._lexicon.score(text)
        _, p_pos = self._model.probabilities(char_ngrams(text))
        p_pos = min(max(p_pos, 1e-6), 1 - 1e-6)
        model = math.log(p_pos / (1 - p_pos))
        return LEXICON_GAIN * lexicon + MODEL_GAIN * model

    def polarity(self, text: str) -> Polarity | None:
        if not text.strip():
            return None
        s = math.tanh(self.log_odds(text) / 2)
        return Polarity(negative=max(0.0, -s), neutral=1.0 - abs(s), positive=max(0.0, s))
