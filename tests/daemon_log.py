"""A daemon's log (its stderr), read on a thread so that a test waits for a line with a bound, never a sleep, and
keeps every line for the failure message."""

from __future__ import annotations

import subprocess
import threading

WAIT = 60.0  # seconds: an upper bound on waiting for an event, never a sleep


class LogReader:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._next = 0  # where the next `wait_for` starts looking: each waits for a line after the last one found
        self._done = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._done = True
            self._changed.notify_all()

    def wait_for(self, needle: str, timeout: float = WAIT) -> str:
        """The next line holding `needle`; fails (with the whole log) when the process ends or `timeout` passes
        first."""

        def found() -> int | None:
            return next((i for i in range(self._next, len(self.lines)) if needle in self.lines[i]), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None or self._done, timeout)
            index = found()
            if index is None:
                raise AssertionError(f"{needle!r} never logged; log was:\n{''.join(self.lines)}")
            self._next = index + 1
            return self.lines[index]

    def text(self) -> str:
        """The whole log, once the process has closed it (or after `WAIT`)."""
        self._thread.join(WAIT)
        return "".join(self.lines)
