"""The evaluation code of bench/ (its data readers and figures), loaded by the tests that hold figures to a floor, so
that a test measures exactly as the documented command does."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.loopback import ROOT


def bench_module(name: str) -> ModuleType:
    """bench/NAME.py as module NAME (bench/ is scripts, not a package: their imports of each other are by name)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
