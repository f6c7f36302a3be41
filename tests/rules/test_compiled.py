"""Compiled conditions decide and explain exactly as simpleeval does: every expression below on every mention below,
through both, gives the same value, the same explanation and the same error."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest

from rules.expressions import Condition, _evaluator, compile_condition, mention_fields
from tests.factories import make_mention

EXPRESSIONS = [
    "label == 'negative'",
    "label != 'negative'",
    "sentiment <= -0.5 or rating <= 2",
    "sentiment <= -0.5 and rating <= 2",
    "not (sentiment > 0)",
    "-0.8 < sentiment <= -0.2",
    "0 < rating < 3 < 4",
    "rating == null",
    "rating != null and rating * 2 >= 4",
    "likes >= 3 and replies - 1 > 0 or followers >= 100",
    "'refund' in text",
    "'refund' not in text",
    "'waiting' in aspects and contains(text, 'cold')",
    "'staff' not in aspects",
    "brand in ['Acme Coffee', 'Other']",
    "brand in ('Acme Coffee',)",
    "language in {'en', 'ja'}",
    "matches(text, 'money back|refund') or matches(title, '^never')",
    "lower(title) == 'never again'",
    "len(text) > 40 and len(aspects) >= 1",
    "len(author) == 0",
    "(sentiment if sentiment != null else 0) < 0",
    "true",
    "false or null == null",
    "sentiment < 0 and (rating <= 1 or status == 'new')",
    "f'{brand}!' == 'Acme Coffee!'",  # an f-string: left to simpleeval
    "aspects[0] == 'staff' if len(aspects) else false",  # a subscript: left to simpleeval
]

MENTIONS = [
    make_mention(1),
    make_mention(2, sentiment=None, label="unscored", rating=None, rating_scale=None, language=None),
    make_mention(3, sentiment=0.6, label="positive", rating=4.0, rating_scale=10.0, aspects=("staff", "waiting")),
    make_mention(4, text="I want a refund, the coffee was cold", engagement={"likes": 3, "replies": 2}, author=""),
    make_mention(5, sentiment=-0.3, engagement={"followers": 250}, aspects=("staff",), language="ja"),
]


def outcome(run: Any) -> tuple[str, Any]:
    try:
        return "value", run()
    except Exception as exc:  # the error itself is what is compared
        return "error", type(exc)


@pytest.mark.parametrize(("expression", "mention"), list(itertools.product(EXPRESSIONS, MENTIONS)))
def test_compiled_and_simpleeval_agree(expression: str, mention: Any) -> None:
    compiled = compile_condition(expression)
    plain = replace(compiled, run=None, parts=tuple(replace(p, run=None) for p in compiled.parts))
    fields = mention_fields(mention)
    raw = outcome(lambda: _evaluator(fields).eval(expression, previously_parsed=compiled.tree.body))
    assert outcome(lambda: compiled.evaluate(fields)) == outcome(lambda: plain.evaluate(fields))
    assert outcome(lambda: compiled.evaluate(fields)) == (raw if raw[0] == "error" else ("value", bool(raw[1])))
    assert outcome(lambda: compiled.explain(fields)) == outcome(lambda: plain.explain(fields))


def test_what_only_simpleeval_reads_is_left_to_it() -> None:
    assert compile_condition("label == 'negative'").run is not None
    subscript: Condition = compile_condition("aspects[0] == 'staff' if len(aspects) else false")
    assert subscript.run is None
