"""The three floors hold: import-linter's contracts in pyproject.toml (ground below features below roof, features
independent, every module of monitor/ placed on a floor, no import circle) are kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.loopback import ROOT


def test_the_layer_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
