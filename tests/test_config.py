"""Config errors a user would make, each with the message they should see."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.service.app import load

ROOT = Path(__file__).resolve().parents[1]

BASE = """
[monitor]
timezone = "Asia/Tokyo"

[[brands]]
name = "Acme Coffee"
terms = ["Acme Coffee"]

[[sources]]
name = "alerts"
kind = "rss"
url = "http://127.0.0.1:1/feed"

[destinations]
phone = "json://127.0.0.1:1/hook"

[[rules]]
name = "bad review"
when = "sentiment <= -0.5"
notify = ["phone"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, text), environ=env or {})
    return str(info.value)


def test_the_example_config_loads() -> None:
    config = load(ROOT / "monitor.toml", environ={})
    assert [b.name for b in config.brands][:1] == ["Acme Coffee"]
    assert config.monitor.timezone == "Asia/Tokyo"


def test_a_valid_config_loads(tmp_path: Path) -> None:
    config = load(write(tmp_path, BASE), environ={})
    assert config.sources[0].name == "alerts"
    assert config.rules[0].notify == ["phone"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("[monitor]", "[monitor]\ndefault_intervall = '5m'"),
            "[monitor]: unknown key 'default_intervall' (did you mean 'default_interval'?)",
        ),
        (
            ('kind = "rss"', "kind = \"rss\"\nintervl = '5m'"),
            "[[sources]] #1 ('alerts'): unknown key 'intervl' (did you mean 'interval'?)",
        ),
        (('kind = "rss"', 'kind = "rsss"'), "unknown kind 'rsss' (did you mean 'rss'?)"),
        (
            ('notify = ["phone"]', 'notify = ["phone2"]'),
            "[[rules]] 'bad review': key 'notify': no destination named 'phone2' (did you mean 'phone'?)",
        ),
        (
            ('timezone = "Asia/Tokyo"', 'timezone = "Asia/Tokio"'),
            "[monitor]: key 'timezone': unknown time zone 'Asia/Tokio'",
        ),
        (("[monitor]", "[monitr]\n[monitor]"), "unknown table [monitr] (did you mean 'monitor'?)"),
        (('url = "http://127.0.0.1:1/feed"', ""), "[[sources]] #1 ('alerts'): missing key 'url'"),
        (
            ("[[rules]]", "[[rules]]\nunanswered_after = '1 day'"),
            "[[rules]] #1 ('bad review'): key 'unanswered_after': '1 day' is not a duration",
        ),
        (
            ('terms = ["Acme Coffee"]', "terms = [\"Acme Coffee\"]\nrole = 'rival'"),
            "[[brands]] #1 ('Acme Coffee'): key 'role'",
        ),
    ],
)
def test_each_mistake_names_the_table_and_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    message = error_of(tmp_path, BASE.replace(*change, 1))
    assert str(tmp_path / "monitor.toml") in message
    assert expected in message


def test_not_toml_says_so(tmp_path: Path) -> None:
    assert "not valid TOML" in error_of(tmp_path, "[monitor\n")


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--config"):
        load(tmp_path / "nope.toml", environ={})


def test_source_brand_must_exist(tmp_path: Path) -> None:
    text = BASE.replace('url = "http://127.0.0.1:1/feed"', 'url = "http://127.0.0.1:1/feed"\nbrand = "Acme Cofee"')
    assert "no brand named 'Acme Cofee' (did you mean 'Acme Coffee'?)" in error_of(tmp_path, text)


def test_secrets_come_from_the_environment_and_are_redacted(tmp_path: Path) -> None:
    text = BASE.replace('"json://127.0.0.1:1/hook"', '"mailto://me:${SMTP_PASS}@127.0.0.1?to=a@example.com"')
    config = load(write(tmp_path, text), environ={"SMTP_PASS": "hunter2-very-secret"})
    assert "hunter2-very-secret" in config.destinations["phone"].url
    assert config.redact(config.destinations["phone"].url) == "mailto://me:***@127.0.0.1?to=a@example.com"


def test_secrets_come_from_systemd_credentials(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "SMTP_PASS").write_text("from-credential-file\n")
    text = BASE.replace('"json://127.0.0.1:1/hook"', '"mailto://me:${SMTP_PASS}@127.0.0.1?to=a@example.com"')
    config = load(write(tmp_path, text), environ={"CREDENTIALS_DIRECTORY": str(creds)})
    assert "from-credential-file" in config.destinations["phone"].url


def test_a_missing_secret_names_the_variable_and_the_key(tmp_path: Path) -> None:
    text = BASE.replace('"json://127.0.0.1:1/hook"', '"mailto://me:${SMTP_PASS}@127.0.0.1"')
    message = error_of(tmp_path, text)
    assert "destinations.phone uses ${SMTP_PASS}" in message
    assert "CREDENTIALS_DIRECTORY" in message


def test_durations_are_understood(tmp_path: Path) -> None:
    from datetime import timedelta

    from monitor.durations import parse_duration

    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("7d") == timedelta(days=7)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
