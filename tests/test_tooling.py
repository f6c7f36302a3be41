"""The checks a maintainer runs are part of the test command: lint, types, and documentation that keeps up."""

from __future__ import annotations

import re
import subprocess
import sys

from pydantic import BaseModel

from monitor.config import (
    Alerts,
    Brand,
    Destination,
    Digest,
    MonitorSection,
    QuietHours,
    Response,
    Rule,
    Sentiment,
    Web,
)
from tests.loopback import ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_core_rules_and_alerts() -> None:
    result = run("mypy", "--no-incremental", "monitor", "rules", "alerts")
    assert result.returncode == 0, result.stdout + result.stderr


# The README's "Configuration reference" table, one row per key (or several keys): | `[table]` | `key`, ... | meaning |
# An empty first cell continues the table above. A key may be written `key = value`, and an inline table
# `key = { sub = ..., other = ... }` names the keys of that sub-table too. The meaning column is prose (defaults,
# values, cross-references) and names no key.
TABLES: dict[str, type[BaseModel]] = {
    "[monitor]": MonitorSection,
    "[[brands]]": Brand,
    "[destinations]": Destination,
    "[[rules]]": Rule,
    "[digest]": Digest,
    "[response]": Response,
    "[web]": Web,
    "[alerts]": Alerts,
    "[sentiment]": Sentiment,
}
SUB_TABLES: dict[tuple[str, str], type[BaseModel]] = {("[destinations]", "quiet_hours"): QuietHours}
_CODE = re.compile(r"`([^`]*)`")
_KEY = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(.*))?$", re.DOTALL)


def _reference_rows(readme: str) -> list[list[str]]:
    section = readme.split("\n## Configuration reference\n", 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in section.splitlines()]
    header = next(i for i, line in enumerate(lines) if line.startswith("| table | key |"))
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def documented_keys(readme: str) -> dict[str, set[str]]:
    """Each table's keys as the reference table's key column names them; sub-tables as "[table].key"."""
    keys: dict[str, set[str]] = {}
    table = ""
    for cells in _reference_rows(readme):
        table = "".join(_CODE.findall(cells[0])) or table
        for code in _CODE.findall(cells[1]):
            match = _KEY.match(code)
            assert match, f"README.md, {table}: `{code}` is not a key"
            key, value = match.groups()
            keys.setdefault(table, set()).add(key)
            if value and value.strip().startswith("{"):
                inner = [_KEY.match(part) for part in value.strip().strip("{}").split(",")]
                keys[f"{table}.{key}"] = {sub.group(1) for sub in inner if sub}
    return keys


def test_every_config_key_is_documented_in_the_readme() -> None:
    documented = documented_keys((ROOT / "README.md").read_text(encoding="utf-8"))
    expected = {table: set(model.model_fields) for table, model in TABLES.items()}
    expected |= {f"{table}.{key}": set(model.model_fields) for (table, key), model in SUB_TABLES.items()}
    problems = []
    for table, keys in expected.items():
        found = documented.get(table, set())
        if missing := sorted(keys - found):
            problems.append(f"{table}: not documented: {', '.join(missing)}")
        if unknown := sorted(found - keys):
            problems.append(f"{table}: documented but not a key: {', '.join(unknown)}")
    assert not problems, "README.md, Configuration reference table:\n" + "\n".join(problems)


def test_every_source_kind_is_documented_in_the_readme() -> None:
    from sources import source_kinds

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for kind in source_kinds():
        assert f'kind = "{kind}"' in readme, f"source kind {kind} has no config snippet in README.md"
