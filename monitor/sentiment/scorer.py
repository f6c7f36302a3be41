"""The scorer: language detection, a backend per language, one fixed set of thresholds, star ratings on top."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from monitor.model import Label, Score
from monitor.sentiment.backend import Backend, Polarity
from monitor.sentiment.english import EnglishBackend
from monitor.sentiment.japanese import JapaneseBackend
from monitor.sentiment.language import detect_language
from monitor.sentiment.rating import rated, stars_out_of_five
from monitor.sentiment.text import bound
from monitor.sentiment.transformer import TransformerEnglishBackend

BACKENDS = ("light", "transformer")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScorerConfig:
    """The thresholds, one set for every source and corpus.

    A text is negative when its backend gives it at least `negative_threshold` probability of being negative (lower
    finds more complaints and raises more false alarms); otherwise positive from `positive_threshold` on. The values
    were chosen on held-out folds by `bench/train_sentiment.py` and are not tuned per corpus.
    """

    negative_threshold: float = 0.45
    positive_threshold: float = 0.45

    def __post_init__(self) -> None:
        for name in ("negative_threshold", "positive_threshold"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value!r}")


class Scorer:
    """Scores one text (with an optional star rating). Built once at start-up by `build_scorer`; thread-safe."""

    def __init__(self, backends: Iterable[Backend], config: ScorerConfig | None = None) -> None:
        self._config = config or ScorerConfig()
        self._backends: dict[str, Backend] = {}
        for backend in backends:
            for language in backend.languages:
                if language in self._backends:
                    raise ValueError(f"two sentiment backends for language {language!r}")
                self._backends[language] = backend

    @property
    def languages(self) -> frozenset[str]:
        """The languages that get a score; any other is `unscored`."""
        return frozenset(self._backends)

    def label(self, polarity: Polarity) -> Label:
        if polarity.negative >= self._config.negative_threshold:
            return "negative"
        if polarity.positive >= self._config.positive_threshold:
            return "positive"
        return "neutral"

    def score(
        self,
        text: str,
        rating: float | None = None,
        rating_scale: float | None = None,
        language: str | None = None,
    ) -> Score:
        bounded = bound(text or "")
        lang = language.lower() if language else self._detect(bounded)
        polarity = self._polarity(bounded, lang)
        sentiment = polarity.sentiment if polarity is not None else None
        label: Label | None = self.label(polarity) if polarity is not None else None
        if rating is not None:
            value, label = rated(stars_out_of_five(rating, rating_scale), sentiment, label)
            return Score(sentiment=round(value, 4), label=label, language=lang)
        if sentiment is None or label is None:
            return Score(sentiment=None, label="unscored", language=lang)
        return Score(sentiment=round(sentiment, 4), label=label, language=lang)

    def _detect(self, text: str) -> str | None:
        """The language of a text with no hint: English when the English backend recognises it (before, and
        cheaper than, a statistical detector that is unreliable on short posts), else the detector's verdict."""
        english = self._backends.get("en")
        if isinstance(english, EnglishBackend | TransformerEnglishBackend) and english.recognises(text):
            return "en"
        return detect_language(text)

    def _polarity(self, text: str, language: str | None) -> Polarity | None:
        if not text:
            return None
        if language is None:
            # No letters: emoji and emoticons still say something, and VADER reads them.
            backend = self._backends.get("en")
        else:
            backend = self._backends.get(language.split("-")[0])
        return backend.polarity(text) if backend is not None else None


def build_scorer(
    *,
    backend: str = "light",
    negative_threshold: float | None = None,
    positive_threshold: float | None = None,
) -> Scorer:
    """The scorer: English (VADER + trained model; with `backend="transformer"` also a sentence model, which needs
    the `transformer` extra) and Japanese (lexicon + trained model) backends."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown sentiment backend {backend!r} (known: {', '.join(BACKENDS)})")
    defaults = ScorerConfig()
    config = ScorerConfig(
        negative_threshold=defaults.negative_threshold if negative_threshold is None else negative_threshold,
        positive_threshold=defaults.positive_threshold if positive_threshold is None else positive_threshold,
    )
    light = EnglishBackend.packaged()
    english = TransformerEnglishBackend.packaged(light) if backend == "transformer" else light
    return Scorer([english, JapaneseBackend.packaged()], config)
