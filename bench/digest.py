"""Benchmark: `mention-monitor digest --preview FILE.html` over a year of history (issue 23: <= 5 s, <= 300 MiB at
1,000,000 stored mentions).

    python bench/digest.py [--mentions 1000000] [--runs 3] [--size tiny|default] [--postgres SERVER_URL]

The history is bench/history.py's (generated once, cached under /tmp). The command runs as the user runs it, in a
child process (interpreter start, imports, config, the queries, the chart, the HTML), with the clock fixed at the
history's NOW so that a cached database still has a current week; its wall-clock time (median of --runs) and peak
RSS (the child's own `ru_maxrss`, from wait4) are printed against the targets. Then once more as in the five weeks
after upgrading an installation from before aspects existed (migration 0007): every negative mention of those weeks
is read again for its aspects. With --postgres (a server's maintenance database), the same history copied into a
database kept on that server between runs (`mm_bench_history_<n>_v<version>`, made once by `migrate-db`'s copy,
then VACUUM ANALYZE as autovacuum would), and the digest over it. `--size tiny`: 5,000 mentions, one run. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.history import INSTALLED, NOW, VERSION, aspects_since, config_text, history_database  # noqa: E402
from bench.report import Figure, emit, options  # noqa: E402
from monitor.storage.database import to_db  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_MIB = 300.0
SIZES = {"tiny": (5_000, 1), "default": (1_000_000, 3)}

# `mention-monitor` with the clock fixed: argv[1] is the time, the rest the command line.
CHILD = (
    "import sys; from datetime import datetime; from monitor.cli.main import main; "
    "from monitor.clock import FixedClock; "
    "sys.exit(main(sys.argv[2:], clock=FixedClock(datetime.fromisoformat(sys.argv[1]))))"
)


def run_command(args: list[str], *, cwd: Path) -> tuple[float, float, int]:
    """Run `mention-monitor ARGS` at NOW in a child process: (seconds, peak RSS in MiB, exit status)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, NOW.isoformat(), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.stderr.write(errors.decode(errors="replace"))
    return seconds, usage.ru_maxrss / 1024, child.returncode


def figures(
    size: str = "default", *, mentions: int | None = None, runs: int | None = None, postgres: str | None = None
) -> Iterator[Figure]:
    n, repeat = SIZES[size]
    n, repeat = mentions or n, runs or repeat
    database = history_database(n)
    label = f"digest --preview, {n:,} mentions"
    note = f"median of {repeat}, child process" if repeat > 1 else "child process"
    aspects_since(database, INSTALLED)  # in case an interrupted run left the upgrade's date
    seconds, mib, size = preview(database, repeat)
    yield Figure("digest", f"{label}: time", seconds, "s", target=TARGET_SECONDS, note=note)
    yield Figure("digest", f"{label}: peak RSS", mib, "MiB", target=TARGET_MIB, note=f"{size / 1024:.0f} KiB HTML")
    if size == "tiny":
        return
    # The five weeks after upgrading from before aspects (0007): every negative mention of them is read again.
    aspects_since(database, NOW)
    try:
        seconds, mib, _ = preview(database, 1)
    finally:
        aspects_since(database, INSTALLED)
    yield Figure("digest", "  the same, just upgraded: every negative read again", seconds, "s", note=f"{mib:.0f} MiB")
    if postgres:
        url = postgres_history(postgres, database, n)
        seconds, mib, _ = preview(url, repeat)
        label = f"digest --preview, {n:,} mentions, PostgreSQL"
        yield Figure("digest", f"{label}: time", seconds, "s", target=TARGET_SECONDS, note=note)
        yield Figure("digest", f"{label}: peak RSS", mib, "MiB", target=TARGET_MIB)


def postgres_history(server: str, database: Path, n: int) -> str:
    """The URL of a PostgreSQL copy of the generated history, made on `server` once and kept there."""
    import psycopg

    from monitor.storage.database import open_database
    from monitor.storage.transfer import copy_database

    name = f"mm_bench_history_{n}_v{VERSION}"
    parts = urlsplit(server)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    with psycopg.connect(server, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return url
        print(f"  (copying the history into {url}, once)", flush=True)
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        source, target = open_database(str(database)), open_database(url)
        try:
            copy_database(source, target, batch=5000)
            target.execute("UPDATE schema_version SET applied_at = ? WHERE version = 7", (to_db(INSTALLED),))
        finally:
            source.close()
            target.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    except BaseException:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        raise
    return url


def preview(database: Path | str, repeat: int) -> tuple[float, float, int]:
    """`digest --preview` over `database`, `repeat` times: the median seconds, the largest peak RSS (MiB), and the
    size of the HTML written (bytes)."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "monitor.toml"
        config.write_text(config_text(database), encoding="utf-8")
        page = Path(folder) / "digest.html"
        times, peaks = [], []
        for _ in range(repeat):
            seconds, mib, status = run_command(["--config", str(config), "digest", "--preview", str(page)], cwd=ROOT)
            if status != 0:
                raise RuntimeError(f"digest --preview exited {status}")
            times.append(seconds)
            peaks.append(mib)
        return statistics.median(times), max(peaks), page.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, help="stored mentions (default 1,000,000; tiny: 5,000)")
    parser.add_argument("--runs", type=int, help="runs measured (default 3; tiny: 1)")
    parser.add_argument("--postgres", help="also on a copy kept on this server (its maintenance database's URL)")
    args = options(parser)
    postgres = None if args.postgres in (None, "", "none") else args.postgres
    emit(figures(args.size, mentions=args.mentions, runs=args.runs, postgres=postgres), args.report)


if __name__ == "__main__":
    main()
