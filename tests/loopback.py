"""A real HTTP server on 127.0.0.1 for tests: serves canned responses per path and records every request.

    with LoopbackServer() as server:
        server.route("/feed.xml", body=path.read_bytes(), headers={"ETag": '"v1"'})
        url = server.url("/feed.xml")
        ...
        assert server.requests[-1].headers["If-None-Match"] == '"v1"'

A route may also be a callable `(request) -> Reply`, or a list of Replies served in turn (the last one repeats).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "fixtures" / "real"
FEEDPARSER_TESTS = SHARED / "fixtures" / "feedparser-tests"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    # Seconds to stall before answering (a hanging server); the server thread waits on an Event, not a sleep.
    stall: float = 0.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request], Reply]


class LoopbackServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[str, Handler] = {}
        self._release = threading.Event()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the body waits for the client's delayed
            # ACK of the headers (40 ms on Linux) on every response.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except ConnectionResetError:
                    pass  # the client went away mid-connection (a test may SIGKILL it): nothing to answer

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                server.requests.append(request)
                handler = server._routes.get(parts.path)
                reply = handler(request) if handler else Reply(404, b"not found")
                if reply.stall:
                    server._release.wait(reply.stall)
                try:
                    self.send_response(reply.status)
                    headers = {k.lower(): v for k, v in reply.headers.items()}
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    if "content-length" not in headers:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        # serve_forever checks for shutdown() once per poll interval; the default 0.5 s would make every stop() wait.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        reply: Reply | list[Reply] | Handler | None = None,
        *,
        body: bytes = b"",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if reply is None:
            reply = Reply(status, body, dict(headers or {}))
        if isinstance(reply, Reply):
            fixed = reply
            self._routes[path] = lambda _req: fixed
        elif isinstance(reply, list):
            queue = list(reply)

            def _next(_req: Request) -> Reply:
                return queue.pop(0) if len(queue) > 1 else queue[0]

            self._routes[path] = _next
        else:
            self._routes[path] = reply

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
