"""Issue 18, part 5: values that passed `check` and then crashed the daemon (or ran it uselessly). Each is refused by
the schema at load, so `check` and `run` refuse it alike: exit 2, one line naming the key, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.main import main
from tests.loopback import ROOT
from tests.test_config import BASE

WEB = '\n[web]\npublic_url = "https://inbox.example.com"\nsecret = "a-secret-of-32-characters-long!!"\n'
HOURS = '\n[response]\nbusiness_hours = { mon = "09:00-09:30" }\n'


def refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, command: list[str]) -> str:
    """Exit 2 and the one message on stderr, for `check` and for the daemon's `run --once` alike."""
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["--config", str(path), *command])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"mention-monitor: config error: {path}"), err
    assert "Traceback" not in err
    return err


COMMANDS = pytest.mark.parametrize("command", [["check"], ["run", "--once"]], ids=["check", "run"])


def test_the_base_config_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The cases below are one change away from a config `check` accepts."""
    (tmp_path / "monitor.toml").write_text(BASE + WEB + HOURS, encoding="utf-8")
    assert main(["--config", str(tmp_path / "monitor.toml"), "check"]) == 0, capsys.readouterr().err


@COMMANDS
@pytest.mark.parametrize("start", ["25:00", "07:99", "24:00"])
def test_quiet_hours_outside_the_day_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], start: str
) -> None:
    text = BASE.replace(
        'phone = "json://127.0.0.1:1/hook"',
        f'phone = {{ url = "json://127.0.0.1:1/hook", quiet_hours = {{ start = "{start}", end = "07:00" }} }}',
    )
    err = refusal(tmp_path, capsys, text, command)
    assert (
        f"[destinations] 'phone': key 'start': write a time of day as HH:MM, from 00:00 to 23:59 (got '{start}')" in err
    )


@COMMANDS
def test_a_web_port_above_65535_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    err = refusal(tmp_path, capsys, BASE + WEB + 'listen = "127.0.0.1:70000"\n', command)
    assert "[web]: key 'listen': the port is a number from 0 to 65535" in err


@COMMANDS
@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            '[[sources]]\nname = "more"\nkind = "rss"\nurl = "http://127.0.0.1:1/x"\ninterval = "{d}"\n',
            "key 'interval'",
        ),
        ('[monitor]\ndefault_interval = "{d}"\n', "[monitor]: key 'default_interval'"),
        ('[monitor]\nalert_max_age = "{d}"\n', "[monitor]: key 'alert_max_age'"),
        ('[response]\nwithin = "{d}"\n', "[response]: key 'within'"),
        ('[[rules]]\nname = "late"\nnotify = ["phone"]\nunanswered_after = "{d}"\n', "key 'unanswered_after'"),
        ('[[rules]]\nname = "late"\nnotify = ["phone"]\nunanswered_after = "{d} business"\n', "key 'unanswered_after'"),
        ('[digest]\nperiod = "{d}"\n', "[digest]: key 'period'"),
    ],
    ids=["interval", "default_interval", "alert_max_age", "within", "unanswered_after", "business", "period"],
)
def test_a_duration_too_long_to_count_is_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], text: str, where: str
) -> None:
    if text.startswith("[monitor]"):
        document = text.format(d="999999999999d") + BASE.replace("[monitor]\n", "")
    else:
        document = BASE + text.format(d="999999999999d")
    err = refusal(tmp_path, capsys, document, command)
    assert where in err
    assert "'999999999999d' is longer than 36500d (100 years), the longest duration taken" in err


@COMMANDS
def test_toml_nested_20000_deep_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    err = refusal(tmp_path, capsys, "a = " + "[" * 20_000 + "]" * 20_000 + "\n", command)
    assert "nested too deeply" in err


def test_toml_nested_20000_deep_is_one_line_from_the_real_command(tmp_path: Path) -> None:
    (tmp_path / "monitor.toml").write_text("a = " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(tmp_path / "monitor.toml"), "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "monitor.toml: nested too deeply (arrays or tables inside one another, hundreds deep)"
    )
    assert "Traceback" not in result.stderr


@COMMANDS
@pytest.mark.parametrize(
    "text",
    ["", '[monitor]\ntimezone = "UTC"\n', '[[brands]]\nname = "Acme"\n[destinations]\nphone = "json://127.0.0.1:1/"\n'],
    ids=["empty", "monitor", "brands and destinations"],
)
def test_a_config_without_sources_is_refused_by_check_and_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], text: str
) -> None:
    err = refusal(tmp_path, capsys, text, command)
    assert "no [[sources]]: nothing to watch" in err


@COMMANDS
@pytest.mark.parametrize(
    ("table", "key"),
    [("[[sources]]", "interval"), ("[monitor]", "default_interval")],
)
def test_a_zero_poll_interval_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], table: str, key: str
) -> None:
    if table == "[monitor]":
        text = BASE.replace('timezone = "Asia/Tokyo"', f'timezone = "Asia/Tokyo"\n{key} = "0s"')
    else:
        text = BASE.replace('url = "http://127.0.0.1:1/feed"', f'url = "http://127.0.0.1:1/feed"\n{key} = "0s"')
    err = refusal(tmp_path, capsys, text, command)
    assert f"key '{key}': must be from 1s to 30d; to stop polling a source, set enabled = false (got '0s')" in err


@COMMANDS
@pytest.mark.parametrize(
    ("value", "bound"),
    [
        (0, "greater than or equal to 1024"),
        (-1, "greater than or equal to 1024"),
        (512, "greater than or equal to 1024"),
        (2**40, "less than or equal to 268435456"),
        (10**30, "less than or equal to 268435456"),
    ],
)
def test_max_body_bytes_must_be_between_1_kib_and_256_mib(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], value: int, bound: str
) -> None:
    text = BASE.replace('timezone = "Asia/Tokyo"', f'timezone = "Asia/Tokyo"\nmax_body_bytes = {value}')
    err = refusal(tmp_path, capsys, text, command)
    assert f"[monitor]: key 'max_body_bytes': Input should be {bound}" in err


@COMMANDS
def test_a_file_url_source_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    err = refusal(tmp_path, capsys, BASE.replace("http://127.0.0.1:1/feed", "file:///etc/passwd"), command)
    assert "[[sources]] #1 ('alerts'): key 'url': must be an http:// or https:// URL, not file:" in err


# Values found beside the reported ones: each passed `check` and failed later in the daemon, or made it useless.
OTHERS = [
    ('[monitor]\nrequest_deadline = "0s"', "[monitor]: key 'request_deadline': must be from 1s to 10m"),
    ('[monitor]\nmax_backoff = "0s"', "[monitor]: key 'max_backoff': must be from 1m to 30d"),
    ('[monitor]\nalert_max_age = "0s"', "[monitor]: key 'alert_max_age': must be from 1m to 36500d"),
    ('[monitor]\nuser_agent = "café-bot"', "[monitor]: key 'user_agent': write it in printable ASCII"),
    ('[monitor]\ndatabase = "mysql://db.example.com/monitor"', "[monitor]: key 'database': mysql:// is not a database"),
    ('[monitor]\ndatabase = ""', "[monitor]: key 'database': name a SQLite file"),
    ("[monitor]\nper_host_limit = 0", "[monitor]: key 'per_host_limit': Input should be greater than or equal to 1"),
    (WEB + 'link_ttl = "0s"', "[web]: key 'link_ttl': must be from 1m to 366d"),
    (WEB + 'session_ttl = "0s"', "[web]: key 'session_ttl': must be from 1m to 366d"),
    (WEB + 'listen = "a\\u0000b:8787"', "[web]: key 'listen': the host is an address or a host name"),
    ('[[rules]]\nname = "storm"\nkind = "spike"\nnotify = ["phone"]\nwindow = "0s"', "key 'window': must be from 1m"),
    ('[[rules]]\nname = "storm"\nkind = "spike"\nnotify = ["phone"]\nfactor = inf', "key 'factor': Input should be"),
    ('[[rules]]\nname = "storm"\nkind = "spike"\nnotify = ["phone"]\nmin_count = 99999999999', "key 'min_count'"),
    ('[destinations.pager]\nurl = "json://127.0.0.1:1/"\nrate_limit = 99999999999', "key 'rate_limit'"),
    (
        '[destinations.pager]\nurl = "json://127.0.0.1:1/"\ngroup_wait = "400d"',
        "key 'group_wait': must be at most 1d",
    ),
    ('[digest]\nschedule = "0 8 30 2 *"', "[digest]: key 'schedule': '0 8 30 2 *' names a day that never comes"),
    ('[digest]\nperiod = "0s"', "[digest]: key 'period': must be from 1h to 366d"),
    (HOURS + 'within = "30d"', "[response]: key 'within': 30d of business time, at 30m open a week"),
    (
        HOURS + '[[rules]]\nname = "late"\nnotify = ["phone"]\nunanswered_after = "20d business"',
        "[[rules]] 'late': key 'unanswered_after': 20d of business time",
    ),
    ("destinations = [1, 2]", "[destinations]: key 'destinations': Input should be a valid dictionary"),
]


@pytest.mark.parametrize(("text", "expected"), OTHERS, ids=[e.split(":")[0] + " " + e.split("'")[1] for _, e in OTHERS])
def test_other_values_the_daemon_could_not_use_are_refused_by_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    if text.startswith("[monitor]"):
        document = text + "\n" + BASE.replace("[monitor]\n", "")
    elif text.startswith("destinations ="):
        document = text + "\n" + BASE.split("[destinations]")[0]
    else:
        document = BASE + text + "\n"
    assert expected in refusal(tmp_path, capsys, document, ["check"])


def test_a_refused_value_from_a_secret_is_not_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The message quotes what it refuses; a value that came from ${VAR} is shown as ***."""
    path = tmp_path / "monitor.toml"
    path.write_text(BASE + '\n[web]\npublic_url = "https://x.example"\nsecret = "${INBOX_SECRET}"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INBOX_SECRET", "short-hunter2")
        assert main(["--config", str(path), "check"]) == 2
    err = capsys.readouterr().err
    assert "[web]: key 'secret': String should have at least 16 characters (got '***')" in err
    assert "hunter2" not in err
