"""One daemon per SQLite database: an exclusive lock on a file next to it, held for the daemon's whole life.

Two daemons on one database would both poll and both deliver, and every alert would arrive twice. The lock is an
advisory `flock` on `<database>.lock`, which the kernel releases when the process ends in any way (SIGKILL, power
loss), so a crashed daemon never leaves a stale lock behind; the file holds the owner's pid for the message. Short
commands beside the daemon (ack, respond, mentions list) do not take it: WAL and busy_timeout serialise them.

PostgreSQL is not a file and takes no lock here: several instances may share it, and what they must not do twice is
settled by leases and outbox claims (monitor/storage/leases.py, Outbox.claim_due).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from monitor.errors import StorageError


class WriterLock:
    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, database: str) -> WriterLock | None:
        """Take the lock of this database, or raise StorageError naming the pid that holds it. None for a database
        that is not a file (a server keeps its own order between instances)."""
        if "://" in database:  # postgresql://...: several instances are allowed
            return None
        path = Path(database + ".lock")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("a+", encoding="ascii")
        except OSError as exc:
            raise StorageError(f"cannot open the lock file {path}: {exc.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            owner = handle.read(20).strip() or "unknown"
            handle.close()
            raise StorageError(
                f"another mention-monitor (pid {owner}) is running on this database ({database}); "
                "stop it first, or let it do the work"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the flock
            self._handle = None
