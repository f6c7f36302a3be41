"""The checks a maintainer runs are part of the test command: lint, types, and documentation that keeps up."""

from __future__ import annotations

import re
import subprocess
import sys

from monitor.config import Brand, Destination, Digest, MonitorSection, Rule, Web
from tests.loopback import ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_core_rules_and_alerts() -> None:
    result = run("mypy", "--no-incremental", "monitor", "rules", "alerts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_config_key_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for model in (MonitorSection, Brand, Destination, Rule, Digest, Web):
        for key in model.model_fields:
            assert re.search(rf"`[^`]*\b{key}\b[^`]*`", readme), f"{model.__name__}.{key} is not in README.md"


def test_every_source_kind_is_documented_in_the_readme() -> None:
    from sources import source_kinds

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for kind in source_kinds():
        assert f'kind = "{kind}"' in readme, f"source kind {kind} has no config snippet in README.md"
