"""The unit's system-call filter, applied for real: does everything the daemon does pass it (issue 18, item 9)?

systemd/mention-monitor.service allows `@system-service` and then takes `@privileged @resources` away again. On a
machine whose PID 1 is not systemd the unit cannot be started, so these tests build the same seccomp filter from the
unit's own lines, with the system calls of each set as this machine's systemd lists them (`systemd-analyze
syscall-filter`), and with the unit's action for a denied call (`SystemCallErrorNumber=`, else SIGSYS, systemd's
default); a small launcher loads it (libseccomp, through pyseccomp) and execs the real command under it, so that the
interpreter's start-up, every import and every child (the parse workers) run under it, as under systemd. Two other
settings of the unit that systemd implements as seccomp filters are applied with it, the way systemd writes them:
`MemoryDenyWriteExecute=yes` (EPERM for a writable and executable mapping) and `RestrictAddressFamilies=`
(EAFNOSUPPORT for any other socket family).

Found this way: with systemd's default action the daemon could not start at all. numpy's OpenBLAS (numpy comes with
py3langid, imported at start-up) calls mbind on its buffers, and onnxruntime pins a probe thread to each CPU with
sched_setaffinity; both are in @resources, so SIGSYS killed the process on import, and again after every restart.
Both ignore a refusal, hence `SystemCallErrorNumber=EPERM` in the unit.

What runs under it: onnxruntime scoring texts with the transformer backend (`score --jsonl`), a parse worker setting
its memory limit (`setrlimit` is in @resources, but glibc sends it as `prlimit64`, which @default allows) and its CPU
timer, and a whole `run --once` with the transformer backend on a loopback feed, delivering its alert to a loopback
webhook. The controls show the filter is in force: a call from the denied sets is refused.
"""

from __future__ import annotations

import errno
import json
import re
import struct
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from tests.loopback import ROOT, LoopbackServer, Reply

UNIT = ROOT / "systemd" / "mention-monitor.service"
WAIT = 120  # seconds: an upper bound for a confined command (the transformer loads a model), never a sleep
FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10}

# The launcher: loads the filters described by the JSON in argv[1], then execs argv[2:] under them. The syscall
# filter goes last: once it is loaded, seccomp() itself (in no set) is no longer allowed.
LAUNCHER = r"""
import errno, json, os, sys
import pyseccomp as s

spec = json.loads(sys.argv[1])
if spec["mdwe"]:  # MemoryDenyWriteExecute=yes, as systemd writes it
    mdwe = s.SyscallFilter(s.ALLOW)
    both = 0x4 | 0x2  # PROT_EXEC | PROT_WRITE
    mdwe.add_rule(s.ERRNO(errno.EPERM), "mmap", s.Arg(2, s.MASKED_EQ, both, both))
    for name in ("mprotect", "pkey_mprotect"):
        mdwe.add_rule(s.ERRNO(errno.EPERM), name, s.Arg(2, s.MASKED_EQ, 0x4, 0x4))
    mdwe.add_rule(s.ERRNO(errno.EPERM), "shmat", s.Arg(2, s.MASKED_EQ, 0o100000, 0o100000))  # SHM_EXEC
    mdwe.load()
if spec["families"]:  # RestrictAddressFamilies=, as systemd writes an allow list of families
    families = s.SyscallFilter(s.ALLOW)
    top = max(spec["families"])
    for family in range(top):
        if family not in spec["families"]:
            families.add_rule(s.ERRNO(errno.EAFNOSUPPORT), "socket", s.Arg(0, s.EQ, family))
    families.add_rule(s.ERRNO(errno.EAFNOSUPPORT), "socket", s.Arg(0, s.GT, top))
    families.load()
deny = s.ERRNO(spec["errno"]) if spec["errno"] else s.KILL_PROCESS
calls = s.SyscallFilter(deny if spec["allow_list"] else s.ALLOW)
for name in spec["syscalls"]:
    try:
        calls.add_rule(s.ALLOW if spec["allow_list"] else deny, name)
    except (OSError, ValueError, RuntimeError):
        pass  # not a system call of this architecture (setuid32...): systemd skips it too
calls.load()
os.execv(sys.argv[2], sys.argv[2:])
"""


@cache
def sets() -> dict[str, list[str]]:
    """Every `@set` of this machine's systemd with its members (system calls and nested `@sets`)."""
    listing = subprocess.run(
        ["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in listing.splitlines():
        if line.startswith("@"):
            current = found.setdefault(line.strip(), [])
        elif current is not None and line.startswith("    ") and not line.strip().startswith("#"):
            current.append(line.strip())
        elif not line.strip():
            current = None
    return found


def expand(names: list[str]) -> set[str]:
    """System calls of a SystemCallFilter= value: sets expanded (recursively), plain names as they are."""
    calls: set[str] = set()
    for name in names:
        if name.startswith("@"):
            calls |= expand(sets()[name])
        else:
            calls.add(name)
    return calls


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


@cache
def unit_filter() -> tuple[bool, frozenset[str]]:
    """systemd's reading of the unit's SystemCallFilter= lines: (allow list?, the system calls listed).

    The first line decides: a list without `~` is an allow list (and @default is added to it), one with `~` a deny
    list; each later line adds to it, or, written the other way, takes its calls out of it."""
    lines = unit_settings().get("SystemCallFilter", [])
    assert lines, f"{UNIT} has no SystemCallFilter="
    allow_list = not lines[0].startswith("~")
    listed = expand(["@default"]) if allow_list else set()
    for line in lines:
        deny = line.startswith("~")
        calls = expand(line.removeprefix("~").split())
        if deny == (not allow_list):
            listed |= calls
        else:
            listed -= calls
    return allow_list, frozenset(listed)


def spec() -> str:
    settings = unit_settings()
    allow_list, calls = unit_filter()
    errno_name = (settings.get("SystemCallErrorNumber") or [""])[-1]
    families = [FAMILIES[f] for line in settings.get("RestrictAddressFamilies", []) for f in line.split()]
    return json.dumps(
        {
            "allow_list": allow_list,
            "syscalls": sorted(calls),
            "errno": getattr(errno, errno_name) if errno_name else 0,
            "mdwe": settings.get("MemoryDenyWriteExecute", ["no"])[-1] == "yes",
            "families": families,
        }
    )


def confined(*argv: str) -> list[str]:
    """A command line that runs `argv` under the unit's filters."""
    return [sys.executable, "-c", LAUNCHER, spec(), *argv]


def run_confined(*argv: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        confined(*argv), cwd=cwd, input=stdin, capture_output=True, text=True, timeout=WAIT, check=False
    )


def monitor(*args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", *args]


# --- what the unit says -------------------------------------------------------------------------------------------


def test_the_unit_takes_privileged_and_resources_away_and_refuses_a_denied_call() -> None:
    settings = unit_settings()
    assert "~@privileged @resources" in settings["SystemCallFilter"]
    assert settings["SystemCallErrorNumber"] == ["EPERM"]  # not SIGSYS: see the module docstring
    allow_list, calls = unit_filter()
    assert allow_list
    # What the daemon and its parse workers use is in, what the two sets hold is out.
    assert {"prlimit64", "setitimer", "getrlimit", "socket", "connect", "mmap", "futex"} <= calls
    assert not {"setrlimit", "setpriority", "sched_setaffinity", "setuid", "chown"} & calls
    assert "seccomp" not in calls


@pytest.mark.parametrize(
    "call",
    [
        "os.setpriority(os.PRIO_PROCESS, 0, 0)",  # setpriority, @resources
        "os.sched_setaffinity(0, os.sched_getaffinity(0))",  # sched_setaffinity, @resources
        "os.setuid(os.getuid())",  # setuid, @privileged
    ],
)
def test_a_call_from_the_denied_sets_is_refused(call: str) -> None:
    """The control: the filter is in force, and acts as systemd's does."""
    result = run_confined(sys.executable, "-c", f"import os; print('before', flush=True); {call}; print('after')")
    assert result.stdout == "before\n"
    assert result.returncode == 1 and "PermissionError: [Errno 1] Operation not permitted" in result.stderr


def test_a_writable_and_executable_mapping_is_refused() -> None:
    """MemoryDenyWriteExecute=yes, the control: refused with EPERM (the process goes on)."""
    code = "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)"
    result = run_confined(sys.executable, "-c", code)
    assert result.returncode == 1 and "PermissionError" in result.stderr


# --- what the daemon does under it ---------------------------------------------------------------------------------


def test_a_parse_worker_sets_its_limits_and_parses_under_the_filter() -> None:
    """The parse worker's RLIMIT_DATA (setrlimit, sent as prlimit64) and ITIMER_PROF (setitimer) pass."""
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Cold coffee</title><link>https://blog.example.com/1</link><description>Acme Coffee was cold.</description>
</item></channel></rss>"""
    header = json.dumps({"task": "feed", "args": {"content_type": "application/rss+xml", "base_url": ""}}).encode()
    frames = b"".join(struct.pack(">Q", len(part)) + part for part in (header, feed))
    proc = subprocess.run(
        confined(sys.executable, "-P", "-s", "-m", "sources.parse_worker", str(256 * 1024 * 1024), "30"),
        cwd=ROOT,
        input=frames,
        capture_output=True,
        timeout=WAIT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    answers, out = [], proc.stdout
    while out:
        (size,) = struct.unpack(">Q", out[:8])
        answers.append(json.loads(out[8 : 8 + size]))
        out = out[8 + size :]
    assert answers[0] == {"ready": True}
    [item] = answers[1]["ok"]["items"]
    assert item["title"] == "Cold coffee"


TRANSFORMER = """
[monitor]
database = "monitor.db"
{extra}
[sentiment]
backend = "transformer"
"""


def test_onnxruntime_scores_with_the_transformer_backend_under_the_filter(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(TRANSFORMER.format(extra=""))
    lines = [
        "The update moved every button I use and the old layout is gone.",  # only the sentence model sees it
        "We waited forty minutes for our food and nobody came.",
        "Lovely staff and the best flat white in town!",
    ]
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in lines)
    result = run_confined(*monitor("--config", str(config), "score", "--jsonl"), stdin=stdin)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr}"
    assert [json.loads(line)["label"] for line in result.stdout.splitlines()] == ["negative", "negative", "positive"]


@pytest.fixture
def feed(server: LoopbackServer) -> Iterator[str]:
    now = datetime.now(UTC)  # a real process on the real clock: posts from the last hours are alerted on
    entries = "".join(
        f"<entry><id>urn:seccomp:{i}</id><title>{title}</title><link href='https://blog.example.com/{i}'/>"
        f"<updated>{(now - timedelta(hours=i + 1)).isoformat()}</updated><content type='text'>{text}</content></entry>"
        for i, (title, text) in enumerate(
            [
                ("Never again", "Acme Coffee: cold, burnt coffee and rude staff. Terrible."),
                ("Plain words", "Acme Coffee moved every button I use in the app and the old layout is gone."),
                ("A lovely morning", "Acme Coffee made the best flat white I have had all year!"),
            ]
        )
    )
    body = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'
    server.route("/feed", Reply(200, body.encode(), {"Content-Type": "application/atom+xml"}))
    server.route("/hook", Reply(200, b"{}"))
    yield server.url("/feed")


def test_run_once_with_the_transformer_backend_under_the_filter(
    tmp_path: Path, server: LoopbackServer, feed: str
) -> None:
    """The whole cycle: fetch, parse in a worker (its own limits), score on onnxruntime, store, alert by webhook."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        TRANSFORMER.format(extra="")
        + f"""
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blog"
kind = "rss"
url = "{feed}"

[destinations]
hook = {{ url = "json://127.0.0.1:{server.port}/hook", group_wait = "0s" }}

[[rules]]
name = "complaint"
when = "label == 'negative'"
notify = ["hook"]
"""
    )
    result = run_confined(*monitor("--config", str(config), "run", "--once"), cwd=tmp_path)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "polled 1 sources (0 failed), 3 new mentions" in result.stdout
    assert re.search(r"\b2 alerts delivered", result.stdout), result.stdout
    [hook] = [r for r in server.requests if r.path == "/hook"]
    message = json.loads(hook.body)["message"]
    assert "Never again" in message and "Plain words" in message
