"""A small linear (softmax) model over sparse features, stored as gzipped JSON inside the package.

Inference is plain Python dict look-ups: a short text has a few dozen features, so this is faster than building numpy
arrays for it, and the default install needs no numpy. The file is written by `bench/train_sentiment.py`:

    {"format": 1, "classes": ["negative", ...], "bias": [b0, b1, ...], "weights": {"feature": [w0, w1, ...], ...},
     "trained_on": "...", "heldout": {...}}
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

    def probabilities(self, features: Mapping[str, float]) -> tuple[float, ...]:
        """Softmax class probabilities, in the order of `classes`; unknown features are ignored."""
        logits = list(self.bias)
        n = len(logits)
        weights = self.weights
        for name, value in features.items():
            w = weights.get(name)
            if w is not None:
                for k in range(n):
                    logits[k] += w[k] * value
        if n == 1:  # binary model stored as one logit for the second class
            p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logits[0]))))
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
        width = 1 if len(classes) == 2 else len(classes)
        if len(bias) != width:
            raise ModelFileError(f"{len(bias)} bias values for classes {classes}")
        weights = {str(k): tuple(float(x) for x in v) for k, v in data["weights"].items()}
        if any(len(w) != width for w in weights.values()):
            raise ModelFileError("a weight vector does not match the number of classes")
        return cls(classes=classes, bias=bias, weights=weights)

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "bias": [round(b, 5) for b in self.bias],
            "weights": {k: [round(x, 5) for x in v] for k, v in sorted(self.weights.items())},
            **extra,
        }


def load_packaged(name: str) -> LinearModel:
    """Load `name` (a .json.gz file shipped in this package)."""
    try:
        raw = resources.files("monitor.sentiment").joinpath(name).read_bytes()
    except FileNotFoundError as exc:
        raise ModelFileError(f"model file {name} is missing from the package") from exc
    return LinearModel.from_json(json.loads(gzip.decompress(raw)))
