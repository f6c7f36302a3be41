"""The web inbox's listener: uvicorn, in the daemon's own event loop (one writer to the database stays true).

uvicorn's own signal handling is switched off: the daemon owns SIGTERM/SIGHUP and stops the server itself. The
address is tried before uvicorn starts, so a busy `[web] listen` is one clear line instead of uvicorn's exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Generator

import uvicorn

from monitor.errors import MonitorError
from monitor.service.web.routes import create_app
from monitor.service.web.site import Site

log = logging.getLogger(__name__)


# uvicorn's access log would write every URL, and a mention page's URL may carry an alert link's token.
logging.getLogger("uvicorn.access").disabled = True


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the daemon handles signals


def split_listen(listen: str) -> tuple[str, int]:
    host, port = listen.rsplit(":", 1)
    return host.strip("[]"), int(port)


class WebServer:
    def __init__(self, current: Callable[[], Site]) -> None:
        self.current = current
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self, listen: str) -> int:
        """Serve on `listen` ("host:port"; port 0 picks a free one); returns the port. MonitorError when busy."""
        host, port = split_listen(listen)
        probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise MonitorError(f"[web] listen = {listen!r}: cannot listen there: {exc.strerror}") from None
        finally:
            probe.close()
        config = uvicorn.Config(
            create_app(self.current),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            proxy_headers=True,  # behind a reverse proxy on this machine, the client is X-Forwarded-For's
            server_header=False,
            timeout_graceful_shutdown=5,
            h11_max_incomplete_event_size=16 * 1024,
        )
        server = self._server = _Server(config)
        task = self._task = asyncio.create_task(server.serve(), name="web")
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if task.done():  # uvicorn logged why, and exits (SystemExit) instead of raising
            failure = task.exception() if not task.cancelled() else None
            raise MonitorError(f"[web] listen = {listen!r}: the web inbox could not start ({failure!r})")
        self.port = server.servers[0].sockets[0].getsockname()[1]
        log.info("web inbox served on %s:%d", host, self.port)
        return self.port

    async def close(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        await self._task
