"""Statements and parameters for psycopg: the repositories write SQLite's `?` (or `:name`) placeholders, psycopg
wants `%s` (`%(name)s`); and PostgreSQL's text cannot hold NUL.

Kept apart from the backend (monitor/storage/postgresql.py): pure text work, tested on its own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from monitor.storage.base import Params

_NAMED = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")


@functools.lru_cache(maxsize=1024)
def translate(sql: str, *, named: bool = False) -> str:
    """SQLite's placeholders to psycopg's: `?` (or `:name` for a mapping) outside string literals, quoted names
    and comments becomes `%s` (`%(name)s`), and every literal `%` is doubled."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = i + 1
            while True:
                end = sql.find(c, end)
                if end == -1 or not sql.startswith(c, end + 1):
                    break
                end += 2  # a doubled quote inside the literal
            end = n if end == -1 else end + 1
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c == "?" and not named:
            out.append("%s")
            i += 1
        elif c == ":" and named and (match := _NAMED.match(sql, i)) and not sql.startswith("::", i - 1):
            out.append(f"%({match.group(1)})s")
            i = match.end()
        elif c == "%":
            out.append("%%")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def clean(params: Params) -> Sequence[Any] | Mapping[str, Any]:
    """PostgreSQL's text cannot hold NUL, which text from the internet sometimes does: it becomes U+FFFD."""
    if isinstance(params, Mapping):
        return {k: _text(v) for k, v in params.items()}
    return tuple(_text(v) for v in params)


def _text(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):  # an array
        return [_text(v) for v in value]
    return value
