from __future__ import annotations

import pytest

from monitor.sentiment import Scorer, build_scorer


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return build_scorer()
