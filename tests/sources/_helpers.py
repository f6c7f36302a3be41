"""Small helpers the source tests share: run a fetch against the loopback server with a fixed clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from monitor.clock import FixedClock
from sources.http import HttpFetcher
from tests.loopback import REAL, LoopbackServer, Reply

T = TypeVar("T")
DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def run(step: Callable[[HttpFetcher], Awaitable[T]]) -> T:
    """Run `step(http)` with a fresh HttpFetcher on a fixed clock, closing the client afterwards."""

    async def main() -> T:
        http = HttpFetcher(user_agent="test", clock=FixedClock(NOW))
        try:
            return await step(http)
        finally:
            await http.aclose()

    return asyncio.run(main())


def real(relative: str) -> bytes:
    return (REAL / relative).read_bytes()


def real_json(relative: str) -> Any:
    return json.loads(real(relative))


def data_json(name: str) -> Any:
    return json.loads((DATA / name).read_bytes())


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})


def google_token(server: LoopbackServer, access_token: str = "ya29.token") -> None:
    """The token endpoint a Google owner-API source with `base_url` asks (`{base_url}/token`): grants `access_token`."""
    server.route("/token", json_reply({"access_token": access_token, "expires_in": 3599, "token_type": "Bearer"}))
