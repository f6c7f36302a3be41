"""The brand-relevance figures on real captured items hold (bench/relevance.py prints them): the development set of
tests/data/relevance/dev_labelled.tsv with the brands of dev_brands.toml, a few context words per ambiguous brand."""

from __future__ import annotations

import pytest

from bench.relevance import Row, brands, corrected_judge, measure, new_judge, old_match, rows

PRECISION_FLOOR, RECALL_FLOOR = 0.90, 0.95


@pytest.fixture(scope="module")
def data() -> list[Row]:
    return rows()


def test_every_labelled_item_is_where_the_table_says(data: list[Row]) -> None:
    assert len(data) == 60
    assert sum(len(r.about) for r in data) == 35
    assert {b.name for b in brands()} >= {name for r in data for name in r.about}


def test_about_the_brand_holds_precision_and_recall_floors_and_beats_the_old_matcher(data: list[Row]) -> None:
    config = brands()
    after, by_brand = measure(new_judge(), data, config)
    before, _ = measure(lambda b, i: old_match(b, i), data, config)
    assert after.precision >= PRECISION_FLOOR and after.recall >= RECALL_FLOOR, after.line("after")
    assert before.precision < after.precision - 0.2  # the homonyms and the reddit.com URLs the old matcher kept
    assert by_brand["Slack"].fp == 0 and by_brand["Slack"].fn == 0


def test_the_owners_corrections_recover_what_a_config_without_context_words_misses(data: list[Row]) -> None:
    config = brands()
    bare, _ = measure(new_judge(context=False), data, config)
    judge, _ = corrected_judge(data, context=False)
    taught, _ = measure(judge, data, config)
    assert bare.precision >= PRECISION_FLOOR
    assert taught.recall > bare.recall + 0.1 and taught.precision >= bare.precision
