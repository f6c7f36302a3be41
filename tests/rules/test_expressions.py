"""Rule conditions, table-tested: what fires, what does not, and what the config check refuses."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from monitor.model import Mention
from rules.expressions import ExpressionError, compile_condition, mention_fields
from tests.factories import make_mention

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def mention(**changes: object) -> Mention:
    """An app complaint without stars and with 12 likes; each test changes what it is about."""
    base = make_mention(
        1,
        source="app-store",
        title="Broken",
        text="The app crashes every time I open it. Refund please.",
        rating=None,
        rating_scale=None,
        brand="Acme",
        sentiment=-0.3,
        engagement={"likes": 12},
    )
    return base.replace(**changes)


@pytest.mark.parametrize(
    ("expression", "changes", "fires"),
    [
        ("sentiment <= -0.5 or rating <= 2", {"sentiment": -0.71}, True),
        ("sentiment <= -0.5 or rating <= 2", {"sentiment": 0.2, "rating": 1.0, "rating_scale": 5.0}, True),
        (
            "sentiment <= -0.5 or rating <= 2",
            {"sentiment": 0.2},
            False,
        ),  # no stars: "rating <= 2" is false, not an error
        ("sentiment <= -0.5", {"sentiment": None, "label": "unscored"}, False),
        ("rating <= 2", {"rating": 4.0, "rating_scale": 10.0}, True),  # 4/10 is 2 stars of 5
        ("rating_raw <= 2", {"rating": 4.0, "rating_scale": 10.0}, False),
        ("label == 'negative' and kind == 'appstore'", {}, True),
        ("'refund' in text", {}, True),
        ("'REFUND' in text", {}, True),  # containment ignores case
        ("contains(title, 'broken') and not contains(text, 'thanks')", {}, True),
        ("matches(text, 'money back|refund')", {}, True),
        ("likes >= 10", {}, True),
        ("score >= 10", {}, False),  # engagement this source does not have
        ("language == 'ja'", {}, False),
        ("brand in ['Acme', 'Other']", {}, True),
        ("rating == null", {}, True),
    ],
)
def test_conditions(expression: str, changes: dict[str, object], fires: bool) -> None:
    assert compile_condition(expression).evaluate(mention_fields(mention(**changes))) is fires


def test_a_match_explains_itself_with_values() -> None:
    condition = compile_condition("sentiment <= -0.5 or rating <= 2")
    assert condition.explain(mention_fields(mention(sentiment=-0.71))) == "sentiment <= -0.5 (sentiment=-0.71)"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("sentimnt < 0", "unknown field 'sentimnt' (did you mean 'sentiment'?)"),
        ("text < 0", "type error"),
        ("sentiment", "must be a condition"),
        ("sentiment <=", "not a valid expression"),
        ("open('/etc/passwd')", "unknown function"),
        ("text.__class__", "attribute access is not allowed"),
        ("__import__('os')", "unknown function"),
    ],
)
def test_bad_expressions_are_refused_at_load(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        compile_condition(expression)
