"""The target phrases as data (monitor/sentiment/target_phrases.toml), table-driven: every example and
counter-example of every comparison and of the parts of a business, through the real scorer, so that a newcomer adds
a phrase or a word with its example in one file."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from monitor.sentiment import Scorer
from monitor.sentiment.target import load_phrases

DATA: dict[str, Any] = tomllib.loads(
    resources.files("monitor.sentiment").joinpath("target_phrases.toml").read_text(encoding="utf-8")
)
ENTRIES = [("comparison", e) for e in DATA["comparison"]] + [("parts", e) for e in DATA["parts"]]
CASES = [
    pytest.param(case, id=f"{kind}:{entry.get('name', entry['language'])}:{which}:{i}")
    for kind, entry in ENTRIES
    for which in ("examples", "counter_examples")
    for i, case in enumerate(entry[which])
]


def test_every_entry_has_an_example_and_a_counter_example() -> None:
    for kind, entry in ENTRIES:
        assert entry["examples"] and entry["counter_examples"], (kind, entry.get("name", entry["language"]))


@pytest.mark.parametrize("case", CASES)
def test_the_scorer_gives_each_example_its_label_toward_the_target(scorer: Scorer, case: dict[str, Any]) -> None:
    assert scorer.score(case["text"], target=case["target"]).label == case["label"]


def test_a_comparison_without_a_known_verdict_is_refused() -> None:
    text = '[[comparison]]\nname = "x"\nlanguage = "en"\nverdict = "better"\npattern = "than {T}"\n'
    with pytest.raises(ValueError, match="verdict 'better'"):
        load_phrases(text)
