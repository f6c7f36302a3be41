"""Rule conditions: `when = "sentiment <= -0.5 or rating <= 2"`, evaluated safely with simpleeval.

Comparisons with a missing value are false rather than an error ("rating <= 2" is false for a mention without
stars), the way SQL treats NULL. Expressions are checked when the config loads: an unknown field, an unknown function
or a type error is a ConfigError naming the rule. A match explains itself: the comparisons that held, with values.
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes, InvalidExpression

from monitor.model import Mention

# Field -> (type shown in errors, a typical value, can it be missing?)
FIELDS: dict[str, tuple[str, Any, bool]] = {
    "sentiment": ("number -1..1", -0.6, True),
    "rating": ("stars on a 1..5 scale", 2.0, True),
    "rating_raw": ("the source's own rating", 2.0, True),
    "label": ("'negative' | 'neutral' | 'positive' | 'unscored'", "negative", False),
    "language": ("language code such as 'en'", "en", True),
    "source": ("source name", "google-alerts", False),
    "kind": ("source kind such as 'rss'", "rss", False),
    "brand": ("brand name", "Acme", False),
    "author": ("text", "someone", False),
    "title": ("text", "a title", False),
    "text": ("text", "the text", False),
    "url": ("text", "https://example.com/", False),
    "status": ("'new' | 'alerted' | 'acknowledged' | 'responded' | 'resolved' | 'ignored'", "new", False),
    "aspects": ("what a negative mention complains about: a list such as ['waiting', 'staff']", ["waiting"], False),
    "score": ("engagement: score/upvotes", 3, True),
    "likes": ("engagement: likes", 3, True),
    "replies": ("engagement: replies", 3, True),
    "followers": ("engagement: the author's followers", 100, True),
    "true": ("boolean", True, False),
    "false": ("boolean", False, False),
    "null": ("missing value", None, False),
}


def _contains(haystack: Any, needle: Any) -> bool:
    if haystack is None or needle is None:
        return False
    return str(needle).casefold() in str(haystack).casefold()


def _matches(haystack: Any, pattern: Any) -> bool:
    if haystack is None or pattern is None:
        return False
    return re.search(str(pattern), str(haystack), re.IGNORECASE) is not None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _contains,  # contains(text, "cold coffee"), case-insensitive
    "matches": _matches,  # matches(text, "refund|money back"), a case-insensitive regular expression
    "lower": lambda s: None if s is None else str(s).lower(),
    "len": lambda s: 0 if s is None else len(s),
}


def _null_safe(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def op(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        return compare(a, b)

    return op


_OPERATORS = dict(DEFAULT_OPERATORS)
_OPERATORS.update(
    {
        ast.Lt: _null_safe(operator.lt),
        ast.LtE: _null_safe(operator.le),
        ast.Gt: _null_safe(operator.gt),
        ast.GtE: _null_safe(operator.ge),
        ast.In: _null_safe(lambda a, b: _contains(b, a) if isinstance(b, str) else a in b),
        ast.NotIn: lambda a, b: not _null_safe(lambda x, y: _contains(y, x) if isinstance(y, str) else x in y)(a, b),
    }
)


class ExpressionError(ValueError):
    """The expression cannot be used; the message says why, for the user."""


def mention_fields(m: Mention) -> dict[str, Any]:
    scale = m.rating_scale or 5.0
    return {
        "sentiment": m.sentiment,
        "rating": None if m.rating is None else round(m.rating / scale * 5.0, 3),
        "rating_raw": m.rating,
        "label": m.label,
        "language": m.language,
        "source": m.source,
        "kind": m.kind,
        "brand": m.brand,
        "author": m.author,
        "title": m.title,
        "text": m.text,
        "url": m.url,
        "status": m.status,
        "aspects": list(m.aspects),
        "score": m.engagement.get("score"),
        "likes": m.engagement.get("likes"),
        "replies": m.engagement.get("replies"),
        "followers": m.engagement.get("followers"),
        "true": True,
        "false": False,
        "null": None,
    }


@dataclass(frozen=True)
class Condition:
    source: str
    tree: ast.Expression

    def evaluate(self, fields: Mapping[str, Any]) -> bool:
        return bool(_evaluator(fields).eval(self.source, previously_parsed=self.tree.body))

    def explain(self, fields: Mapping[str, Any]) -> str:
        """The comparisons that held, with their values: "sentiment -0.71 <= -0.5"."""
        evaluator = _evaluator(fields)
        held = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Compare | ast.Call):
                text = ast.unparse(node)
                try:
                    if evaluator.eval(text):
                        held.append(_with_values(node, text, fields))
                except (InvalidExpression, TypeError, ValueError):
                    continue
        return "; ".join(held) if held else self.source


def _with_values(node: ast.AST, text: str, fields: Mapping[str, Any]) -> str:
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in fields and n.id not in FUNCTIONS]
    values = ", ".join(f"{name}={_short(fields[name])}" for name in dict.fromkeys(names))
    return f"{text} ({values})" if values else text


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"


def _evaluator(fields: Mapping[str, Any]) -> EvalWithCompoundTypes:
    return EvalWithCompoundTypes(operators=_OPERATORS, functions=dict(FUNCTIONS), names=dict(fields))


def compile_condition(source: str) -> Condition:
    """Parse and check an expression; raise ExpressionError with a user-facing reason."""
    try:
        tree = ast.parse(source.strip() or "true", mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg} at column {exc.offset}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in FIELDS and node.id not in FUNCTIONS:
            close = difflib.get_close_matches(node.id, [*FIELDS, *FUNCTIONS], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ExpressionError(f"unknown field {node.id!r}{hint}; fields are: {', '.join(FIELDS)}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise ExpressionError(f"unknown function in {ast.unparse(node)!r}; functions are: {', '.join(FUNCTIONS)}")
        if isinstance(node, ast.Attribute):
            raise ExpressionError(f"attribute access is not allowed ({ast.unparse(node)!r})")
    condition = Condition(source, tree)
    typical = {name: value for name, (_, value, _) in FIELDS.items()}
    missing = {name: (None if nullable else value) for name, (_, value, nullable) in FIELDS.items()}
    for sample in (typical, missing):
        try:
            result = _evaluator(sample).eval(source, previously_parsed=tree.body)
        except (TypeError, InvalidExpression, ValueError, re.error) as exc:
            raise ExpressionError(f"type error: {exc}") from None
        if sample is typical and not isinstance(result, bool):
            raise ExpressionError(f"must be a condition (true/false), but gives a {type(result).__name__}")
    return condition
