"""What every language backend gives the scorer: class probabilities for one bounded text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Polarity:
    """How likely the text is negative / neutral / positive (the three sum to 1)."""

    negative: float
    neutral: float
    positive: float

    @property
    def sentiment(self) -> float:
        """-1..1: positive minus negative."""
        return max(-1.0, min(1.0, self.positive - self.negative))


class Backend(Protocol):
    """Scores text in the languages it names. `polarity` gets NFKC-normalised text of bounded length."""

    languages: frozenset[str]

    def polarity(self, text: str) -> Polarity | None:
        """None when the text carries nothing this backend can read."""
        ...

    def recognises(self, text: str) -> bool:
        """Whether the text reads as this backend's language without asking a language detector (cheaper, and
        surer on a short post)."""
        ...

    def opinionated(self, text: str) -> bool:
        """Whether the text holds a word or phrase of opinion this backend knows (a lexicon word, a complaint
        phrase): what tells a clause that says something about a target from one that only names it."""
        ...
