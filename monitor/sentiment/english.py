"""The English backend: VADER per sentence, plus a small two-stage linear model.

VADER alone misses complaints written without "bad words" and averages one furious sentence away in a long friendly
post. Stage one reads words only: two NB-weighted logistic regressions (negative-vs-rest and positive-vs-rest), one
over words and the character n-grams inside them, one over words and VADER's lexicon valence of each. Stage two, a
small 3-class model, combines their scores with VADER's sentence scores, complaint phrases and the marks of an
informal post, so it keeps VADER's strength on social posts. All are trained by `bench/train_sentiment.py` on the
VADER authors' human-rated corpora, stage two on out-of-fold stage-one scores. A post of several sentences is also
scored sentence by sentence, and its worst sentence counts at full weight.
"""

from __future__ import annotations

import re

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.sentiment.backend import Polarity
from monitor.sentiment.en_features import combine_features, has_trouble, plain_idioms, stage_one_features, tokens
from monitor.sentiment.linear import LinearModel, ModelFileError, load_packaged_json
from monitor.sentiment.text import sentences
from monitor.sentiment.vader import Vader

MODEL_FILE = "en_model.json.gz"
_WORD = re.compile(r"[^\W\d_]{2,}")
# From this many sentences on, the worst sentence on its own can make the post negative.
WORST_SENTENCE_FROM = 4
FURIOUS_COMPOUND = -0.6
FURIOUS_NEGATIVE = 0.6
WHOLE_TEXT_VADER_CHARS = 1_000
# A text whose words are at least this share known English (the model's vocabulary and VADER's lexicon) is read as
# English, whatever a language detector says about it: detectors call short English posts Occitan, Swahili or
# Luxembourgish ("Nervous as hell", "LMAO, AMAZING!"), and an unscored complaint is a missed one.
RECOGNISE_SHARE = 0.8
_NOT_WORDS = re.compile(r"(?<!\w)[@#]\w+|https?://\S+")
_ANY_WORD = re.compile(r"[^\W\d_]+")


class EnglishBackend:
    languages = frozenset({"en"})

    def __init__(
        self,
        words: LinearModel,
        valences: LinearModel,
        combine: LinearModel,
        vader: SentimentIntensityAnalyzer | None = None,
    ) -> None:
        for name, model in (("word", words), ("valence", valences)):
            if model.classes != ("negative", "positive") or not model.one_vs_rest:
                raise ValueError(f"English {name} model classes {model.classes}, expected one-vs-rest neg/pos")
        if combine.classes != ("negative", "neutral", "positive"):
            raise ValueError(f"English model classes {combine.classes}, expected negative/neutral/positive")
        self._stage_one = LinearModel.side_by_side({"words": words, "valences": valences})
        self._model = combine
        self._vader = Vader(vader)
        self._lexicon: dict[str, float] = self._vader.lexicon
        vocabulary = [key[2:] for model in (words, valences) for key in model.weights if key.startswith("w:")]
        self._known = frozenset(piece for w in [*vocabulary, *self._lexicon] for piece in _ANY_WORD.findall(w))

    @classmethod
    def packaged(cls) -> EnglishBackend:
        data = load_packaged_json(MODEL_FILE)
        try:
            words, valences, combine = data["words"], data["valences"], data["combine"]
        except KeyError as exc:
            raise ModelFileError(f"{MODEL_FILE} lacks the {exc} model") from exc
        return cls(LinearModel.from_json(words), LinearModel.from_json(valences), LinearModel.from_json(combine))

    def recognises(self, text: str) -> bool:
        """Whether `text` reads as English: most of its words (handles, hashtags and links aside) are known ones."""
        found = _ANY_WORD.findall(_NOT_WORDS.sub(" ", text[:2_000]).lower())
        if not found:
            return False
        return sum(map(self._known.__contains__, found)) >= RECOGNISE_SHARE * len(found)

    def word_scores(self, text: str, toks: list[str] | None = None) -> tuple[tuple[float, float], tuple[float, float]]:
        """Stage one: (negative-vs-rest, positive-vs-rest) log-odds from the words alone, of the subword model and of
        the lexicon-valence model (`toks`: the text's `tokens`, when known)."""
        w_neg, w_pos, v_neg, v_pos = self._stage_one.logits(stage_one_features(text, self._lexicon, toks))
        return (w_neg, w_pos), (v_neg, v_pos)

    def compound(self, text: str) -> float:
        return self._vader.compound(text)

    def analyse(self, text: str) -> tuple[list[str], list[float], float] | None:
        """(sentences, VADER compound of each, VADER compound of the whole), or None when there is nothing to read."""
        parts = sentences(plain_idioms(text))
        if not parts:
            return None
        readings = [self._vader.read(s) for s in parts]
        compounds = [r.compound for r in readings]
        if not any(compounds) and not _WORD.search(text):
            return None  # no words and no emoji or emoticon VADER knows
        joined = " ".join(parts)
        if len(parts) == 1:
            whole = compounds[0]
        elif len(joined) <= WHOLE_TEXT_VADER_CHARS:
            whole = self._vader.joined(readings, joined)  # the sentences' reading, but at their edges
        else:  # VADER on the whole of a long post costs more than it tells
            whole = sum(compounds) / len(compounds)
        return parts, compounds, whole

    def combine_features(self, text: str, compounds: list[float], whole: float) -> dict[str, float]:
        """Stage two's features of one (joined) text."""
        toks = tokens(text)  # read by both stages
        words, valences = self.word_scores(text, toks)
        return combine_features(text, words, valences, compounds, whole, toks)

    def opinionated(self, text: str) -> bool:
        """Whether `text` holds a word or phrase of opinion: one VADER scores, or a complaint, defect or shortcoming
        phrase of `en_phrases.toml`."""
        text = plain_idioms(text)
        return self.compound(text) != 0.0 or has_trouble(text)

    def polarity(self, text: str) -> Polarity | None:
        analysed = self.analyse(text)
        if analysed is None:
            return None
        parts, compounds, whole = analysed
        overall = self._probabilities(" ".join(parts), compounds, whole)
        if len(parts) < WORST_SENTENCE_FROM:
            return overall
        # Only a clearly furious sentence (both VADER and the model say so) overrides the whole: mild grumbles
        # inside a friendly post stay averaged with the rest.
        worst = overall
        for sentence, compound in zip(parts, compounds, strict=True):
            if compound <= FURIOUS_COMPOUND:
                candidate = self._probabilities(sentence, [compound], compound)
                if candidate.negative >= FURIOUS_NEGATIVE and candidate.negative > worst.negative:
                    worst = candidate
        return worst

    def _probabilities(self, text: str, compounds: list[float], whole: float) -> Polarity:
        feats = self.combine_features(text, compounds, whole)
        neg, neu, pos = self._model.probabilities(feats)
        return Polarity(negative=neg, neutral=neu, positive=pos)
