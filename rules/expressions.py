"""Rule conditions: `when = "sentiment <= -0.5 or rating <= 2"`, evaluated safely with simpleeval.

Comparisons with a missing value are false rather than an error ("rating <= 2" is false for a mention without
stars), the way SQL treats NULL. Expressions are checked when the config loads: an unknown field, an unknown function
or a type error is a ConfigError naming the rule. A match explains itself: the comparisons that held, with values.

Every mention is checked against every rule, so a condition is also compiled once, at load, into plain Python
closures over the parsed tree (`_compile`): the node types a condition is written with (comparisons, and/or/not,
arithmetic, the functions below, list literals), evaluated as simpleeval evaluates them, with its operators. A
condition that uses anything else (a comprehension, a subscript, an f-string...) is evaluated by simpleeval itself,
as is one whose compiled form disagrees with simpleeval on the load-time samples.
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simpleeval import DEFAULT_OPERATORS, MAX_STRING_LENGTH, EvalWithCompoundTypes, InvalidExpression, NameNotDefined

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


# A condition, or a part of one, compiled: the value it has for a mention's fields.
Compiled = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class _Part:
    """A comparison or call of a condition, for `explain`: its text, the names it reads, and its compiled form
    (None: simpleeval evaluates it)."""

    text: str
    names: tuple[str, ...]
    run: Compiled | None


@dataclass(frozen=True)
class Condition:
    source: str
    tree: ast.Expression
    run: Compiled | None = field(default=None, compare=False, repr=False)  # None: simpleeval evaluates it
    parts: tuple[_Part, ...] = field(default=(), compare=False, repr=False)

    def evaluate(self, fields: Mapping[str, Any]) -> bool:
        if self.run is not None:
            return bool(self.run(fields))
        return bool(_evaluator(fields).eval(self.source, previously_parsed=self.tree.body))

    def explain(self, fields: Mapping[str, Any]) -> str:
        """The comparisons that held, with their values: "sentiment -0.71 <= -0.5"."""
        evaluator: EvalWithCompoundTypes | None = None
        held = []
        for part in self.parts:
            try:
                if part.run is not None:
                    value = part.run(fields)
                else:
                    evaluator = evaluator or _evaluator(fields)
                    value = evaluator.eval(part.text)
                if value:
                    held.append(_with_values(part, fields))
            except (InvalidExpression, TypeError, ValueError):
                continue
        return "; ".join(held) if held else self.source


def _with_values(part: _Part, fields: Mapping[str, Any]) -> str:
    names = [name for name in part.names if name in fields and name not in FUNCTIONS]
    values = ", ".join(f"{name}={_short(fields[name])}" for name in dict.fromkeys(names))
    return f"{part.text} ({values})" if values else part.text


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
    typical = {name: value for name, (_, value, _) in FIELDS.items()}
    missing = {name: (None if nullable else value) for name, (_, value, nullable) in FIELDS.items()}
    run = _compile(tree.body, source)
    for sample in (typical, missing):
        try:
            result = _evaluator(sample).eval(source, previously_parsed=tree.body)
        except (TypeError, InvalidExpression, ValueError, re.error) as exc:
            raise ExpressionError(f"type error: {exc}") from None
        if sample is typical and not isinstance(result, bool):
            raise ExpressionError(f"must be a condition (true/false), but gives a {type(result).__name__}")
        if run is not None and not _agrees(run, sample, result):
            run = None
    parts = tuple(
        _Part(ast.unparse(node), tuple(n.id for n in ast.walk(node) if isinstance(n, ast.Name)), _compile(node, source))
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare | ast.Call)
    )
    return Condition(source, tree, run, parts)


def _agrees(run: Compiled, sample: Mapping[str, Any], expected: Any) -> bool:
    try:
        value = run(sample)
    except Exception:  # noqa: BLE001 (simpleeval gave a value: any error here means the two disagree)
        return False
    return type(value) is type(expected) and value == expected


def _compile(node: ast.AST, source: str) -> Compiled | None:
    """`node` as closures that evaluate it as simpleeval's EvalWithCompoundTypes does with our operators and
    functions, or None when it holds a node type left to simpleeval (subscripts, comprehensions, f-strings...)."""
    compiler = _COMPILERS.get(type(node))
    return compiler(node, source) if compiler is not None else None


def _all(nodes: list[ast.expr], source: str) -> list[Compiled] | None:
    compiled = [_compile(n, source) for n in nodes]
    return [c for c in compiled if c is not None] if None not in compiled else None


def _constant(node: ast.Constant, source: str) -> Compiled | None:
    value = node.value
    if isinstance(value, str | bytes) and len(value) > MAX_STRING_LENGTH:
        return None  # simpleeval refuses it
    return lambda fields: value


def _name(node: ast.Name, source: str) -> Compiled | None:
    name = node.id
    if name not in FIELDS:
        return None  # a function's name as a value

    def look_up(fields: Mapping[str, Any]) -> Any:
        try:
            return fields[name]
        except (TypeError, KeyError):
            raise NameNotDefined(name, source) from None

    return look_up


def _bool_op(node: ast.BoolOp, source: str) -> Compiled | None:
    steps = _all(node.values, source)
    if steps is None:
        return None
    stop_at = isinstance(node.op, ast.Or)  # `and` stops at a false value, `or` at a true one

    def run(fields: Mapping[str, Any]) -> Any:
        result: Any = False
        for step in steps:
            result = step(fields)
            if bool(result) is stop_at:
                break
        return result

    return run


def _compare(node: ast.Compare, source: str) -> Compiled | None:
    first, comparators = _compile(node.left, source), _all(node.comparators, source)
    ops = [_OPERATORS.get(type(o)) for o in node.ops]
    if first is None or comparators is None or None in ops:
        return None
    chain = [(op, c) for op, c in zip(ops, comparators, strict=True) if op is not None]

    def run(fields: Mapping[str, Any]) -> Any:
        right = first(fields)
        result: Any = True
        for op, comparator in chain:
            if not result:
                break
            left, right = right, comparator(fields)
            result = op(left, right)
        return result

    return run


def _unary(node: ast.UnaryOp, source: str) -> Compiled | None:
    op, operand = _OPERATORS.get(type(node.op)), _compile(node.operand, source)
    if op is None or operand is None:
        return None
    return lambda fields: op(operand(fields))


def _binary(node: ast.BinOp, source: str) -> Compiled | None:
    op, left, right = _OPERATORS.get(type(node.op)), _compile(node.left, source), _compile(node.right, source)
    if op is None or left is None or right is None:
        return None
    return lambda fields: op(left(fields), right(fields))


def _if(node: ast.IfExp, source: str) -> Compiled | None:
    parts = _all([node.test, node.body, node.orelse], source)
    if parts is None:
        return None
    test, body, orelse = parts
    return lambda fields: body(fields) if test(fields) else orelse(fields)


def _call(node: ast.Call, source: str) -> Compiled | None:
    func = FUNCTIONS.get(node.func.id) if isinstance(node.func, ast.Name) else None
    args = _all(node.args, source)
    if func is None or args is None or node.keywords:
        return None
    return lambda fields: func(*(a(fields) for a in args))


def _collection(node: ast.List | ast.Tuple | ast.Set, source: str) -> Compiled | None:
    items = _all(node.elts, source)  # a starred item is left to simpleeval
    if items is None:
        return None
    kind: Callable[[Any], Any] = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
    return lambda fields: kind(item(fields) for item in items)


_COMPILERS: dict[type[ast.AST], Callable[[Any, str], Compiled | None]] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.BoolOp: _bool_op,
    ast.Compare: _compare,
    ast.UnaryOp: _unary,
    ast.BinOp: _binary,
    ast.IfExp: _if,
    ast.Call: _call,
    ast.List: _collection,
    ast.Tuple: _collection,
    ast.Set: _collection,
}
