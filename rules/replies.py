"""The reply manual: which `[[replies]]` templates fit a mention, and each filled in for it.

    manual = compile_manual(config)           # at load: every `when` checked (ConfigError naming the template)
    manual.fitting(mention, where="Google")   # -> [Draft(name, text)], in the config's order

A template fits when its `brand` (if any) is the mention's, its `language` (if any) is the mention's (a mention
whose language is unknown is offered every template), and its `when` holds for the mention, in the rules'
expression language. Placeholders were checked by the config schema (monitor.config.REPLY_PLACEHOLDERS); the
values put in are the mention's, cut to one line, so a stranger's name or words cannot add lines to a reply or
reach into objects: `str.format_map` gets plain strings only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.config import MAX_REPLY, Config
from monitor.config import Reply as ReplyConfig
from monitor.errors import ConfigError
from monitor.model import Mention
from monitor.sentiment.text import sentences
from rules.expressions import Condition, ExpressionError, compile_condition, mention_fields

QUOTE_MAX = 80  # characters of the reviewer's own words a reply quotes
NAME_MAX = 60
# When the source gives no name: what a greeting says instead ("Dear customer", "お客様").
NO_NAME = {"ja": "お客", "": "customer"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Draft:
    """A template filled in for one mention: what the reply box starts with."""

    name: str
    text: str


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    language: str | None
    brand: str | None
    condition: Condition

    def fits(self, mention: Mention) -> bool:
        if self.brand is not None and self.brand != mention.brand:
            return False
        if self.language is not None and mention.language and not _same_language(self.language, mention.language):
            return False
        return self.condition.evaluate(mention_fields(mention))

    def fill(self, mention: Mention, where: str) -> str:
        values = {
            "author": _one_line(mention.author, NAME_MAX) or _no_name(mention.language),
            "brand": _one_line(mention.brand, NAME_MAX),
            "where": _one_line(where, NAME_MAX),
            "quote": quote(mention.text or mention.title),
        }
        return self.text.format_map(values)[:MAX_REPLY]


@dataclass(frozen=True)
class Manual:
    templates: tuple[Template, ...] = ()

    def fitting(self, mention: Mention, where: str) -> list[Draft]:
        return [Draft(t.name, t.fill(mention, where)) for t in self.templates if t.fits(mention)]

    def draft(self, name: str, mention: Mention, where: str) -> Draft | None:
        """The template called `name`, filled in, if it fits this mention."""
        return next((d for d in self.fitting(mention, where) if d.name == name), None)


def compile_manual(config: Config) -> Manual:
    return Manual(tuple(_compile(reply, config) for reply in config.replies))


def _compile(reply: ReplyConfig, config: Config) -> Template:
    try:
        condition = compile_condition(reply.when)
    except ExpressionError as exc:
        raise ConfigError(f"{config.path}: [[replies]] {reply.name!r}: key 'when': {exc}") from None
    return Template(reply.name, reply.text, reply.language, reply.brand, condition)


def quote(text: str) -> str:
    """The first sentence of the reviewer's words, on one line, at most QUOTE_MAX characters (cut at a word)."""
    parts = sentences(text[: 10 * QUOTE_MAX])  # the scorer's own sentence ends (English and Japanese, line breaks)
    first = _one_line(parts[0], 10 * QUOTE_MAX) if parts else ""
    if len(first) <= QUOTE_MAX:
        return first
    cut = first[: QUOTE_MAX - 1]
    if " " in cut[QUOTE_MAX // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _one_line(text: str, limit: int) -> str:
    cleaned = "".join(ch for ch in text[: limit * 4] if ch.isprintable() or ch.isspace())
    return _SPACE.sub(" ", cleaned).strip()[:limit]


def _no_name(language: str | None) -> str:
    return NO_NAME.get((language or "").split("-")[0], NO_NAME[""])


def _same_language(wanted: str, actual: str) -> bool:
    return actual.lower().split("-")[0] == wanted.lower().split("-")[0]
