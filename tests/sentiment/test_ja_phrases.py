"""The Japanese complaint patterns as data (monitor/sentiment/ja_phrases.toml), table-driven: each fires on its
examples and not on its counter-examples, and an example reads as more of a complaint with its pattern than without.
A newcomer adds a pattern and its example in one file."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from typing import Any

import pytest

from monitor.sentiment import japanese

DATA: dict[str, Any] = tomllib.loads(
    resources.files("monitor.sentiment").joinpath(japanese.PHRASES_FILE).read_text(encoding="utf-8")
)
ENTRIES: list[dict[str, Any]] = DATA["complaint"]


def _cases(which: str) -> list[Any]:
    return [pytest.param(entry, text, id=f"{entry['name']}:{text}") for entry in ENTRIES for text in entry[which]]


def test_every_pattern_has_a_name_a_negative_weight_an_example_and_a_counter_example() -> None:
    for entry in ENTRIES:
        assert entry["name"] and entry["weight"] < 0 and entry["examples"] and entry["counter_examples"], entry


@pytest.mark.parametrize(("entry", "text"), _cases("examples"))
def test_a_pattern_fires_on_its_example_and_makes_it_read_worse(
    entry: dict[str, Any], text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert re.search(entry["pattern"], text), text
    lexicon = japanese.Lexicon.packaged()
    with_it, hits = lexicon.score(text)
    others = tuple(p for p in japanese.load_patterns() if p[0].pattern != entry["pattern"])
    monkeypatch.setattr(japanese, "_PATTERNS", others)
    plain, plain_hits = lexicon.score(text)
    assert hits > plain_hits and with_it < plain


@pytest.mark.parametrize(("entry", "text"), _cases("counter_examples"))
def test_a_pattern_leaves_its_counter_example_alone(entry: dict[str, Any], text: str) -> None:
    assert re.search(entry["pattern"], text) is None, text


def test_the_scorer_calls_the_examples_complaints() -> None:
    backend = japanese.JapaneseBackend.packaged()
    for entry in ENTRIES:
        for text in entry["examples"]:
            assert backend.log_odds(text) < 0, text
