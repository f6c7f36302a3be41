"""The parse worker: `python -m sources.parse_worker MEMORY_BYTES CPU_SECONDS`, started and fed by `sources.isolation`.

It caps its own memory (RLIMIT_DATA: past it, allocations fail with MemoryError) and each document's CPU time
(ITIMER_PROF: SIGPROF's default action ends the process, even inside a C call and even when the parent is gone),
says it is ready, then answers one request after another until its input ends. A request is a JSON header
`{"task", "args"}` and the document; the answer is JSON: `{"ok": result}`, `{"refused": message}` (a ParseError: the
document is not what the task reads), `{"memory": true}` or `{"failed": exception class}`.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import warnings
from collections.abc import Callable
from typing import Any, BinaryIO

from monitor.errors import ParseError
from sources import reviews, rss
from sources.isolation import read_frame, write_frame

Task = Callable[[bytes, dict[str, Any]], Any]
TASKS: dict[str, Task] = {"feed": rss.parse_task, "page": reviews.parse_task}


def main(argv: list[str]) -> int:
    memory, cpu_seconds = int(argv[0]), float(argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent handles it
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    warnings.simplefilter("ignore")  # nothing a document makes a parser say may reach the journal
    requests = sys.stdin.buffer
    # The answers get their own copy of stdout; fd 1 itself goes where stderr goes, so that nothing a library prints
    # can corrupt the frames.
    answers: BinaryIO = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    write_frame(answers, b'{"ready": true}')
    while (header := read_frame(requests)) is not None and (body := read_frame(requests)) is not None:
        request = json.loads(header)
        write_frame(answers, _answer(TASKS[request["task"]], body, request["args"], cpu_seconds))
    return 0


def _answer(task: Task, body: bytes, args: dict[str, Any], cpu_seconds: float) -> bytes:
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    try:
        return json.dumps({"ok": task(body, args)}).encode()
    except ParseError as exc:
        return json.dumps({"refused": str(exc)}).encode()
    except MemoryError:
        return b'{"memory": true}'
    except Exception as exc:  # noqa: BLE001 (the process boundary: the parent counts the failure and retires us)
        return json.dumps({"failed": type(exc).__name__}).encode()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
