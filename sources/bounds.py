"""How much of what a stranger wrote reaches an item: every field an outside party controls has a bound.

`bounded(item)` is applied where every item is made (`sources.items.collect`), so no feed, page or API answer can
make matching, scoring, storage or an alert do unbounded work, or put an invisible control into a log or an alert:

| field               | bound                                              | past the bound
|---------------------|----------------------------------------------------|-----------------------------------------------
| `title`             | 1,000 characters, one line                         | cut, ending in "…"
| `text`, `reply_text`| 20,000 characters (Reddit's self-post limit is     | cut, ending in "…"
|                     | 40,000; reviews and posts are far shorter)         |
| `author`            | 200 characters, one line                           | cut, ending in "…"
| `url`               | 2,048 characters, http(s) with a host, no userinfo | dropped (""): a cut, `javascript:` or
|                     | (`https://bank.example@evil.example/` disguises)   | disguised link is worse than none
| `external_id`       | 512 characters                                     | replaced by "sha256:" and its hash (stable)
| `language`          | a language tag (`en`, `pt-BR`), at most 35 chars   | None
| `extra` strings     | 1,000 characters each                              | cut, ending in "…"

In every text field, lone surrogates become U+FFFD (storable), and control characters (tab and newline stay in
`text`) and bidi overrides are removed. How many items one response yields is bounded too (`MAX_ITEMS`, in `collect`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from monitor.model import Item
from sources.text import one_line, printable, without_surrogates

MAX_TITLE = 1_000
MAX_TEXT = 20_000
MAX_AUTHOR = 200
MAX_URL = 2_048
MAX_ID = 512
MAX_LANGUAGE = 35
MAX_EXTRA = 1_000
# Items one response yields; the rest are counted as skipped. An API page holds at most 100, a feed a few dozen, and
# the pipeline matches, scores and stores each one: 38,000 entries in one feed held the daemon for 40 s.
MAX_ITEMS = 500

_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
_URL_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def bounded(item: Item) -> Item:
    """The item with every stranger-controlled field within its bound (see the table above)."""
    reply = item.reply_text
    changes: dict[str, Any] = {
        "external_id": identifier(item.external_id),
        "url": link(item.url),
        "title": cut(one_line(without_surrogates(item.title)), MAX_TITLE),
        "text": cut(printable(without_surrogates(item.text)), MAX_TEXT),
        "author": cut(one_line(without_surrogates(item.author)), MAX_AUTHOR),
        "language": language(item.language),
        "reply_text": None if reply is None else cut(printable(without_surrogates(reply)), MAX_TEXT),
        "extra": _extra(item.extra),
    }
    changed = {name: value for name, value in changes.items() if value != getattr(item, name)}
    return replace(item, **changed) if changed else item


def cut(text: str, limit: int) -> str:
    """At most `limit` characters; a cut text ends in "…" so a reader sees that there was more."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def identifier(value: str) -> str:
    """An id within MAX_ID characters; a longer one is replaced by its hash, which is as stable and as unique."""
    value = without_surrogates(value)
    if len(value) <= MAX_ID:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def link(url: str) -> str:
    """An http(s) link with a host and without userinfo, within MAX_URL characters; "" for anything else."""
    url = url.strip().replace(" ", "%20")
    if not url or len(url) > MAX_URL or _URL_SPACE.search(url) or not url.lower().startswith(("http://", "https://")):
        return ""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is no number, unbalanced IPv6 brackets
        return ""
    if not host:
        return ""
    if "@" not in parts.netloc:
        return url
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def language(value: Any) -> str | None:
    """A language tag such as `en` or `pt-BR`; None for anything else."""
    if isinstance(value, str) and len(value) <= MAX_LANGUAGE and _LANGUAGE.fullmatch(value):
        return value
    return None


def _extra(value: Any) -> Any:
    if isinstance(value, str):
        return cut(printable(without_surrogates(value)), MAX_EXTRA)
    if isinstance(value, dict):
        return {_extra(k): _extra(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_extra(v) for v in value)
    return value
