"""Every speed and memory benchmark, one command: each figure printed beside its reference, then BENCHMARKS.md's table.

    .venv/bin/python -m bench                              # all of them (10 to 15 minutes on 2 cores)
    .venv/bin/python -m bench --only digest --only mentions_list
    .venv/bin/python -m bench --size tiny --output /tmp/BENCHMARKS.md    # a few seconds each: the smoke test's run

Each benchmark runs in a child process of its own (`python bench/NAME.py --size ...`), so one's imports, caches and
peak memory never count in another's. Every figure comes with its reference where one exists: a baseline measured
in the same run (the floor, the raw query, the code path it replaced) or issue 23's target, and their ratio. Each
benchmark's table is written into --output (BENCHMARKS.md at the top of the repository by default) between its own
marks, with the machine, the command and the date: --only replaces those sections alone, and the text outside the
marks is kept. Nothing here passes or fails: the figures are read, not asserted (tests/ never times
anything); the exit status is 1 only when a benchmark itself crashed.

The sentiment and relevance *evaluations* (accuracy, not speed) are separate scripts, and so is the crash soak:
see EVALUATIONS below.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import read, section, write  # noqa: E402

# name -> what it measures (each is bench/NAME.py, with --size and --report)
BENCHMARKS = {
    "pipeline": "ingest against the floor (feedparser + VADER), a big feed's poll",
    "storage": "the repositories' statements, SQLite and PostgreSQL side by side",
    "escalations": "the escalation pass at 100,000 and 1,000,000 mentions",
    "digest": "digest --preview at 1,000,000 mentions: time and peak RSS",
    "mentions_list": "mentions list --since 7d at 1,000,000 mentions against raw sqlite3",
    "hostile_feeds": "hostile documents: the parse workers against the direct parse",
    "feeds": "run --once over 1,000 feeds x 20 items on one loopback host against the naive loop, cold and all-304",
    "daemon": "the daemon idle with 50 sources (RSS, CPU, start to first poll); event-loop lag polling 1,000 feeds",
    "burst": "a burst of 1,000 matching mentions to an e-mail destination and a webhook: time, messages, none lost",
}
EVALUATIONS = {
    "eval_sentiment.py": "sentiment figures of the default scorer against VADER",
    "eval_target.py": "sentiment toward a target, whole text against targeted",
    "sentiment_intervals.py": "bootstrap intervals of the sentiment figures (needs the train extra)",
    "relevance.py": "brand relevance: precision and recall on real captured items",
    "train_sentiment.py": "retraining the shipped sentiment models (needs the train extra)",
    "soak.py": "the crash soak: the daemon SIGKILLed at random, nothing lost or doubled (python -m bench.soak)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0],
        epilog="benchmarks: "
        + "; ".join(f"{k} ({v})" for k, v in BENCHMARKS.items())
        + ". Evaluations, run on their own: "
        + "; ".join(f"bench/{k} ({v})" for k, v in EVALUATIONS.items()),
    )
    parser.add_argument("--size", choices=("tiny", "default"), default="default", help="tiny: a few seconds each")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME", help="repeatable")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="where the table goes")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server's maintenance database: `storage` and `pipeline` run there too (by default on "
        "127.0.0.1:5432, 'none' for SQLite alone), and `digest` (on a copy of its history kept there; not at --size "
        "tiny)",
    )
    args = parser.parse_args(argv)
    chosen = [name for name in BENCHMARKS if not args.only or name in args.only]
    command = "python -m bench" + (f" --size {args.size}" if args.size != "default" else "")
    command += "".join(f" --only {name}" for name in args.only or [])
    sections: dict[str, str] = {}
    count = 0
    crashed = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            report = Path(folder) / f"{name}.jsonl"
            postgres = args.postgres and (
                name in ("storage", "pipeline") or (name == "digest" and args.size == "default")
            )
            extra = ["--postgres", args.postgres] if postgres else []
            line = [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--size", args.size, "--report", str(report)]
            print(f"== {name}: {BENCHMARKS[name]}", flush=True)
            done = subprocess.run([*line, *extra], cwd=ROOT, check=False)
            figures = read(report)
            count += len(figures)
            sections[name] = section(name, figures, command=command, size=args.size, root=ROOT)
            if done.returncode != 0:
                crashed.append(name)
                print(f"== {name} FAILED (exit {done.returncode}): {shlex.join([*line[1:], *extra])}", flush=True)
    write(args.output, sections)
    print(f"== {count} figures from {len(chosen) - len(crashed)} of {len(chosen)} benchmarks in "
          f"{time.perf_counter() - started:.0f} s; table written to {args.output}")  # fmt: skip
    print("== not run here (evaluations and the soak): " + ", ".join(f"bench/{k}" for k in EVALUATIONS))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
