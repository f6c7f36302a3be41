"""Several instances on one database behave as one: each piece of work is done by one instance at a time.

An instance (a daemon, or one `run --once`) has an id of its own and takes a lease before each piece of work:
`poll:NAME` before polling a source (then checks the source is still due, so a poll another instance just finished
is not repeated), `deliver:NAME` before sending a destination's outbox rows (one sender per destination keeps its
grouping, rate limit and backoff whole), and `timers` before the escalation, spike, source-health and digest pass.
An instance that dies keeps its leases until they expire, then another takes the work over; a clean stop gives them
back at once. On SQLite there is one daemon (the writer lock), and the leases simply always succeed.

A daemon registers itself and beats every tick, so `status` lists the instances, their heartbeats and what each
holds; one silent for PRUNE_AFTER is forgotten (its leases have long expired).
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.storage.database import Database
from monitor.storage.instances import Instances
from monitor.storage.leases import Leases
from monitor.storage.schedule import Schedule

log = logging.getLogger(__name__)

DELIVER_TTL = timedelta(seconds=30)  # renewed before each message; longer than one send (Apprise's timeouts ~15 s)
TIMERS_TTL = timedelta(minutes=1)  # renewed every tick (15 s)
PRUNE_AFTER = timedelta(minutes=10)


@functools.cache
def this_instance() -> str:
    """This process's id, the same across reloads: hostname/pid/random (readable in `status`, unique even when a
    pid is reused)."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"


@dataclass
class Cluster:
    db: Database
    poll_ttl: timedelta  # longer than a poll can take (the request deadline, with room for parsing and storing)
    instance: str = field(default_factory=this_instance)

    def __post_init__(self) -> None:
        self.leases = Leases(self.db)
        self.instances = Instances(self.db)

    def join(self, now: datetime) -> None:
        """Register (a daemon). On a database only one daemon may use (SQLite, whose writer lock it holds), what
        an instance that died held is free at once instead of after its leases expire."""
        if not self.db.shared:
            with self.db.transaction():
                for other in self.instances.all(now):
                    self.instances.remove(other.id)
                self.leases.release_all_but(self.instance)
        self.instances.register(self.instance, socket.gethostname(), os.getpid(), now)
        log.info("instance %s joined", self.instance)

    def beat(self, now: datetime) -> None:
        if not self.instances.heartbeat(self.instance, now):
            self.join(now)  # pruned while paused (a long GC, a suspended VM): come back
        gone = self.instances.prune(now - PRUNE_AFTER)
        if gone:
            log.info("forgot silent instances: %s", ", ".join(gone))

    def leave(self) -> None:
        self.instances.remove(self.instance)

    def may_poll(self, name: str, now: datetime, *, if_due: bool = True) -> bool:
        """Take `name`'s poll if no other instance is on it and (with `if_due`) it is still due."""
        if not self.leases.claim(f"poll:{name}", self.instance, now, self.poll_ttl):
            return False
        if not if_due or Schedule(self.db).due([name], now):
            return True
        self.leases.release(f"poll:{name}", self.instance)
        return False

    def polled(self, name: str) -> None:
        self.leases.release(f"poll:{name}", self.instance)

    def may_deliver(self, destination: str, now: datetime) -> bool:
        return self.leases.claim(f"deliver:{destination}", self.instance, now, DELIVER_TTL)

    def may_run_timers(self, now: datetime) -> bool:
        return self.leases.claim("timers", self.instance, now, TIMERS_TTL)
