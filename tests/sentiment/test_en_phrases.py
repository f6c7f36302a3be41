"""The English phrase rules as data (monitor/sentiment/en_phrases.toml), table-driven as urlwatch tests its filters:
each idiom, complaint, shortcoming and quick-refund phrase fires on its examples and not on its counter-examples,
and the defect words count where they are not negated. A newcomer adds a phrase and its example in one file."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from typing import Any

import pytest

from monitor.sentiment.en_features import combine_features, complaint_hits, expand, load_rules, plain_idioms

DATA: dict[str, Any] = tomllib.loads(
    resources.files("monitor.sentiment").joinpath("en_phrases.toml").read_text(encoding="utf-8")
)
MACROS: dict[str, str] = DATA["macros"]
KINDS = ("idiom", "complaint", "not_a_complaint", "shortcoming")


def _cases(which: str) -> list[Any]:
    return [
        pytest.param(kind, expand(entry["pattern"], MACROS), text, id=f"{kind}{i}:{text[:40]}")
        for kind in KINDS
        for i, entry in enumerate(DATA[kind])
        for text in entry[which]
    ]


def test_every_rule_has_an_example_and_a_counter_example() -> None:
    for kind in KINDS:
        for entry in DATA[kind]:
            assert entry["examples"] and entry["counter_examples"], (kind, entry["pattern"])
    assert DATA["defects"]["examples"] and DATA["defects"]["counter_examples"]


def _fires(kind: str, pattern: str, text: str) -> bool:
    if kind == "idiom":
        return re.search(pattern, text, re.IGNORECASE) is not None
    # Complaint and shortcoming phrases are read on the lower-cased text after the idioms, as the scorer reads them.
    return re.search(pattern, plain_idioms(text).lower()) is not None


@pytest.mark.parametrize(("kind", "pattern", "text"), _cases("examples"))
def test_a_rule_fires_on_its_examples(kind: str, pattern: str, text: str) -> None:
    assert _fires(kind, pattern, text)


@pytest.mark.parametrize(("kind", "pattern", "text"), _cases("counter_examples"))
def test_a_rule_leaves_its_counter_examples_alone(kind: str, pattern: str, text: str) -> None:
    assert not _fires(kind, pattern, text)


def test_idioms_are_rewritten_to_what_they_mean() -> None:
    assert plain_idioms("I can't recommend Rosa's bakery enough!") == "I highly recommend Rosa's bakery !"
    assert plain_idioms("I couldn't be more disappointed.") == "I very disappointed."


def test_a_quick_refund_is_not_counted_as_a_complaint() -> None:
    assert complaint_hits("I want a refund.") == 1
    assert complaint_hits(plain_idioms("Refunded, no questions asked.")) == 0


@pytest.mark.parametrize("text", DATA["defects"]["examples"])
def test_defect_words_count(text: str) -> None:
    assert "c:defect" in combine_features(text, (0.0, 0.0), (0.0, 0.0), [0.0], 0.0)


@pytest.mark.parametrize("text", DATA["defects"]["counter_examples"])
def test_defect_words_do_not_count_when_negated_or_absent(text: str) -> None:
    assert "c:defect" not in combine_features(text, (0.0, 0.0), (0.0, 0.0), [0.0], 0.0)


def test_a_macro_is_expanded_and_a_quantifier_is_not() -> None:
    rules = load_rules(
        '[macros]\nX = "(?:a|b)"\n[[idiom]]\npattern = "{X} c{0,2}"\nplain = "d"\n'
        '[[complaint]]\npattern = "e"\n[[not_a_complaint]]\npattern = "f"\n[[shortcoming]]\npattern = "g"\n'
        "[defects]\nwords = []\n"
    )
    assert rules.idioms[0][0].pattern == "(?:a|b) c{0,2}"
