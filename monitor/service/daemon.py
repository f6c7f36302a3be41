"""The long-running service: polls due sources, runs rule timers, delivers alerts; stops and reloads on signals.

Each due source is polled in its own task, so a slow or hanging source never delays the others; the main loop only
starts work and sleeps until the next due time (at most TICK). SIGTERM/SIGINT finish in-flight work within
STOP_GRACE and exit 0; SIGHUP reloads the config and keeps the old one if the new one is invalid.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alerts.delivery import DeliveryReport
from monitor.clock import Clock
from monitor.config import Config
from monitor.errors import MonitorError
from monitor.service.app import App, build, check, check_to_run, load
from monitor.service.changes import describe
from monitor.service.scheduler import PollOutcome, poll
from monitor.service.sdnotify import Notifier
from monitor.storage.lock import WriterLock
from sources.base import Source

if TYPE_CHECKING:
    from monitor.service.web.server import WebServer
    from monitor.service.web.site import Site

log = logging.getLogger(__name__)

TICK = 15.0  # seconds between rule timers and delivery passes
STOP_GRACE = 20.0  # seconds in-flight polls get to finish on SIGTERM


@dataclass
class CycleReport:
    polled: list[PollOutcome] = field(default_factory=list)
    escalations: int = 0
    spikes: int = 0
    delivered: int = 0
    source_notices: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)  # what was sent, held, failed


async def poll_one(app: App, source_name: str, *, if_due: bool = True) -> PollOutcome | None:
    """Poll one source, unless another instance is polling it (or, with `if_due`, just did): None then."""
    return await _poll_one(app, next(s for s in app.checked.sources if s.name == source_name), if_due=if_due)


async def _poll_one(
    app: App,
    source: Source,  # type: ignore[type-arg]
    *,
    if_due: bool,
    turn: asyncio.Lock | None = None,
) -> PollOutcome | None:
    """`poll_one` of a source the caller already has (a daemon of 1,000 sources finds each once a round, not once
    a poll by a search through all of them); `turn`: see `scheduler.poll`."""
    if app.cluster is not None and not app.cluster.may_poll(source.name, app.clock.now(), if_due=if_due):
        return None
    try:
        return await poll(
            source,
            http=app.http,
            schedule=app.schedule,
            pipeline=app.pipeline,
            now=app.clock.now(),
            interval=app.interval(source),
            max_backoff=app.max_backoff,
            rng=app.rng,
            turn=turn,
        )
    finally:
        if app.cluster is not None:
            app.cluster.polled(source.name)


async def timers(app: App, *, flush: bool) -> CycleReport:
    """Escalations, spikes, source health and the digest (by one instance of the cluster), then delivery (each
    destination by one instance)."""
    now = app.clock.now()
    report = CycleReport()
    if app.cluster is None or app.cluster.may_run_timers(now):
        report.escalations = app.engine.escalate(now)
        report.spikes = app.spikes.check(now)
        report.source_notices = app.source_watch.check(now)
        if app.digest is not None:
            await app.digest.tick(now)
    delivery = await app.deliverer.deliver_due(app.clock.now(), flush=flush)
    report.delivered = delivery.sent_items
    report.delivery = delivery
    return report


async def run_once(app: App) -> CycleReport:
    """`run --once`: poll every enabled source now, apply rules and due timers, deliver what is pending, return."""
    sources = [s for s in app.checked.sources if s.config.enabled]
    if app.cluster is not None:
        app.cluster.join(app.clock.now())
    try:
        turn = asyncio.Lock()
        outcomes = await asyncio.gather(*(_poll_one(app, s, if_due=False, turn=turn) for s in sources))
        report = await timers(app, flush=True)
    finally:
        if app.cluster is not None:
            app.cluster.leave()
    report.polled = [o for o in outcomes if o is not None]
    return report


class Daemon:
    def __init__(
        self,
        config: Config,
        clock: Clock,
        *,
        notifier: Notifier | None = None,
        build_app: Callable[[Config, Clock], App] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.notifier = notifier or Notifier()
        self._build = build_app or (lambda c, k: build(check(c, k), k))
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._reload = False
        self._inflight: dict[str, asyncio.Task[PollOutcome | None]] = {}
        self._turn = asyncio.Lock()  # the polls' turns to ingest (`scheduler.poll`)
        self._background: set[asyncio.Task[None]] = set()  # work of the daemon's own, kept until done
        self.app: App | None = None  # the running configuration's app (replaced on reload)
        self.web_port = 0  # where the web inbox listens, once started

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def request_reload(self) -> None:
        self._reload = True
        self._wake.set()

    async def run(self) -> None:
        """Serve until SIGTERM/SIGINT. Holds the database's writer lock for its whole life (one daemon per
        database); a second daemon, or `run --once` beside it, stops with StorageError naming this one's pid."""
        lock = WriterLock.acquire(self.config.monitor.database)
        try:
            await self._serve()
        finally:
            if lock is not None:
                lock.release()

    async def _serve(self) -> None:
        app = self.app = self._build(self.config, self.clock)
        try:
            web = await self._serve_web(app)
        except MonitorError:
            await app.aclose()
            raise
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        watchdog = asyncio.create_task(self._watchdog()) if self.notifier.watchdog_interval else None
        log.info(
            "started: %d sources, %d rules, database %s",
            len(app.checked.sources),
            len(self.config.rules),
            app.db.location,
        )
        self.notifier.ready(f"watching {len(app.checked.sources)} sources")
        self._warm(app)
        if app.cluster is not None:
            app.cluster.join(self.clock.now())
        try:
            while not self._stop.is_set():
                if self._reload:
                    app = self.app = await self._reloaded(app)
                try:
                    await self._tick(app)
                except MonitorError as exc:  # the database went away (PostgreSQL restarting): next tick retries
                    log.error("this round failed, retrying in %gs: %s", TICK, exc)
                    await self._pause(TICK)
        finally:
            self.notifier.stopping()
            await self._drain(STOP_GRACE)
            if watchdog:
                watchdog.cancel()
            if web is not None:
                await web.close()
            if app.cluster is not None:
                try:
                    app.cluster.leave()  # what it held is free for the others at once
                except MonitorError as exc:
                    log.warning("could not leave the cluster cleanly: %s", exc)
            await app.aclose()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            log.info("stopped")

    async def _tick(self, app: App) -> None:
        if app.cluster is not None:
            app.cluster.beat(self.clock.now())
        self._start_due(app)
        try:
            await timers(app, flush=False)
        except MonitorError as exc:
            log.error("rule timers or delivery failed: %s", exc)
        await self._sleep(app)

    def _start_due(self, app: App) -> None:
        enabled = {s.name: s for s in app.checked.sources if s.config.enabled}
        for name in app.schedule.due(list(enabled), app.clock.now()):
            if name in self._inflight:
                continue
            polling = _poll_one(app, enabled[name], if_due=True, turn=self._turn)
            task = asyncio.create_task(polling, name=f"poll:{name}")
            self._inflight[name] = task
            task.add_done_callback(lambda t, n=name: self._done(n, t))  # type: ignore[misc]

    def _done(self, name: str, task: asyncio.Task[PollOutcome | None]) -> None:
        self._inflight.pop(name, None)
        if not task.cancelled() and task.exception() is None:
            outcome = task.result()
            if outcome is not None and outcome.ok and outcome.report and outcome.report.new:
                log.info("%s: %d new mentions", name, len(outcome.report.new))
                self._wake.set()  # deliver what the new mentions queued without waiting for the tick
        elif not task.cancelled():
            log.error("poll of %s crashed: %r", name, task.exception())

    async def _sleep(self, app: App) -> None:
        """Until the next tick, or sooner when a source's poll or an alert's group_wait (or retry) comes due first:
        a burst's grouped message goes when its wait ends, not up to a tick later."""
        enabled = [s.name for s in app.checked.sources if s.config.enabled]
        now = app.clock.now()
        delay = TICK
        for due in (app.schedule.next_due_at(enabled), app.deliverer.outbox.next_due_at(now)):
            if due is not None:
                delay = min(delay, max(0.5, (due - now).total_seconds()))
        await self._pause(delay)

    async def _pause(self, delay: float) -> None:
        """Sleep up to `delay` seconds; a stop, a reload or new mentions wake it early."""
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
        except TimeoutError:
            pass

    async def _drain(self, grace: float) -> None:
        tasks = list(self._inflight.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
            log.warning("stopped %d polls that did not finish within %gs", len(pending), grace)

    async def _reloaded(self, app: App) -> App:
        self._reload = False
        self.notifier.reloading()
        try:
            config = load(self.config.path)
            checked = check_to_run(config, self.clock)
        except MonitorError as exc:
            log.error("reload refused, keeping the running config: %s", exc)
            self.notifier.ready("reload refused; running the previous config")
            return app
        await self._drain(STOP_GRACE)
        await app.aclose()
        old, self.config = self.config, config
        new = build(checked, self.clock)
        log.info(
            "reloaded %s: %d sources, %d rules (%s)",
            config.path,
            len(checked.sources),
            len(config.rules),
            describe(old, config),
        )
        self.notifier.ready(f"watching {len(checked.sources)} sources")
        self._warm(new)
        return new

    def _warm(self, app: App) -> None:
        """Build the scorer's models in a thread while the first polls fetch (they are built on first use
        otherwise, and the first new mention would wait for them on the event loop)."""
        task = asyncio.create_task(asyncio.to_thread(app.scorer.warm), name="warm the scorer")
        self._background.add(task)
        task.add_done_callback(self._warmed)

    def _warmed(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("could not build the sentiment models: %s", task.exception())

    async def _serve_web(self, app: App) -> WebServer | None:
        """The web inbox, when [web] is configured. Kept across reloads: it asks for the current app's site."""
        if app.site is None or self.config.web is None:
            return None
        from monitor.service.web.server import WebServer  # uvicorn: only for a daemon that serves the inbox

        first = app.site

        def current() -> Site:
            return self.app.site if self.app is not None and self.app.site is not None else first

        server = WebServer(current)
        await server.start(self.config.web.listen)
        self.web_port = server.port
        return server

    async def _watchdog(self) -> None:
        assert self.notifier.watchdog_interval is not None
        while True:
            self.notifier.watchdog()
            await asyncio.sleep(self.notifier.watchdog_interval)
