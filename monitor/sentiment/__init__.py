"""Sentiment of mentions: `build_scorer()` once at start-up, then `scorer.score(text, rating=..., ...)` per mention;
`scorer.score(text, target=["Acme", "@acme"])` is the sentiment toward that target (`target.py`).

English is read by VADER plus a small trained model (with `backend="transformer"`, the optional extra, also a
sentence model stacked on it: `transformer.py`), Japanese by a lexicon plus a small trained model; text in any
other language is `unscored` (sentiment None), never a silent 0.0 "neutral". A star rating, when the source has one,
decides the label. Figures and how to reproduce them: `python bench/eval_sentiment.py`.
"""

from monitor.sentiment.language import detect_language
from monitor.sentiment.scorer import Scorer, ScorerConfig, build_scorer
from monitor.sentiment.target import Target

__all__ = ["Scorer", "ScorerConfig", "Target", "build_scorer", "detect_language"]
