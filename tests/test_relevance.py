"""Brand relevance: which brand an item is about and why (the table in tests/data/relevance/cases.toml), the word
models the owner's corrections train, and the config mistakes a user would make with [[brands]]."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from monitor.config import Brand
from monitor.errors import ConfigError
from monitor.matching import BrandMatcher, common_word
from monitor.relevance import WORD_CAP, BrandRelevance, Example, Lessons, WordModel, words
from monitor.sentiment import detect_language
from monitor.service.app import load

ROOT = Path(__file__).resolve().parent
TABLE = tomllib.loads((ROOT / "data" / "relevance" / "cases.toml").read_text(encoding="utf-8"))
MATCHER = BrandMatcher.from_config([Brand.model_validate(b) for b in TABLE["brands"]], detect=detect_language)


def _case_id(case: dict[str, Any]) -> str:
    return (case.get("title") or case.get("text") or "")[:40]


@pytest.mark.parametrize("case", TABLE["case"], ids=_case_id)
def test_the_matcher_names_the_brand_says_whether_it_is_about_it_and_why(case: dict[str, Any]) -> None:
    verdict = MATCHER.judge(case.get("title", ""), case.get("text", ""), case.get("url", ""))
    assert (verdict.brand or "", verdict.relevant) == (case["brand"], case["relevant"]), verdict.reason
    assert case["reason"] in verdict.reason


def test_the_table_has_both_kinds_and_says_where_each_text_comes_from() -> None:
    assert all(case.get("from") for case in TABLE["case"])
    held = [c for c in TABLE["case"] if c["brand"] and not c["relevant"]]
    kept = [c for c in TABLE["case"] if c["relevant"]]
    assert len(held) >= 8 and len(kept) >= 15


def test_a_brand_with_terms_matches_only_its_terms_and_one_without_matches_its_name() -> None:
    matcher = BrandMatcher.from_config(
        [Brand(name="Slack", terms=["Slack Technologies", "@SlackHQ"]), Brand(name="Acme Coffee")]
    )
    assert matcher.match("Slack is down again") is None  # the display name is no term when terms are given
    assert matcher.match("Slack Technologies files for a direct listing") == "Slack"
    assert matcher.match("Acme Coffee never disappoints") == "Acme Coffee"  # a config from before `terms`


def test_the_old_tuple_form_still_builds_a_matcher() -> None:
    matcher = BrandMatcher([("Acme Coffee", ["acmecoffee.com"], ["Acme Corporation"])])
    assert matcher.match("order at acmecoffee.com") == "Acme Coffee"
    assert matcher.match("Acme Coffee on Main Street") is None  # terms given: the name is the display name only
    assert matcher.excluded("Acme Coffee", "Acme Corporation quarterly results")
    assert not matcher.excluded("Acme Coffee", "the latte was cold")


def test_common_words_come_from_wordfreq_in_the_texts_language() -> None:
    assert common_word("slack", "en") == pytest.approx(3.71, abs=0.05)
    assert common_word("slack", "ja") is None  # a Latin name in Japanese text
    assert common_word("さくら", "ja") is not None
    assert common_word("アクメ珈琲", "ja") is None
    assert common_word("acme coffee", "en") is None  # a phrase is specific
    assert common_word("figma", "en") is None
    assert common_word("slack", "xx") is None  # a language wordfreq has no list for


def test_a_learned_model_ignores_words_neither_set_has_and_no_word_decides_alone() -> None:
    marked = [words("Automotive Slack Adjuster Market", "")] * 3
    kept = [words("Slack IPO", "messaging"), words("Slack stock", "NYSE")]
    model = WordModel(marked, kept)
    assert model.weights({"zeppelin"}) == []
    weights = dict((w, v) for v, w in model.weights(words("adjuster", "")))
    assert 0 < weights["adjuster"] <= WORD_CAP


def test_the_owners_corrections_hold_back_similar_items_and_bring_back_others() -> None:
    relevance = BrandRelevance(MATCHER)
    acme = "Acme Coffee"
    wax = [Example(f"Acme Coffee wax candle set {n}", "scented candles, wax melts and wicks") for n in range(3)]
    kept = [
        Example("Acme Coffee", text)
        for text in (
            "the latte was cold",
            "lovely flat white and a friendly barista",
            "waited twenty minutes for a cappuccino",
            "new seasonal menu is out",
            "the card reader was broken again",
            "best pastries in town",
        )
    ]
    relevance.learn({acme: Lessons(not_about=wax[:2], kept=kept)})
    held = relevance.judge("Acme Coffee wax candle gift box", "soy wax candles and wicks")
    assert (held.brand, held.relevant) == (acme, False)
    assert held.reason.startswith("like the 2 mentions marked not about us (")
    assert "wax" in held.reason and "acme" not in held.reason.split("(", 1)[1]  # the brand's own words are no reason
    assert relevance.judge("Acme Coffee", "cold latte again and rude staff").relevant

    relevance.learn({acme: Lessons(not_about=wax[:1], kept=kept)})
    assert relevance.judge("Acme Coffee wax candle gift box", "soy wax candles").relevant  # one correction: not yet

    apple = "Apple"
    orchard = [Example("", f"apple harvest at the orchard, {n} crates picked") for n in range(2)]
    pies = ["apple pie with cinnamon", "apple juice for breakfast", "caramel apple slices", "apple crumble night"]
    relevance.learn({apple: Lessons(about=orchard, held=[Example("", text) for text in pies])})
    rescued = relevance.judge("", "apple harvest report from the orchard")
    assert (rescued.brand, rescued.relevant) == (apple, True)
    assert "but it is like the 2 mentions marked about us" in rescued.reason
    assert not relevance.judge("", "apple pie with cream").relevant


BASE = """
[monitor]
database = "monitor.db"

[[brands]]
name = "Slack"
terms = ["Slack"]
"""


@pytest.mark.parametrize(
    ("brand", "expected"),
    [
        ('context = "messaging"', "[[brands]] #1 ('Slack'): key 'context': Input should be a valid list"),
        ('context = ["messaging", " "]', "[[brands]] #1 ('Slack'): key 'context': ' ' is not a word or phrase"),
        ('exclude = ["slack"]', "[[brands]] #1 ('Slack'): key 'exclude': 'Slack' is a term of the brand"),
        ('terms = ["@"]', "[[brands]] #1 ('Slack'): key 'terms': '@' is not a word or phrase"),
        ("contexts = []", "[[brands]] #1 ('Slack'): unknown key 'contexts' (did you mean 'context'?)"),
    ],
)
def test_a_brand_mistake_names_the_key(tmp_path: Path, brand: str, expected: str) -> None:
    path = tmp_path / "monitor.toml"
    text = BASE.replace('terms = ["Slack"]', brand) if brand.startswith("terms") else BASE + brand + "\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path, environ={})
    assert expected in str(info.value)
