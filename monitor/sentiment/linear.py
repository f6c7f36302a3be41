"""A small linear (softmax) model over sparse features, stored as gzipped JSON inside the package.

Inference is plain Python dict look-ups: a short text has a few dozen features, so this is faster than building numpy
arrays for it, and the default install needs no numpy. The file is written by `bench/train_sentiment.py`:

    {"format": 1, "classes": ["negative", ...], "bias": [b0, b1, ...], "weights": {"feature": [w0, w1, ...], ...},
     "trained_on": "...", "heldout": {...}}

A model with `"one_vs_rest": true` holds one independent binary scorer per class (one weight per class even for
two classes); its `logits` are the raw scores and its `probabilities` one sigmoid per class.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

FORMAT = 1


class ModelFileError(ValueError):
    """A shipped model file is missing or not in the expected format (a packaging bug, never retryable)."""


@dataclass(frozen=True, slots=True)
class LinearModel:
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    one_vs_rest: bool = False

    @property
    def width(self) -> int:
        """Weights per feature: one per class, but a single logit for a plain two-class model."""
        return 1 if len(self.classes) == 2 and not self.one_vs_rest else len(self.classes)

    def logits(self, features: Mapping[str, float]) -> list[float]:
        """Bias plus weighted features, one value per weight column; unknown features are ignored."""
        get = self.weights.get
        if len(self.bias) == 4:  # unrolled: English stage one scores every text, and a text has hundreds of features
            a, b, c, d = self.bias
            for w, value in zip(map(get, features), features.values(), strict=True):
                if w is not None:
                    w0, w1, w2, w3 = w
                    a += w0 * value
                    b += w1 * value
                    c += w2 * value
                    d += w3 * value
            return [a, b, c, d]
        logits = list(self.bias)
        n = len(logits)
        for name, value in features.items():
            w = get(name)
            if w is not None:
                for k in range(n):
                    logits[k] += w[k] * value
        return logits

    def probabilities(self, features: Mapping[str, float]) -> tuple[float, ...]:
        """Softmax class probabilities, in the order of `classes` (one sigmoid per class when one-vs-rest)."""
        logits = self.logits(features)
        if self.one_vs_rest:
            return tuple(_sigmoid(v) for v in logits)
        if len(logits) == 1:  # binary model stored as one logit for the second class
            p = _sigmoid(logits[0])
            return (1.0 - p, p)
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return tuple(e / total for e in exps)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        if data.get("format") != FORMAT:
            raise ModelFileError(f"model format {data.get('format')!r}, expected {FORMAT}")
        classes = tuple(str(c) for c in data["classes"])
        bias = tuple(float(b) for b in data["bias"])
        one_vs_rest = bool(data.get("one_vs_rest", False))
        width = 1 if len(classes) == 2 and not one_vs_rest else len(classes)
        if len(bias) != width:
            raise ModelFileError(f"{len(bias)} bias values for classes {classes}")
        weights = {str(k): tuple(float(x) for x in v) for k, v in data["weights"].items()}
        if any(len(w) != width for w in weights.values()):
            raise ModelFileError("a weight vector does not match the number of classes")
        return cls(classes=classes, bias=bias, weights=weights, one_vs_rest=one_vs_rest)

    @classmethod
    def side_by_side(cls, models: Mapping[str, LinearModel]) -> LinearModel:
        """One one-vs-rest model whose columns are those of `models` (classes named `name:class`), so that one look-up
        per feature scores them all. A feature one model lacks weighs 0 in its columns."""
        classes: list[str] = []
        bias: list[float] = []
        for name, model in models.items():
            if not model.one_vs_rest:
                raise ValueError(f"model {name!r} is not one-vs-rest")
            classes += [f"{name}:{c}" for c in model.classes]
            bias += model.bias
        weights: dict[str, tuple[float, ...]] = {}
        offset = 0
        for model in models.values():
            width = len(model.classes)
            for feature, w in model.weights.items():
                row = list(weights.get(feature, (0.0,) * len(classes)))
                row[offset : offset + width] = w
                weights[feature] = tuple(row)
            offset += width
        return cls(tuple(classes), tuple(bias), weights, one_vs_rest=True)

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            **({"one_vs_rest": True} if self.one_vs_rest else {}),
            "bias": [round(b, 4) for b in self.bias],
            "weights": {k: [round(x, 4) for x in v] for k, v in sorted(self.weights.items())},
            **extra,
        }


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, v))))


def load_packaged_json(name: str) -> dict[str, Any]:
    """The decoded content of `name` (a .json.gz file shipped in this package)."""
    try:
        raw = resources.files("monitor.sentiment").joinpath(name).read_bytes()
    except FileNotFoundError as exc:
        raise ModelFileError(f"model file {name} is missing from the package") from exc
    data = json.loads(gzip.decompress(raw))
    if not isinstance(data, dict):
        raise ModelFileError(f"model file {name} does not hold a JSON object")
    return data


def load_packaged(name: str) -> LinearModel:
    """Load `name` (a .json.gz file shipped in this package)."""
    return LinearModel.from_json(load_packaged_json(name))
