"""Parsing untrusted documents in child processes, each parse with a time and a memory budget.

A feed or page is a stranger's input to a parser we do not control (feedparser, BeautifulSoup), and those parsers have
quadratic corners (measured in `sources.rss` and `sources.reviews`, and by `bench/hostile_feeds.py`), some inside one
C call that holds the GIL, so that neither a worker thread nor `asyncio.timeout` can stop them and the whole daemon
stalls. A child process can be stopped: the parent gives each parse `deadline` seconds of wall-clock time and then
kills the child (SIGKILL); the child caps its own memory (RLIMIT_DATA, so a memory bomb is a MemoryError there, not
the kernel's OOM killer in the service's cgroup, which under systemd's default `OOMPolicy=stop` stops the service),
and caps each parse's CPU time (ITIMER_PROF, whose default action ends the process) as a backstop for when the parent
is gone. The cost: a worker takes about 0.4 s of CPU to start (imports, not counted against the deadline), after
which a parse costs one round trip through a pipe.

Workers are kept and reused, at most `slots` at a time; a worker is retired after a failure, after a document over
1 MiB (so its heap does not stay grown), after 1,000 parses (a worker's memory measured flat over 2,000 feeds), and
after a minute without work (an idle worker holds about 50 MB). Documents wait in one queue, in order; each worker
is handed up to `queue` of them at once (the next ones are already in its pipe while it parses one), so that it goes
on parsing while the daemon's event loop is busy with something else (storing what the last parse found) instead of
waiting for the loop to hand it the next document. Only documents of at most 1 MiB are queued behind another. Each
parse's deadline starts when its worker can begin it (its turn in that worker has come), never while it waits; when
a worker is stopped (a parse broke a budget, or its caller gave up on it), the documents queued behind it, which it
had not begun, go back to the front of the queue for another worker.

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
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from monitor.errors import FetchError, ParseError

MiB = 1024 * 1024
DEFAULT_SLOTS = 2
# A 10 MB feed of real entries needs about 70 MiB to parse, a 2 MB review page 90 MiB, a 10 MB one 250 MiB.
DEFAULT_MEMORY = 256 * MiB
STARTUP = 30.0  # seconds a new worker gets to import its parsers
RETIRE_AFTER_BYTES = 1 * MiB
RETIRE_AFTER_USES = 1000
IDLE = 60.0  # seconds an idle worker waits for the next document before it is stopped
# Documents a worker is handed at once: the one it parses and the next ones, in its pipe. Two keep a worker busy
# through the 10-30 ms the event loop spends storing a feed's items (bench/feeds.py); more would only hold bodies.
QUEUE = 2
MAX_REPLY = 64 * MiB  # items are bounded (sources.bounds), so a real answer is far smaller
WORKER_MODULE = "sources.parse_worker"

_LENGTH = struct.Struct(">Q")


class ParseWorkers:
    """The parse workers of one daemon (owned by its `HttpFetcher`). `run()` parses; `aclose()` stops them all."""

    def __init__(
        self,
        *,
        deadline: float,
        slots: int = DEFAULT_SLOTS,
        memory: int = DEFAULT_MEMORY,
        idle: float = IDLE,
        queue: int = QUEUE,
    ) -> None:
        self.deadline = deadline
        self.memory = memory
        self.idle = idle
        self.slots = slots
        self.queue = queue
        self._waiting: deque[_Job] = deque()  # handed to no worker yet, in order
        self._workers: list[_Worker] = []  # starting or running, at most `slots`
        self._serving: set[asyncio.Task[None]] = set()  # one per worker: starts it, reads its answers, stops it
        self._closed = False

    async def run(self, task: str, body: bytes, args: Mapping[str, Any], *, what: str) -> Any:
        """The JSON result of `task` (a name in `sources.parse_worker.TASKS`) on `body`, parsed in a worker.

        Raises ParseError when the document breaks a budget, crashes the parser or is refused by the task (`what`,
        the document's public URL, names it). Waiting for a worker is not counted against the deadline.
        """
        job = _Job(task, body, dict(args), what, asyncio.get_running_loop().create_future())
        job.answer.add_done_callback(lambda _: self._abandoned(job))
        self._waiting.append(job)
        self._dispatch()
        answer: dict[str, Any] = await job.answer
        if "ok" in answer:
            return answer["ok"]
        if "refused" in answer:
            raise ParseError(str(answer["refused"]))
        if "memory" in answer:
            raise ParseError(f"{what}: not parsed: it needed more than {self.memory // MiB} MiB")
        raise ParseError(f"{what}: not parsed: the parser failed ({str(answer.get('failed'))[:100]})")

    async def aclose(self) -> None:
        """Stop every worker, and wait until each is gone (not cancelling the tasks that stop them: a task cancelled
        while it waits for its process to end would leave the process unreaped)."""
        self._closed = True
        for worker in self._workers:
            worker.kill()  # a parse in progress ends now; an idle worker is woken to see that the pool is closed
        await asyncio.gather(*self._serving, return_exceptions=True)
        for job in self._waiting:  # never handed out, or handed back by the workers just stopped
            job.answer.cancel()
        self._waiting.clear()

    def _dispatch(self) -> None:
        """Hand waiting documents, in order, to workers with room (starting workers while there are fewer than
        `slots`); a worker that is running gets each one written into its pipe at once."""
        while self._waiting and not self._closed:
            job = self._waiting[0]
            worker = self._room_for(job)
            if worker is None:
                if len(self._workers) >= self.slots:
                    return
                worker = _Worker()
                self._workers.append(worker)
                task = asyncio.ensure_future(self._serve(worker))
                self._serving.add(task)
                task.add_done_callback(self._serving.discard)
            self._waiting.popleft()
            worker.take(job)

    def _room_for(self, job: _Job) -> _Worker | None:
        """An idle worker; else, for a small document, the least busy worker whose queue has room and holds only
        small documents (a big one retires its worker after it); else None."""
        small = len(job.body) <= RETIRE_AFTER_BYTES
        best: _Worker | None = None
        for worker in self._workers:
            if worker.taken >= RETIRE_AFTER_USES:
                continue
            if not worker.jobs:
                return worker
            if small and len(worker.jobs) < self.queue and all(j.small for j in worker.jobs):
                if best is None or len(worker.jobs) < len(best.jobs):
                    best = worker
        # With room for another worker, start one rather than queue behind a busy one.
        return best if len(self._workers) >= self.slots else None

    def _abandoned(self, job: _Job) -> None:
        """The caller gave up on `job` (it was cancelled): forget it, or stop the parse if it has begun."""
        if not job.answer.cancelled():
            return
        if job in self._waiting:
            self._waiting.remove(job)
        elif job.worker is not None and job.worker.jobs and job.worker.jobs[0] is job:
            job.worker.kill()  # its serving task sees the process end, and hands the documents behind to another

    async def _serve(self, worker: _Worker) -> None:
        """Start `worker`, then read its answers in order, each within the deadline from when its turn came."""
        try:
            if not await self._start(worker):
                return
            while not self._closed:
                if not worker.jobs:
                    if worker.taken >= RETIRE_AFTER_USES or not await worker.given_work(self.idle):
                        return
                    continue
                job = worker.jobs[0]
                if job.answer.done():  # its caller gave up before its turn: the worker is parsing it now
                    return
                try:
                    async with asyncio.timeout(self.deadline):
                        answer = await worker.answer()
                except TimeoutError:
                    _settle(job, ParseError(f"{job.what}: not parsed within {self.deadline:g}s"))
                    return
                except _Died as exc:
                    _settle(job, ParseError(f"{job.what}: not parsed: the parser process {exc}"))
                    return
                worker.jobs.popleft()
                _settle(job, answer)
                if not ("ok" in answer or "refused" in answer) or not job.small:
                    return
                self._dispatch()  # it has room again
        finally:
            self._workers.remove(worker)
            # What it was handed and had not begun goes back to the front of the queue, in order.
            self._waiting.extendleft(reversed([job for job in worker.jobs if not job.answer.done()]))
            worker.jobs.clear()
            self._dispatch()
            await worker.stop()

    async def _start(self, worker: _Worker) -> bool:
        try:
            await worker.start(self.memory, cpu_seconds=2 * self.deadline + 10)
        except (_Died, TimeoutError, OSError) as exc:  # OSError: no process could be started (fork failed)
            reason = str(exc) or f"no answer within {STARTUP:g}s"
            for job in worker.jobs:
                _settle(job, FetchError(f"{job.what}: the parse worker did not start ({reason})", retryable=True))
            return False
        return True


@dataclass(eq=False)
class _Job:
    task: str
    body: bytes
    args: dict[str, Any]
    what: str
    answer: asyncio.Future[dict[str, Any]]
    worker: _Worker | None = field(default=None, repr=False)

    @property
    def small(self) -> bool:
        return len(self.body) <= RETIRE_AFTER_BYTES


def _settle(job: _Job, outcome: dict[str, Any] | Exception) -> None:
    if job.answer.done():
        return
    if isinstance(outcome, Exception):
        job.answer.set_exception(outcome)
    else:
        job.answer.set_result(outcome)


class _Died(Exception):
    """The worker ended (or broke the protocol) instead of answering. `str()` says how, for the operator."""


class _Worker:
    """One child process and the documents it was handed, in the order it parses them (the first one is its turn)."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None  # until it started
        self.ready = False  # said it is ready: what it is handed is written into its pipe at once
        self.jobs: deque[_Job] = deque()
        self.taken = 0  # documents handed to it in its life
        self._work = asyncio.Event()

    async def start(self, memory: int, *, cpu_seconds: float) -> None:
        """Start the process and wait until it is ready; then write what it was handed meanwhile into its pipe."""
        self.process = await asyncio.create_subprocess_exec(
            # -P -s: nothing from the working directory or the user's site-packages; the parent's path is passed on.
            *(sys.executable, "-P", "-s", "-m", WORKER_MODULE, str(memory), f"{cpu_seconds:g}"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            # Only the import path: the daemon's environment may hold credentials, and a parser needs none.
            env={"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        async with asyncio.timeout(STARTUP):
            ready = await self._answer()
        if ready != {"ready": True}:
            raise _Died(f"said {str(ready)[:100]!r} instead of ready")
        self.ready = True
        for job in self.jobs:
            self._send(job)

    def take(self, job: _Job) -> None:
        job.worker = self
        self.jobs.append(job)
        self.taken += 1
        self._work.set()
        if self.ready:
            self._send(job)

    def _send(self, job: _Job) -> None:
        """Write the request into the pipe without waiting: what the pipe cannot take yet, the transport keeps (a
        document queued behind another is at most 1 MiB). A worker that has ended is noticed by `answer()`."""
        assert self.process is not None and self.process.stdin is not None
        header = json.dumps({"task": job.task, "args": job.args}).encode()
        if not self.process.stdin.is_closing():
            self.process.stdin.writelines((_LENGTH.pack(len(header)), header, _LENGTH.pack(len(job.body)), job.body))

    async def given_work(self, idle: float) -> bool:
        """Wait up to `idle` seconds for a document; False when none came."""
        self._work.clear()
        try:
            await asyncio.wait_for(self._work.wait(), timeout=idle)
        except TimeoutError:
            return False
        return True

    async def answer(self) -> dict[str, Any]:
        """The answer to the first document it was handed."""
        return await self._answer()

    def kill(self) -> None:
        self._work.set()  # an idle wait ends at once
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    async def _answer(self) -> dict[str, Any]:
        try:
            answer = json.loads(await self._read())
        except ValueError:
            raise _Died("answered something that is not JSON") from None
        if not isinstance(answer, dict):
            raise _Died("answered something that is not a JSON object")
        return answer

    async def _read(self) -> bytes:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        try:
            (size,) = _LENGTH.unpack(await stdout.readexactly(_LENGTH.size))
            if size > MAX_REPLY:
                raise _Died(f"answered with more than {MAX_REPLY // MiB} MiB")
            return await stdout.readexactly(size)
        except asyncio.IncompleteReadError:
            raise _Died(await self._how()) from None

    async def _how(self) -> str:
        assert self.process is not None
        code = await self.process.wait()
        if code >= 0:
            return f"exited with status {code}"
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"

    async def stop(self) -> None:
        if self.process is None:
            return
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
