"""A server on 127.0.0.1 for the bodies tests/loopback.py cannot send: one that never ends, one that trickles.

    with StreamingServer() as server:
        server.route("/endless", endless)
        server.route("/drip", trickle)

A route writes its whole response itself. The server's threads pace a trickle by waiting on an Event (released at
`stop()`), never by sleeping, and stop writing as soon as the client goes away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Writer = Callable[[BaseHTTPRequestHandler, threading.Event], None]
CHUNK = b"<item><title>Slack</title></item>" * 2000  # 66 KB of well-formed, endlessly repeated feed


def endless(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """A chunked feed body that never ends (no Content-Length to refuse it by)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.wfile.write(b'%x\r\n<rss version="2.0"><channel>\r\n' % len(b'<rss version="2.0"><channel>'))
    while not stop.is_set():
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))


def trickle(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """A 1,000-byte feed sent one byte a second: every read succeeds, none in time."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    while not stop.wait(1.0):
        handler.wfile.write(b" ")
        handler.wfile.flush()


class StreamingServer:
    def __init__(self) -> None:
        self._routes: dict[str, Writer] = {}
        self._stop = threading.Event()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                writer = server._routes.get(self.path.split("?")[0])
                if writer is None:
                    self.send_error(404)
                    return
                try:
                    writer(self, server._stop)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what a bounded client does
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def route(self, path: str, writer: Writer) -> None:
        self._routes[path] = writer

    def __enter__(self) -> StreamingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
