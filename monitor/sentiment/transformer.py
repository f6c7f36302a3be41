"""The optional `transformer` English backend: a sentence model fine-tuned for sentiment, stacked with the light one.

`[sentiment] backend = "transformer"` in monitor.toml (after `pip install 'mention-monitor[transformer]'`). The light
backend reads words; it cannot tell that "the volume is especially quiet" or "an ipod with the same memory is $150
cheaper" is a complaint. A sentence encoder (MiniLM, `encoder.py`, with our sentiment adapter applied) reads the whole
sentence. A softmax head turns its vector, VADER's compound and the light backend's log-probabilities into three
probabilities. A small stacker then weighs the head against the light backend, crossed with the marks of an informal
post: on reviews the sentence model is the better witness, on social posts VADER's words are (alone, the head
found 88% of the negative tweets on held-out folds; stacked, 94%). Adapter and head are trained together by
`bench/train_sentiment.py --only transformer` on ../shared/eval from out-of-fold light probabilities, the stacker on
out-of-fold probabilities of both (as they are at run time for unseen text). The files are `en_transformer.json.gz`
(head and stacker) and `en_transformer_adapter.npz`. About a hundred texts a second on one core instead of
thousands: for a daemon that scores each new mention once, plenty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from monitor.sentiment.backend import Polarity
from monitor.sentiment.en_features import STYLE_MARKS, VADER_SCALE, plain_idioms, style
from monitor.sentiment.encoder import DIMENSIONS, SentenceEncoder, load_adapter
from monitor.sentiment.english import EnglishBackend
from monitor.sentiment.linear import LinearModel, ModelFileError, load_packaged_json

MODEL_FILE = "en_transformer.json.gz"
ADAPTER_FILE = "en_transformer_adapter.npz"
CLASSES = ("negative", "neutral", "positive")
_FLOOR = 1e-4  # log-probabilities are clipped here, so one confident model cannot make a model's input infinite


_CROSSED = ("v:all", "b:negative", "b:neutral", "b:positive")
# Every feature of the head besides the vector, in the order the training script lays them out.
EXTRAS = (*_CROSSED, *(f"st:{mark}" for mark in STYLE_MARKS), *(f"social:{name}" for name in _CROSSED))


def head_features(marks: Sequence[str], vector: list[float], compound: float, light: Polarity) -> dict[str, float]:
    """The head's features: the sentence vector (`e0`..`e383`), VADER's compound scaled as the light model's, the
    light backend's log-probabilities (`b:negative`, ...), the text's informal-post `marks` (`st:social`, ...), and
    the compound and log-probabilities again on social posts, where VADER's words are the better witness."""
    feats = {f"e{i}": v for i, v in enumerate(vector)}
    feats["v:all"] = compound * VADER_SCALE
    _log_probabilities(feats, "b", (light.negative, light.neutral, light.positive))
    return _marked(feats, marks, _CROSSED)


def stack_features(marks: Sequence[str], light: Polarity, head: tuple[float, ...]) -> dict[str, float]:
    """The stacker's features: both models' log-probabilities (`b:`, `h:`), the text's informal-post `marks`, and
    the log-probabilities again on social posts."""
    feats: dict[str, float] = {}
    _log_probabilities(feats, "b", (light.negative, light.neutral, light.positive))
    _log_probabilities(feats, "h", head)
    return _marked(feats, marks, tuple(feats))


def _log_probabilities(feats: dict[str, float], prefix: str, probs: Sequence[float]) -> None:
    for name, p in zip(CLASSES, probs, strict=True):
        feats[f"{prefix}:{name}"] = math.log(max(_FLOOR, p))


def _marked(feats: dict[str, float], marks: Sequence[str], crossed: Sequence[str]) -> dict[str, float]:
    """`feats` with a `st:` feature per mark, and the `crossed` features repeated as `social:` on a social post."""
    for mark in marks:
        feats[f"st:{mark}"] = 1.0
    if "social" in marks:
        for name in crossed:
            feats[f"social:{name}"] = feats[name]
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
        """The shipped adapter, head and stacker, on the installed encoder (EncoderUnavailable when it is not
        installed)."""
        data = load_packaged_json(MODEL_FILE)
        try:
            head, stack, sha = data["head"], data["stack"], data["encoder_sha256"]
        except KeyError as exc:
            raise ModelFileError(f"{MODEL_FILE} lacks {exc}") from exc
        if data.get("dimensions") != DIMENSIONS:
            raise ModelFileError(f"{MODEL_FILE} was trained on {data.get('dimensions')}-number vectors")
        with resources.as_file(resources.files("monitor.sentiment") / ADAPTER_FILE) as path:
            adapter = load_adapter(Path(path))
        return cls(
            light or EnglishBackend.packaged(),
            LinearModel.from_json(head),
            LinearModel.from_json(stack),
            SentenceEncoder(expected_sha256=str(sha), adapter=adapter),
        )

    @property
    def light(self) -> EnglishBackend:
        """The default English backend this one builds on (its language recognition is the scorer's)."""
        return self._light

    def recognises(self, text: str) -> bool:
        return self._light.recognises(text)

    def opinionated(self, text: str) -> bool:
        return self._light.opinionated(text)

    def head_probabilities(self, text: str, marks: Sequence[str], light: Polarity) -> tuple[float, ...]:
        """The sentence model's own verdict (the head over the vector, VADER and the light backend)."""
        feats = head_features(marks, self._encoder.encode(text), self._light.compound(text), light)
        return self._head.probabilities(feats)

    def polarity(self, text: str) -> Polarity | None:
        text = plain_idioms(text)  # the sentence model reads idioms as the light backend does
        light = self._light.polarity(text)
        if light is None:
            return None
        marks = style(text)
        head = self.head_probabilities(text, marks, light)
        neg, neu, pos = self._stack.probabilities(stack_features(marks, light, head))
        return Polarity(negative=neg, neutral=neu, positive=pos)
