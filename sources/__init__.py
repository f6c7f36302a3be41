"""Source kinds. Each module holds one kind; the registry finds them through entry points, built-ins included.

What the kinds share is in small modules by idea: `base` (the interface), `http` (the polite client), `items`
(converting a response, skipping what is malformed), `bounds` (how much of a stranger's text reaches an item),
`isolation` and `parse_worker` (parsing feeds and pages in a child process under a deadline and a memory budget),
`text`, `times`, `numbers`, `cursors` (what to remember between polls), `ratelimits`, `tokens` and `bearer`
(owner-API credentials), `urls` (only http(s) URLs in the config, no configured credential in an item), `replies`
(the owner's answer posted through the kinds whose API takes one: `Answerable`).
"""

from __future__ import annotations

from importlib.metadata import entry_points

from monitor.errors import ConfigError
from sources.base import Source

ENTRY_POINT_GROUP = "mention_monitor.sources"


def source_kinds() -> dict[str, type[Source]]:  # type: ignore[type-arg]
    """Every registered kind by name. Two registrations of one kind is an error, never a silent override."""
    kinds: dict[str, type[Source]] = {}  # type: ignore[type-arg]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if ep.name in kinds and kinds[ep.name] is not cls:
            raise ConfigError(f"source kind {ep.name!r} is registered twice ({kinds[ep.name]!r} and {cls!r})")
        if getattr(cls, "kind", None) != ep.name:
            raise ConfigError(f"entry point {ep.name!r} names a class whose kind is {getattr(cls, 'kind', None)!r}")
        kinds[ep.name] = cls
    return kinds
