"""The scorer: language detection, a backend per language, one fixed set of thresholds, star ratings on top."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.model import Label, Score
from monitor.sentiment.backend import Backend, Polarity
from monitor.sentiment.english import EnglishBackend
from monitor.sentiment.japanese import JapaneseBackend
from monitor.sentiment.language import detect_language
from monitor.sentiment.lazy import OnFirstUse
from monitor.sentiment.rating import rated, stars_out_of_five
from monitor.sentiment.target import VERDICTS, Phrases, Target, Verdict, focus, load_phrases, rest
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

    def __init__(
        self,
        backends: Iterable[Backend],
        config: ScorerConfig | None = None,
        phrases: Phrases | None = None,
    ) -> None:
        self._config = config or ScorerConfig()
        self._phrases = phrases or load_phrases()
        self._backends: dict[str, Backend] = {}
        for backend in backends:
            for language in backend.languages:
                if language in self._backends:
                    raise ValueError(f"two sentiment backends for language {language!r}")
                self._backends[language] = backend

    def warm(self) -> None:
        """Build every backend now rather than on the first text it reads (`build_scorer` defers the light ones):
        the daemon calls it in a thread at start-up. Asking each whether it recognises an empty text is what builds
        a deferred one, and costs a built one nothing."""
        for backend in {id(b): b for b in self._backends.values()}.values():
            backend.recognises("")

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
        target: str | Sequence[str] | Target | None = None,
    ) -> Score:
        """The sentiment of `text`; with `target` (a name, a list of terms), the sentiment toward that target: what
        the sentences and clauses that name it (or refer back to it) say, the opposite of what a comparison against
        it says, the whole text when it does not name the target. A star rating is about what was reviewed: with
        one, the whole text refines the rating and `target` is not used."""
        bounded = bound(text or "")
        lang = language.lower() if language else self.detect(bounded)
        wanted = _target(target)
        if rating is not None or wanted is None:
            polarity = self._polarity(bounded, lang)
        else:
            polarity = self._toward(bounded, lang, wanted)
        sentiment = polarity.sentiment if polarity is not None else None
        label: Label | None = self.label(polarity) if polarity is not None else None
        if rating is not None:
            value, label = rated(stars_out_of_five(rating, rating_scale), sentiment, label)
            return Score(sentiment=round(value, 4), label=label, language=lang)
        if sentiment is None or label is None:
            return Score(sentiment=None, label="unscored", language=lang)
        return Score(sentiment=round(sentiment, 4), label=label, language=lang)

    def _toward(self, text: str, language: str | None, target: Target) -> Polarity | None:
        backend = self._backend(language)
        parts = focus(text, target, language, self._phrases)
        if parts is None or backend is None:
            return self._polarity(text, language)
        parts = tuple(p for p in parts if p.verdict != "aside")
        if not parts:
            # The target is named only in passing, in clauses about something else ("the mouse pointer was jumping
            # all over the screen").
            return Polarity(negative=0.0, neutral=1.0, positive=0.0)
        if not any(backend.opinionated(p.text) for p in parts) and backend.opinionated(rest(text, parts)):
            # What is said of the target holds no opinion, and the rest of the text does: the opinion is about
            # something else ("My old charger died and I'm heartbroken... is Anker any good?").
            return Polarity(negative=0.0, neutral=1.0, positive=0.0)
        found = []
        lang = "ja" if language == "ja" else "en"
        for verdict in VERDICTS:
            said = target.masked(" ".join(p.text for p in parts if p.verdict == verdict), lang)
            polarity = self._polarity(said, language) if said else None
            if polarity is not None:
                found.append(self._compared(polarity, verdict))
        if len(found) < 2:
            return found[0] if found else None
        # Parts with different verdicts (a comparison and a plain clause): their average.
        n = len(found)
        return Polarity(
            negative=sum(p.negative for p in found) / n,
            neutral=sum(p.neutral for p in found) / n,
            positive=sum(p.positive for p in found) / n,
        )

    def _compared(self, polarity: Polarity, verdict: Verdict) -> Polarity:
        """What a part says of the target, given its `verdict` (target.py) and what the part itself says."""
        if verdict == "same":
            return polarity
        if verdict == "opposite" or (
            verdict != "best" and self.label(polarity) == ("negative" if verdict == "lost" else "positive")
        ):
            # "Unlike X, ...", or a comparison that regrets its own outcome: the opposite of what it says.
            return Polarity(negative=polarity.positive, neutral=polarity.neutral, positive=polarity.negative)
        # The target lost out (won): a complaint (praise) at least at the threshold, stronger when the sentence says
        # so ("so much better than Anker").
        threshold = self._config.negative_threshold if verdict == "lost" else self._config.positive_threshold
        strength = min(1.0, max(threshold + 0.05, polarity.positive, polarity.negative))
        if verdict == "lost":
            return Polarity(negative=strength, neutral=1.0 - strength, positive=0.0)
        return Polarity(negative=0.0, neutral=1.0 - strength, positive=strength)

    def detect(self, text: str) -> str | None:
        """The language of a text with no hint: English when the English backend recognises it (before, and
        cheaper than, a statistical detector that is unreliable on short posts), else the detector's verdict. The
        detector's model (py3langid, 74 MiB) is loaded only when a text is neither in a script that names its
        language nor recognisably English: an English-speaking owner's daemon never loads it."""
        english = self._backends.get("en")
        if english is not None and english.recognises(text):
            return "en"
        return detect_language(text)

    def _backend(self, language: str | None) -> Backend | None:
        if language is None:
            # No letters: emoji and emoticons still say something, and VADER reads them.
            return self._backends.get("en")
        return self._backends.get(language.split("-")[0])

    def _polarity(self, text: str, language: str | None) -> Polarity | None:
        if not text:
            return None
        backend = self._backend(language)
        return backend.polarity(text) if backend is not None else None


def build_scorer(
    *,
    backend: str = "light",
    negative_threshold: float | None = None,
    positive_threshold: float | None = None,
) -> Scorer:
    """The scorer: English (VADER + trained model; with `backend="transformer"` also a sentence model, which needs
    the `transformer` extra) and Japanese (lexicon + trained model) backends. The light ones are built on first use
    (monitor/sentiment/lazy.py); the transformer at once."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown sentiment backend {backend!r} (known: {', '.join(BACKENDS)})")
    defaults = ScorerConfig()
    config = ScorerConfig(
        negative_threshold=defaults.negative_threshold if negative_threshold is None else negative_threshold,
        positive_threshold=defaults.positive_threshold if positive_threshold is None else positive_threshold,
    )
    english: Backend
    if backend == "transformer":  # built now: a missing extra or model file stops the start, not the first mention
        english = TransformerEnglishBackend.packaged(EnglishBackend.packaged())
    else:
        english = OnFirstUse(EnglishBackend.languages, EnglishBackend.packaged)
    return Scorer([english, OnFirstUse(JapaneseBackend.languages, JapaneseBackend.packaged)], config)


def _target(value: str | Sequence[str] | Target | None) -> Target | None:
    """The target asked for; None when no term is given (an empty name or list)."""
    if value is None or isinstance(value, Target):
        return value
    terms = [value] if isinstance(value, str) else list(value)
    terms = [t for t in terms if isinstance(t, str) and t.strip()]
    return Target.of(terms) if terms else None
