"""Star ratings: the rating decides the label, the text only refines the value inside the rating's band."""

from __future__ import annotations

from monitor.model import Label

DEFAULT_SCALE = 5.0
# How far the text may move the value away from what the stars alone say.
TEXT_REFINES = 0.25
# The least a 1-2 star (4-5 star) review can be: never closer to zero than this.
BAND_EDGE = 0.2


def stars_out_of_five(rating: float, scale: float | None) -> float:
    """`rating` on a 1..`scale` scale (5 when unknown) mapped onto 1..5 and clamped."""
    top = scale if scale is not None and scale > 1 else DEFAULT_SCALE
    stars = 1.0 + (rating - 1.0) * 4.0 / (top - 1.0)
    return max(1.0, min(5.0, stars))


def rated(stars: float, text_sentiment: float | None, text_label: Label | None) -> tuple[float, Label]:
    """(sentiment, label) of a review with `stars` (1..5) and, when the text could be scored, its own verdict.

    1-2 stars are negative and 4-5 positive whatever the text says; 3 stars are neutral unless the text is
    clearly negative or positive.
    """
    centre = (stars - 3.0) / 2.0
    text = text_sentiment if text_sentiment is not None else 0.0
    value = centre + TEXT_REFINES * text
    if stars <= 2.5:
        return max(-1.0, min(-BAND_EDGE, value)), "negative"
    if stars >= 3.5:
        return max(BAND_EDGE, min(1.0, value)), "positive"
    if text_label in ("negative", "positive"):
        return max(-0.5, min(0.5, text)), text_label
    return max(-BAND_EDGE, min(BAND_EDGE, value)), "neutral"
