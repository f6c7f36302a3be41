"""The Japanese backend: a polarity lexicon for everyday complaint and review language, plus a character n-gram
linear model trained on chABSA (formal sentences from annual securities reports, CC BY 4.0).

No tokenizer: Japanese has no spaces, and character bigrams/trigrams need no dictionary download. The lexicon
(`ja_lexicon.tsv`, written for this project) carries social posts and reviews, where the financial model knows few
words; the model carries formal prose ("減益となりました"). Their log-odds add up. A few rules of grammar, scored
sentence by sentence, catch what a word list cannot: a broken expectation (のに ... ない), a past wish of what someone
should have done (てほしかった), "hard to" (にくい, づらい), "too" (すぎ), and waiting or taking N minutes; those
that are a pattern and a weight are data with their examples (ja_phrases.toml).
"""

from __future__ import annotations

import math
import re
import tomllib
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
# The model's log-odds are clipped (as a probability of 1e-6 .. 1 - 1e-6 would be), so that one huge sentence cannot
# overflow tanh's input or outvote every lexicon hit.
_MODEL_CLIP = 14.0
_DIGITS = re.compile(r"[0-9]+")
# A negated entry flips: praise turns into most of a complaint (楽しくなかった), a complaint into faint praise
# (悪くない).
_FLIP_PRAISE = 0.8
_FLIP_COMPLAINT = 0.4
_NEGATION_AFTER = re.compile(r"(?:く|では|じゃ|でき|し|して|してい|でも|は)?(?:な[いかくけ]|ありません|ません|ず)")
# Complaints written without a bad word (waiting N minutes, のに...ない, にくい...): patterns with a weight, as data
# with their examples (ja_phrases.toml; tests/sentiment/test_ja_phrases.py).
PHRASES_FILE = "ja_phrases.toml"


def load_patterns() -> tuple[tuple[re.Pattern[str], float], ...]:
    data = tomllib.loads(resources.files("monitor.sentiment").joinpath(PHRASES_FILE).read_text(encoding="utf-8"))
    return tuple((re.compile(entry["pattern"]), float(entry["weight"])) for entry in data["complaint"])


_PATTERNS = load_patterns()
# "I wished they had (done)": a past wish of what someone should have done is a complaint, and the praise words
# inside it are what was missing. Not 欲しかった after a thing (ずっと欲しかったバッグ is a joy), nor ばよかった
# (もっと早く来ればよかった is praise).
_WISHED = re.compile(r"[てで](?:ほし|欲し)かった")
_WISHED_WEIGHT = -1.0
# すぎ ("too"): after a lexicon word it strengthens it; after a plain word it is a mild complaint, except in times
# of day (2時すぎ, 昼すぎ).
_TOO_GAIN = 1.3
_TOO_WEIGHT = -0.8
_TIME_BEFORE_SUGI = frozenset("時昼分年月日週")
_SENTENCE = re.compile(r"[。!?\n]+")
_KANA = re.compile(r"[\u3040-\u30ff]")


def _katakana(char: str) -> bool:
    """A katakana letter or the long-vowel mark ー."""
    return "\u30a1" <= char <= "\u30fa" or char == "\u30fc"


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
        """(sum of weights, number of hits), sentence by sentence."""
        total = 0.0
        hits = 0
        for sentence in _SENTENCE.split(text):
            if sentence:
                weight, n = self._sentence(sentence)
                total += weight
                hits += n
        return total, hits

    def _sentence(self, text: str) -> tuple[float, int]:
        found: list[tuple[int, float]] = []  # (end, weight) of each lexicon hit
        i = 0
        n = len(text)
        while i < n:
            candidates = self._by_first.get(text[i], ())
            if candidates and i and _katakana(text[i]) and _katakana(text[i - 1]):
                candidates = ()  # a katakana entry starts only where a katakana word does: not ウザ in ブラウザ
            for surface, weight in candidates:
                if text.startswith(surface, i):
                    end = i + len(surface)
                    if _NEGATION_AFTER.match(text, end):
                        weight = -weight * (_FLIP_PRAISE if weight > 0 else _FLIP_COMPLAINT)
                    found.append((end, weight))
                    i = end
                    break
            else:
                if text.startswith("すぎ", i):
                    if found and found[-1][0] == i:  # 美味しすぎ, 遅すぎ: "too" strengthens the word before it
                        found[-1] = (i + 2, found[-1][1] * _TOO_GAIN)
                    elif i and text[i - 1] not in _TIME_BEFORE_SUGI:  # 少なすぎ, 違いすぎ: too much of a plain thing
                        found.append((i + 2, _TOO_WEIGHT))
                    i += 2
                else:
                    i += 1
        wish = _WISHED.search(text)
        if wish:
            # 丁寧に対応してほしかった: what the writer wished for is what they did not get.
            found = [(end, -w * _FLIP_PRAISE if w > 0 and end <= wish.start() else w) for end, w in found]
            found.append((wish.end(), _WISHED_WEIGHT))
        total = sum(w for _, w in found)
        hits = len(found)
        for pattern, extra in _PATTERNS:
            for _ in pattern.finditer(text):
                total += extra
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
        # The model's own evidence only, without its intercept: that is a lean towards "positive" learnt from
        # financial prose (+0.3), and on everyday text it kept mild complaints out of "negative".
        (logit,) = self._model.logits(char_ngrams(text))
        model = max(-_MODEL_CLIP, min(_MODEL_CLIP, logit - self._model.bias[0]))
        return LEXICON_GAIN * lexicon + MODEL_GAIN * model

    def recognises(self, text: str) -> bool:
        """Kana are written only in Japanese."""
        return _KANA.search(text) is not None

    def opinionated(self, text: str) -> bool:
        """Whether `text` holds a lexicon word or a complaint pattern (waiting N minutes, のに...ない, ...)."""
        return self._lexicon.score(text)[1] > 0

    def polarity(self, text: str) -> Polarity | None:
        if not text.strip():
            return None
        s = math.tanh(self.log_odds(text) / 2)
        return Polarity(negative=max(0.0, -s), neutral=1.0 - abs(s), positive=max(0.0, s))
