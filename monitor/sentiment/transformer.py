"""The optional `transformer` English backend: the default English backend plus a sentence model, stacked.

`[sentiment] backend = "transformer"` in monitor.toml (after `pip install 'mention-monitor[transformer]'`). The light
backend reads words; it cannot tell that "the volume is especially quiet" or "an ipod with the same memory is $150
cheaper" is a complaint. A sentence encoder (MiniLM, `encoder.py`) places such texts near other complaints. A head
(3-class logistic regression over the 384 numbers and VADER's compound) turns the vector into probabilities, and a
small stacker weighs them against the light backend's, crossed with the marks of an informal post (on tweets VADER's
words are the better witness). All three are trained by `bench/train_sentiment.py --only transformer` on
../shared/eval, the stacker on out-of-fold probabilities of the other two; the file is
`en_transformer.json.gz`. About a hundred texts a second on one core instead of thousands: for a daemon that scores
each new mention once, plenty.
"""

from __future__ import annotations

import math

from monitor.sentiment.backend import Polarity
from monitor.sentiment.en_features import VADER_SCALE, style
from monitor.sentiment.encoder import DIMENSIONS, SentenceEncoder
from monitor.sentiment.english import EnglishBackend
from monitor.sentiment.linear import LinearModel, ModelFileError, load_packaged_json

MODEL_FILE = "en_transformer.json.gz"
CLASSES = ("negative", "neutral", "positive")
_FLOOR = 1e-4  # log-probabilities are clipped here, so one confident model cannot make the stacker's input infinite


def head_features(vector: list[float], compound: float) -> dict[str, float]:
    """The head's features: the sentence vector (`e0`..`e383`) and VADER's compound, scaled as the light model's."""
    feats = {f"e{i}": v for i, v in enumerate(vector)}
    feats["v:all"] = compound * VADER_SCALE
    return feats


def stack_features(text: str, light: Polarity, head: tuple[float, ...]) -> dict[str, float]:
    """The stacker's features: both models' log-probabilities, and those crossed with "an informal post"."""
    feats: dict[str, float] = {}
    for prefix, probs in (("b", (light.negative, light.neutral, light.positive)), ("h", head)):
        for name, p in zip(CLASSES, probs, strict=True):
            feats[f"{prefix}:{name}"] = math.log(max(_FLOOR, p))
    marks = style(text)
    for mark in marks:
        feats["st:" + mark] = 1.0
    if "social" in marks:
        for key in [k for k in feats if k[:2] in ("b:", "h:")]:
            feats["social:" + key] = feats[key]
    return feats


class TransformerEnglishBackend:
    languages = frozenset({"en"})

    def __init__(self, light: EnglishBackend, head: LinearModel, stack: LinearModel, encoder: SentenceEncoder) -> None:
        for name, model in (("head", head), ("stacker", stack)):
            if model.classes != CLASSES or model.one_vs_rest:
                raise ValueError(f"transformer {name} classes {model.classes}, expected {CLASSES}")
        self._light = light
        self._head = head
        self._stack = stack
        self._encoder = encoder

    @classmethod
    def packaged(cls, light: EnglishBackend | None = None) -> TransformerEnglishBackend:
        """The shipped head and stacker, on the installed encoder (EncoderUnavailable when it is not installed)."""
        data = load_packaged_json(MODEL_FILE)
        try:
            head, stack, sha = data["head"], data["stack"], data["encoder_sha256"]
        except KeyError as exc:
            raise ModelFileError(f"{MODEL_FILE} lacks {exc}") from exc
        if data.get("dimensions") != DIMENSIONS:
            raise ModelFileError(f"{MODEL_FILE} was trained on {data.get('dimensions')}-number vectors")
        return cls(
            light or EnglishBackend.packaged(),
            LinearModel.from_json(head),
            LinearModel.from_json(stack),
            SentenceEncoder(expected_sha256=str(sha)),
        )

    @property
    def light(self) -> EnglishBackend:
        """The default English backend this one builds on (its language recognition is the scorer's)."""
        return self._light

    def recognises(self, text: str) -> bool:
        return self._light.recognises(text)

    def head_probabilities(self, text: str) -> tuple[float, ...]:
        return self._head.probabilities(head_features(self._encoder.encode(text), self._light.compound(text)))

    def polarity(self, text: str) -> Polarity | None:
        light = self._light.polarity(text)
        if light is None:
            return None
        neg, neu, pos = self._stack.probabilities(stack_features(text, light, self.head_probabilities(text)))
        return Polarity(negative=neg, neutral=neu, positive=pos)
