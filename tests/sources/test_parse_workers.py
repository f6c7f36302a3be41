"""The parse workers: a document that breaks a budget fails alone, as one ParseError naming it, and leaves no process
behind; the next document is parsed by a fresh worker. The budgets are small here so that they, not the machine's
speed, decide each outcome (the inputs would take minutes and gigabytes unbounded)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from monitor.errors import ParseError
from sources.isolation import ParseWorkers, read_frame
from sources.rss import parse_task
from tests.loopback import REAL

T = TypeVar("T")
MiB = 1024 * 1024
ALERTS = (REAL / "google_alerts" / "feedjira_google_alerts_atom_slack_2019.xml").read_bytes()
# feedparser's quadratic e-mail regex: minutes of CPU in one call that holds the GIL.
LONG_AUTHOR = b'<rss version="2.0"><channel><item><author>' + b"a" * 200_000 + b"</author></item></channel></rss>"
# BeautifulSoup's tree for 2 MB of tags: 330 MB.
TAG_SOUP = b"<html><body>" + b"<p>a</p>" * 260_000 + b"</body></html>"
FEED = {"content_type": "application/atom+xml", "base_url": "https://alerts.example/feed?token=t"}
PAGE = {"url": "https://acme.example/reviews", "selectors": None, "scale": 5.0}


def children() -> set[int]:
    """The processes this test process started and that still exist."""
    return {int(pid) for path in Path("/proc/self/task").glob("*/children") for pid in path.read_text().split()}


async def exited(pid: int) -> None:
    """Returns when the process `pid` has ended: woken by the kernel (a pidfd), not by polling."""
    loop = asyncio.get_running_loop()
    handle = os.pidfd_open(pid)
    ended = loop.create_future()
    loop.add_reader(handle, ended.set_result, None)
    try:
        await ended
    finally:
        loop.remove_reader(handle)
        os.close(handle)


def with_workers(
    step: Callable[[ParseWorkers], Awaitable[T]], *, deadline: float = 60.0, memory: int = 256 * MiB, idle: float = 60
) -> T:
    async def main() -> T:
        workers = ParseWorkers(deadline=deadline, memory=memory, idle=idle)
        try:
            return await step(workers)
        finally:
            await workers.aclose()

    return asyncio.run(main())


def test_a_parse_past_the_deadline_is_killed_and_the_next_document_gets_a_fresh_worker() -> None:
    before = children()

    async def step(workers: ParseWorkers) -> tuple[str, Any]:
        with pytest.raises(ParseError) as info:
            await workers.run("feed", LONG_AUTHOR, FEED, what="https://slow.example/feed")
        return str(info.value), await workers.run("feed", ALERTS, FEED, what="https://alerts.example/feed")

    error, found = with_workers(step, deadline=0.5)
    assert error == "https://slow.example/feed: not parsed within 0.5s"
    assert len(found["items"]) == 20 and found["skipped"] == 0
    assert children() == before


def test_a_parse_past_the_memory_budget_fails_alone() -> None:
    async def step(workers: ParseWorkers) -> tuple[str, Any]:
        with pytest.raises(ParseError) as info:
            await workers.run("page", TAG_SOUP, PAGE, what="https://acme.example/reviews")
        return str(info.value), await workers.run("feed", ALERTS, FEED, what="https://alerts.example/feed")

    error, found = with_workers(step, memory=96 * MiB)
    assert error == "https://acme.example/reviews: not parsed: it needed more than 96 MiB"
    assert len(found["items"]) == 20


def test_a_document_the_task_cannot_read_is_refused_with_the_parsers_reason() -> None:
    async def step(workers: ParseWorkers) -> str:
        with pytest.raises(ParseError) as info:
            page = b"<html><body><p>Not a feed</p></body></html>"
            await workers.run("feed", page, {**FEED, "content_type": "text/html"}, what="https://alerts.example/feed")
        return str(info.value)

    assert with_workers(step).startswith("not a readable feed")


def test_a_parse_cancelled_by_its_caller_leaves_no_process_behind() -> None:
    """The daemon stopping (its grace period over) cancels the poll in the middle of a parse."""
    before = children()

    async def step(workers: ParseWorkers) -> None:
        with pytest.raises(TimeoutError):
            parse = workers.run("feed", LONG_AUTHOR, FEED, what="https://slow.example/feed")
            await asyncio.wait_for(parse, timeout=0.5)

    with_workers(step)
    assert children() == before


def test_a_worker_whose_parent_is_gone_still_stops_at_its_cpu_budget() -> None:
    """The parent's deadline cannot help once the daemon was SIGKILLed: the worker's own CPU timer ends it."""
    request = json.dumps({"task": "feed", "args": FEED}).encode()
    frames = b"".join(len(part).to_bytes(8, "big") + part for part in (request, LONG_AUTHOR))
    worker = subprocess.run(
        [sys.executable, "-m", "sources.parse_worker", str(256 * MiB), "0.5"],
        input=frames,  # then stdin closes: nobody is waiting for the answer
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == -signal.SIGPROF
    assert json.loads(read_frame_bytes(worker.stdout)) == {"ready": True}  # it had started, then was stopped


def read_frame_bytes(data: bytes) -> bytes:
    frame = read_frame(io.BytesIO(data))
    assert frame is not None
    return frame


def test_a_worker_is_reused_while_there_is_work_and_stopped_when_there_is_none() -> None:
    before = children()

    async def step(workers: ParseWorkers) -> tuple[set[int], set[int]]:
        await workers.run("feed", ALERTS, FEED, what="https://alerts.example/feed")
        first = children() - before
        await workers.run("feed", ALERTS, FEED, what="https://alerts.example/feed")
        second = children() - before
        (pid,) = second
        await asyncio.wait_for(exited(pid), timeout=30)  # its idle time is over: it is stopped, not kept forever
        return first, second

    first, second = with_workers(step, idle=0.2)
    assert len(first) == 1 and second == first  # the same process parsed both documents


def test_the_worker_reads_feeds_as_parse_does() -> None:
    direct = parse_task(ALERTS, FEED)
    assert with_workers(lambda workers: workers.run("feed", ALERTS, FEED, what="x")) == direct


def small_feed(number: int) -> bytes:
    return (
        b'<rss version="2.0"><channel><item><title>Story %d</title><link>https://news.example/%d</link></item>'
        b"</channel></rss>" % (number, number)
    )


def titles(found: Any) -> list[str]:
    return [item["title"] for item in found["items"]]


def test_documents_handed_to_a_busy_worker_are_answered_each_with_its_own_items() -> None:
    """One worker, handed several documents at once (the next ones wait in its pipe): each caller gets its own."""

    async def step(workers: ParseWorkers) -> list[Any]:
        parses = [workers.run("feed", small_feed(n), FEED, what=f"https://news.example/{n}") for n in range(8)]
        return list(await asyncio.gather(*parses))

    async def main() -> list[Any]:
        workers = ParseWorkers(deadline=60.0, slots=1, queue=3)
        try:
            return await step(workers)
        finally:
            await workers.aclose()

    assert [titles(found) for found in asyncio.run(main())] == [[f"Story {n}"] for n in range(8)]


def test_documents_queued_behind_a_parse_past_the_deadline_are_parsed_by_a_fresh_worker() -> None:
    """The worker is killed with the document it was parsing; those handed to it behind that one, which it had not
    begun, are parsed by the next worker, each within a deadline of its own."""
    before = children()

    async def main() -> tuple[str, list[Any]]:
        workers = ParseWorkers(deadline=0.5, slots=1, queue=3)
        try:
            slow = asyncio.ensure_future(workers.run("feed", LONG_AUTHOR, FEED, what="https://slow.example/feed"))
            others = [workers.run("feed", small_feed(n), FEED, what=f"https://news.example/{n}") for n in range(4)]
            found = await asyncio.gather(*others)
            with pytest.raises(ParseError) as info:
                await slow
            return str(info.value), list(found)
        finally:
            await workers.aclose()

    error, found = asyncio.run(main())
    assert error == "https://slow.example/feed: not parsed within 0.5s"
    assert [titles(f) for f in found] == [[f"Story {n}"] for n in range(4)]
    assert children() == before
