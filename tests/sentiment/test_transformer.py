"""The optional `transformer` backend, as an owner who sets `[sentiment] backend = "transformer"` meets it.

The test command installs the `transformer` extra, so these run for real: the int8 MiniLM model from its PyPI
package, on onnxruntime, with nothing downloaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.sentiment import Scorer, build_scorer
from monitor.sentiment.encoder import EncoderUnavailable, SentenceEncoder, load_adapter
from monitor.sentiment.linear import ModelFileError
from monitor.sentiment.transformer import ADAPTER_FILE

SHIPPED_ADAPTER = Path(__file__).resolve().parents[2] / "monitor" / "sentiment" / ADAPTER_FILE


@pytest.fixture(scope="module")
def transformer() -> Scorer:
    return build_scorer(backend="transformer")


@pytest.mark.parametrize(
    "text",
    [
        "It stopped working after two days.",
        "We waited forty minutes for our food and nobody came.",
        "The staff were rude and the room was filthy.",
    ],
)
def test_complaints_are_negative(transformer: Scorer, text: str) -> None:
    assert transformer.score(text).label == "negative"


def test_a_complaint_in_plain_words_is_negative(transformer: Scorer) -> None:
    # No word of it is a bad one: the light backend calls it neutral, the fine-tuned sentence model reads the whole.
    assert transformer.score("The update moved every button I use and the old layout is gone.").label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "ugh @acmecafe forgot my order AGAIN",
        "@acmehotel no hot water this morning?? seriously",
        "waited 40 min for a flat white smh",
    ],
)
def test_social_complaints_are_negative(transformer: Scorer, text: str) -> None:
    assert transformer.score(text).label == "negative"


@pytest.mark.parametrize("text", ["nope never going back there", "We won't be back."])
def test_a_complaint_phrase_is_not_outvoted_by_the_sentence_model(transformer: Scorer, text: str) -> None:
    # The light backend knows these phrases; the sentence model alone reads the first as neutral.
    assert transformer.score(text).label == "negative"


@pytest.mark.parametrize("text", ["Going back next week with my sister.", "Is the terrace open in winter?"])
def test_everyday_posts_are_not_alarms(transformer: Scorer, text: str) -> None:
    assert transformer.score(text).label != "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Lovely staff, great coffee, we will be back!",
        "Best pizza in town, friendly service and fair prices.",
    ],
)
def test_praise_is_positive(transformer: Scorer, text: str) -> None:
    assert transformer.score(text).label == "positive"


def test_other_languages_keep_their_own_backend(transformer: Scorer) -> None:
    assert transformer.score("店員の態度が最悪で、二度と行きません。").label == "negative"
    assert transformer.score("Das Essen war kalt und der Kellner unfreundlich.").label == "unscored"


def test_the_star_rating_still_decides(transformer: Scorer) -> None:
    assert transformer.score("Lovely staff, great coffee!", rating=1).label == "negative"


def test_a_model_file_other_than_the_trained_one_is_refused() -> None:
    with pytest.raises(EncoderUnavailable, match="sha256"):
        SentenceEncoder(expected_sha256="0" * 64)


def test_an_adapter_that_does_not_fit_the_model_is_refused() -> None:
    adapter = load_adapter(SHIPPED_ADAPTER)
    matrix = next(k.split("/", 1)[1] for k in adapter if k.startswith("lora_a/"))
    missing = {k: v for k, v in adapter.items() if not k.endswith("/" + matrix)}
    with pytest.raises(ModelFileError, match="does not fit"):
        SentenceEncoder(adapter=missing)
    norm = next(k for k in adapter if k.startswith("init/") and k.endswith("LayerNorm.weight"))
    with pytest.raises(ModelFileError, match="shape"):
        SentenceEncoder(adapter={**adapter, norm: adapter[norm][:10]})


def _score_cli(tmp_path: Path, config: str, texts: list[str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "monitor.toml").write_text(config, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(tmp_path / "monitor.toml"), "score", "--jsonl"],
        input="".join(json.dumps({"text": t}) + "\n" for t in texts),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_score_command_uses_the_configured_backend(tmp_path: Path) -> None:
    text = "It stopped working after two days."
    light = _score_cli(tmp_path, "", [text])
    heavy = _score_cli(tmp_path, '[sentiment]\nbackend = "transformer"\n', [text])
    assert light.returncode == heavy.returncode == 0, light.stderr + heavy.stderr
    light_out, heavy_out = json.loads(light.stdout), json.loads(heavy.stdout)
    assert light_out["label"] == heavy_out["label"] == "negative"
    assert light_out["sentiment"] != heavy_out["sentiment"]  # two different scorers answered


def test_an_unknown_backend_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    result = _score_cli(tmp_path, '[sentiment]\nbackend = "bert"\n', ["hello"])
    assert result.returncode == 2
    assert "sentiment" in result.stderr and "backend" in result.stderr
    assert result.stdout == ""
