"""Parsing untrusted documents in child processes, each parse with a time and a memory budget.

A feed or page is a stranger's input to a parser we do not control (feedparser, BeautifulSoup), and those parsers have
quadratic corners (measured in `sources.rss` and `sources.reviews`, and by `bench/hostile_feeds.py`), some inside one
C call that holds the GIL, so that neither a worker thread nor `asyncio.timeout` can stop them and the whole daemon
stalls. A child process can be stopped: the parent gives each parse `deadline` seconds of wall-clock time and then
kills the child (SIGKILL); the child caps its own memory (RLIMIT_DATA, so a memory bomb is a MemoryError there, not
the kernel's OOM killer in the service's cgroup, which under systemd's default `OOMPolicy=stop` stops the service),
and caps each parse's CPU time (ITIMER_PROF, whose default action ends the process) as a backstop for when the parent
is gone. The cost: a worker takes about 0.3 s to start (imports, not counted against the deadline), after which a
parse costs one round trip through a pipe. Workers are kept and reused, at most `slots` at a time; a worker is
retired after a failure, after a document over 1 MiB (so its heap does not stay grown), after 100 parses, and after
a minute without work (an idle worker holds about 45 MB). A document waiting for a free worker waits (behind at
most `slots` parses, each bounded by the deadline); its deadline starts when it gets one.

Every way a parse can fail is a `ParseError` that names the document and the budget it broke (a worker that cannot
start at all, a retryable `FetchError`), never a traceback. The child's side is `sources.parse_worker`; the system
calls it needs (prlimit64, in systemd's @default set, and setitimer, in @timer) pass the unit's SystemCallFilter.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import struct
import sys
from collections.abc import Mapping
from typing import Any, BinaryIO

from monitor.errors import FetchError, ParseError

MiB = 1024 * 1024
DEFAULT_SLOTS = 2
# A 10 MB feed of real entries needs about 70 MiB to parse, a 2 MB review page 90 MiB, a 10 MB one 250 MiB.
DEFAULT_MEMORY = 256 * MiB
STARTUP = 30.0  # seconds a new worker gets to import its parsers
RETIRE_AFTER_BYTES = 1 * MiB
RETIRE_AFTER_USES = 100
IDLE = 60.0  # seconds an idle worker waits for the next document before it is stopped
MAX_REPLY = 64 * MiB  # items are bounded (sources.bounds), so a real answer is far smaller
WORKER_MODULE = "sources.parse_worker"

_LENGTH = struct.Struct(">Q")


class ParseWorkers:
    """The parse workers of one daemon (owned by its `HttpFetcher`). `run()` parses; `aclose()` stops them all."""

    def __init__(
        self, *, deadline: float, slots: int = DEFAULT_SLOTS, memory: int = DEFAULT_MEMORY, idle: float = IDLE
    ) -> None:
        self.deadline = deadline
        self.memory = memory
        self.idle = idle
        self._gate = asyncio.Semaphore(slots)
        self._idle: dict[_Worker, asyncio.TimerHandle] = {}  # each with the timer that retires it
        self._retiring: set[asyncio.Task[None]] = set()

    async def run(self, task: str, body: bytes, args: Mapping[str, Any], *, what: str) -> Any:
        """The JSON result of `task` (a name in `sources.parse_worker.TASKS`) on `body`, parsed in a worker.

        Raises ParseError when the document breaks a budget, crashes the parser or is refused by the task (`what`,
        the document's public URL, names it). Waiting for a free worker is not counted against the deadline.
        """
        async with self._gate:
            worker = self._unpark() or await self._start(what)
            keep = False
            try:
                answer = await self._ask(worker, task, body, args, what)
                worker.uses += 1
                healthy = "ok" in answer or "refused" in answer
                keep = healthy and len(body) <= RETIRE_AFTER_BYTES and worker.uses < RETIRE_AFTER_USES
            finally:
                if keep:
                    self._park(worker)
                else:
                    await worker.stop()
        if "ok" in answer:
            return answer["ok"]
        if "refused" in answer:
            raise ParseError(str(answer["refused"]))
        if "memory" in answer:
            raise ParseError(f"{what}: not parsed: it needed more than {self.memory // MiB} MiB")
        raise ParseError(f"{what}: not parsed: the parser failed ({str(answer.get('failed'))[:100]})")

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for worker, timer in idle.items():
            timer.cancel()
            await worker.stop()
        await asyncio.gather(*self._retiring)

    def _park(self, worker: _Worker) -> None:
        self._idle[worker] = asyncio.get_running_loop().call_later(self.idle, self._retire, worker)

    def _unpark(self) -> _Worker | None:
        if not self._idle:
            return None
        worker, timer = self._idle.popitem()
        timer.cancel()
        return worker

    def _retire(self, worker: _Worker) -> None:
        if self._idle.pop(worker, None) is not None:
            task = asyncio.ensure_future(worker.stop())
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def _start(self, what: str) -> _Worker:
        try:
            return await _Worker.start(self.memory, cpu_seconds=2 * self.deadline + 10)
        except (_Died, TimeoutError, OSError) as exc:  # OSError: no process could be started (fork failed)
            reason = str(exc) or f"no answer within {STARTUP:g}s"
            raise FetchError(f"{what}: the parse worker did not start ({reason})", retryable=True) from None

    async def _ask(self, worker: _Worker, task: str, body: bytes, args: Mapping[str, Any], what: str) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.deadline):
                return await worker.ask(task, body, args)
        except TimeoutError:
            raise ParseError(f"{what}: not parsed within {self.deadline:g}s") from None
        except _Died as exc:
            raise ParseError(f"{what}: not parsed: the parser process {exc}") from None


class _Died(Exception):
    """The worker ended (or broke the protocol) instead of answering. `str()` says how, for the operator."""


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.uses = 0

    @classmethod
    async def start(cls, memory: int, *, cpu_seconds: float) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            # -P -s: nothing from the working directory or the user's site-packages; the parent's path is passed on.
            *(sys.executable, "-P", "-s", "-m", WORKER_MODULE, str(memory), f"{cpu_seconds:g}"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            # Only the import path: the daemon's environment may hold credentials, and a parser needs none.
            env={"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        worker = cls(process)
        try:
            async with asyncio.timeout(STARTUP):
                ready = await worker._answer()
            if ready != {"ready": True}:
                raise _Died(f"said {str(ready)[:100]!r} instead of ready")
        except BaseException:
            await worker.stop()
            raise
        return worker

    async def ask(self, task: str, body: bytes, args: Mapping[str, Any]) -> dict[str, Any]:
        stdin = self.process.stdin
        assert stdin is not None
        header = json.dumps({"task": task, "args": dict(args)}).encode()
        try:
            stdin.writelines((_LENGTH.pack(len(header)), header, _LENGTH.pack(len(body)), body))
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise _Died(await self._how()) from None
        return await self._answer()

    async def _answer(self) -> dict[str, Any]:
        try:
            answer = json.loads(await self._read())
        except ValueError:
            raise _Died("answered something that is not JSON") from None
        if not isinstance(answer, dict):
            raise _Died("answered something that is not a JSON object")
        return answer

    async def _read(self) -> bytes:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            (size,) = _LENGTH.unpack(await stdout.readexactly(_LENGTH.size))
            if size > MAX_REPLY:
                raise _Died(f"answered with more than {MAX_REPLY // MiB} MiB")
            return await stdout.readexactly(size)
        except asyncio.IncompleteReadError:
            raise _Died(await self._how()) from None

    async def _how(self) -> str:
        code = await self.process.wait()
        if code >= 0:
            return f"exited with status {code}"
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.stdout is not None:
            await self.process.stdout.read()  # to its end, so the pipe transport is closed here and not at exit


# --- the frames both sides speak: an 8-byte big-endian length, then that many bytes -------------------------------


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: BinaryIO) -> bytes | None:
    """The next frame, or None when the stream ended (the parent closed it or is gone)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    return data if len(data) == size else None
