"""Complaint aspects as data: every example and counter-example of monitor/aspects.toml, table-driven (so a newcomer
adds a seed word and its example in one file), the [aspects] table of monitor.toml, and the brand's own words."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from monitor.aspects import Aspects
from monitor.config import parse_config
from monitor.errors import ConfigError
from monitor.service.app import source_configs

DATA: dict[str, Any] = tomllib.loads(resources.files("monitor").joinpath("aspects.toml").read_text(encoding="utf-8"))
EXAMPLES = [(name, text) for name, table in DATA.items() for text in table["examples"]]
COUNTER_EXAMPLES = [(name, text) for name, table in DATA.items() for text in table["counter_examples"]]


@pytest.fixture(scope="module")
def aspects() -> Aspects:
    return Aspects.packaged()


def test_every_aspect_has_a_title_seeds_an_example_and_a_counter_example() -> None:
    for name, table in DATA.items():
        assert table["title"] and table["seeds"], name
        assert table["examples"] and table["counter_examples"], name


@pytest.mark.parametrize(("aspect", "text"), EXAMPLES)
def test_an_example_has_its_aspect(aspects: Aspects, aspect: str, text: str) -> None:
    assert aspect in aspects.find(text)


@pytest.mark.parametrize(("aspect", "text"), COUNTER_EXAMPLES)
def test_a_counter_example_does_not(aspects: Aspects, aspect: str, text: str) -> None:
    assert aspect not in aspects.find(text)


def test_one_complaint_names_several_aspects_in_the_files_order(aspects: Aspects) -> None:
    text = "Waited forty minutes, the barista was rude, and a latte costs eight dollars now. Overpriced."
    assert aspects.find(text) == ("staff", "waiting", "price")


def test_seeds_are_whole_words_unless_they_say_otherwise(aspects: Aspects) -> None:
    assert "waiting" not in aspects.find("The waiter forgot us.")  # "wait" is not "waiter"
    assert "staff" in aspects.find("Rudest people in town.")  # "rud*" is any ending
    assert "waiting" in aspects.find("ＱＵＥＵＥ was huge")  # NFKC and case folding


def test_the_brands_own_words_are_not_an_aspect(aspects: Aspects) -> None:
    text = "Acme App is down again and my order is lost."
    assert "app" in aspects.find(text)
    assert aspects.find(text, ignore=["Acme App"]) == ("delivery",)
    # The brand's name is blanked, the same word elsewhere still counts.
    assert "app" in aspects.find("Acme App: the app crashes at login", ignore=["Acme App"])


def test_the_quote_is_the_sentence_that_says_it(aspects: Aspects) -> None:
    text = "Lovely room. But we waited an hour at check-in! The breakfast was fine."
    assert aspects.passage(text, "waiting") == "But we waited an hour at check-in!"
    assert (
        aspects.passage("朝食は美味しかった。チェックインで1時間待たされた。", "waiting")
        == "チェックインで1時間待たされた。"
    )
    assert aspects.passage(text, "price") is None


def test_monitor_toml_adds_seeds_and_new_aspects(tmp_path: Path) -> None:
    config = parse_config(
        {"aspects": {"waiting": ["table took ages"], "parking": ["parking", "駐車場"]}},
        source_configs(),
        path=tmp_path / "monitor.toml",
        environ={},
    )
    aspects = Aspects.packaged(config.aspects)
    assert aspects.find("The table took ages and there was no parking.") == ("waiting", "parking")
    assert aspects.find("駐車場が狭い") == ("parking",)
    assert aspects.title("parking") == "parking" and aspects.title("staff") == "staff and service"
    assert aspects.names[-1] == "parking"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"Waiting Time": ["slow"]}, "aspect name 'Waiting Time'"),
        ({"waiting": "slow"}, "aspect 'waiting': write its seeds as a list"),
        ({"waiting": [""]}, "aspect 'waiting': write its seeds as a list"),
    ],
)
def test_a_bad_aspects_table_is_refused_naming_it(tmp_path: Path, table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"aspects": table}, source_configs(), path=tmp_path / "monitor.toml", environ={})
    assert "[aspects]" in str(caught.value) and message in str(caught.value)
