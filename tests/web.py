"""The web inbox served for real (uvicorn on 127.0.0.1, the daemon's WebServer) from a background thread.

The inbox answers replies as the daemon's does (a ReplyDesk over the config's sources, through a real HttpFetcher).
The inbox gets its own database connection, as the daemon's would be; the test seeds and reads the same SQLite file
through another, so what a test asserts is what the file says. Users are made through the real CLI's storage and
password hashing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from monitor.clock import Clock
from monitor.config import Config
from monitor.passwords import hash_password
from monitor.service.app import check, load
from monitor.service.replies import ReplyDesk
from monitor.service.web.server import WebServer
from monitor.service.web.site import Site, make_site
from monitor.storage import Database, open_database
from monitor.storage.users import Users
from sources.http import HttpFetcher
from sources.replies import Answerable
from tests.mailserver import free_port

SECRET = "a-secret-of-32-characters-long!!"
PASSWORD = "correct horse battery"

WEB = """
[web]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
secret = "{secret}"
"""


def web_section(port: int) -> str:
    return WEB.format(port=port, secret=SECRET)


@dataclass
class Served:
    url: str
    config: Config
    db: Database  # the test's own connection to the inbox's database
    site: Site  # the inbox's (for making links the way alerts do)

    def add_user(self, name: str, *, brands: tuple[str, ...] = (), password: str = PASSWORD) -> None:
        with self.db.transaction():
            Users(self.db).add(
                name, hash_password(password), brands=list(brands), notify=None, now=self.site.clock.now()
            )


@contextmanager
def serving(config_path: Path, clock: Clock) -> Iterator[Served]:
    """Serve the inbox of the config at `config_path` (its [web] listen port must be free) until the block ends."""
    config = load(config_path, environ={})
    assert config.web is not None
    started = threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        db = open_database(config.monitor.database)
        own = [b.name for b in config.brands if b.role == "own"]
        checked = check(config, clock)
        http = HttpFetcher(user_agent="mention-monitor tests", clock=clock, deadline=5.0)
        answerers = {s.name: s for s in checked.sources if isinstance(s, Answerable)}
        desk = ReplyDesk(db, clock, http, answerers, checked.manual)
        site = make_site(db, clock, config.web, own, config.promise, desk)  # type: ignore[arg-type]
        server = WebServer(lambda: site)
        stop = asyncio.Event()
        holder.update(site=site, stop=stop, loop=asyncio.get_running_loop())
        try:
            holder["port"] = await server.start(config.web.listen)  # type: ignore[union-attr]
        except BaseException as exc:
            holder["error"] = exc
            started.set()
            raise
        started.set()
        await stop.wait()
        await server.close()
        await http.aclose()
        db.close()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    started.wait(60)
    if "error" in holder:
        raise holder["error"]  # type: ignore[misc]
    db = open_database(config.monitor.database)
    try:
        yield Served(f"http://127.0.0.1:{holder['port']}", config, db, holder["site"])  # type: ignore[arg-type]
    finally:
        db.close()
        loop: asyncio.AbstractEventLoop = holder["loop"]  # type: ignore[assignment]
        loop.call_soon_threadsafe(holder["stop"].set)  # type: ignore[attr-defined]
        thread.join(30)


__all__ = ["free_port", "serving", "web_section"]
