"""What a reload changed, in one line for the log: "sources +news -blogs ~reviews; rules ~bad review".

Compares two validated configs by name. Only names and section titles are said, never values (a value may be a
secret resolved from a credential).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.config import Config


def _named(items: Mapping[str, Any]) -> dict[str, str]:
    return {name: repr(item) for name, item in items.items()}


def _diff(label: str, old: Mapping[str, str], new: Mapping[str, str]) -> str | None:
    added = [f"+{n}" for n in new if n not in old]
    removed = [f"-{n}" for n in old if n not in new]
    changed = [f"~{n}" for n in new if n in old and old[n] != new[n]]
    parts = added + removed + changed
    return f"{label} {' '.join(parts)}" if parts else None


def describe(old: Config, new: Config) -> str:
    """The changes from `old` to `new`, or "no changes"."""
    found = [
        _diff("sources", _named({s.name: s for s in old.sources}), _named({s.name: s for s in new.sources})),
        _diff("rules", _named({r.name: r for r in old.rules}), _named({r.name: r for r in new.rules})),
        _diff("destinations", _named(old.destinations), _named(new.destinations)),
        _diff("brands", _named({b.name: b for b in old.brands}), _named({b.name: b for b in new.brands})),
    ]
    for section in ("monitor", "digest", "web", "sentiment"):
        if repr(getattr(old, section)) != repr(getattr(new, section)):
            found.append(f"[{section}] changed")
    said = [f for f in found if f]
    return "; ".join(said) if said else "no changes"
