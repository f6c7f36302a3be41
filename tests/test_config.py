"""Config errors a user would make, each with the message they should see."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

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


# --- secrets: percent-encoded in a URL's user:password, lenient for the commands that send nothing ------------------


def test_a_secret_in_a_urls_user_and_password_is_percent_encoded(tmp_path: Path) -> None:
    """An e-mail address as the SMTP user and a password with "/" and "#" would split the URL in the wrong places."""
    import apprise

    text = BASE.replace(
        '"json://127.0.0.1:1/hook"', '"mailtos://${SMTP_USER}:${SMTP_PASS}@smtp.example.com:587?to=owner@example.com"'
    )
    env = {"SMTP_USER": "me@example.com", "SMTP_PASS": "pa/ss#wo:rd@1%"}
    config = load(write(tmp_path, text), environ=env)
    url = config.destinations["phone"].url
    plugin = apprise.Apprise.instantiate(url)
    assert plugin is not None
    assert (plugin.user, plugin.password, plugin.host, plugin.port) == (  # type: ignore[attr-defined]
        "me@example.com",
        "pa/ss#wo:rd@1%",
        "smtp.example.com",
        587,
    )
    assert config.redact(url) == "mailtos://***:***@smtp.example.com:587?to=owner@example.com"


def test_a_secret_outside_the_user_and_password_is_put_in_as_it_is(tmp_path: Path) -> None:
    text = BASE.replace('"json://127.0.0.1:1/hook"', '"slack://${SLACK_A}/${SLACK_B}/${SLACK_C}/#reviews"')
    env = {"SLACK_A": "T1JJ3T3L2", "SLACK_B": "A1BRTD4JD", "SLACK_C": "TIiajkdnlazkcOXrIdevi7F"}
    config = load(write(tmp_path, text), environ=env)
    assert config.destinations["phone"].url == "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7F/#reviews"


def test_a_secret_in_a_urls_query_is_one_value_whatever_it_holds(tmp_path: Path) -> None:
    """A token with "&", "#" or "=" written as `?token=${NAME}` would otherwise end the value or the URL there."""
    import apprise

    text = BASE.replace('url = "http://127.0.0.1:1/feed"', 'url = "http://127.0.0.1:1/feed?token=${FEED_TOKEN}&n=1"')
    text = text.replace('"json://127.0.0.1:1/hook"', '"json://127.0.0.1:1/hook?+X-Token=${HOOK_TOKEN}"')
    token = "a&b#c=d /+é"
    config = load(write(tmp_path, text), environ={"FEED_TOKEN": token, "HOOK_TOKEN": token})
    feed = config.sources[0].url  # type: ignore[attr-defined]
    assert parse_qs(urlsplit(feed).query) == {"token": [token], "n": ["1"]}
    plugin = apprise.Apprise.instantiate(config.destinations["phone"].url)
    assert plugin is not None and plugin.headers == {"X-Token": token}  # type: ignore[attr-defined]
    assert token not in config.redact(feed) and quote(token, safe="") not in config.redact(feed)


def test_every_missing_secret_is_named_at_once(tmp_path: Path) -> None:
    text = BASE.replace('url = "http://127.0.0.1:1/feed"', 'url = "http://127.0.0.1:1/feed?token=${FEED_TOKEN}"')
    text = text.replace('"json://127.0.0.1:1/hook"', '"mailto://me:${SMTP_PASS}@127.0.0.1"')
    message = error_of(tmp_path, text)
    assert "sources[0].url uses ${FEED_TOKEN}" in message and "destinations.phone uses ${SMTP_PASS}" in message


LENIENT = """
[monitor]
database = "monitor.db"

[[brands]]
name = "Acme Coffee"

[[sources]]
name = "yelp"
kind = "yelp"
business_id = "acme"
api_key = "${YELP_API_KEY}"

[destinations]
mail = "mailtos://${SMTP_USER}:${SMTP_PASS}@smtp.example.com?to=owner@example.com"
team = { url = "json://127.0.0.1:1/${HOOK_TOKEN}", group_wait = "0s" }
phone = "ntfy://127.0.0.1:1/owner"

[[rules]]
name = "bad review"
when = "rating <= 2"
notify = ["mail", "team", "phone"]

[web]
public_url = "https://monitor.example.com"
secret = "${WEB_SECRET}"
"""


def test_lenient_loading_leaves_unusable_placeholders_and_names_them(tmp_path: Path) -> None:
    from monitor.config import UNDELIVERABLE_URL, load_config
    from monitor.service.app import check, source_configs

    config = load_config(
        write(tmp_path, LENIENT), source_configs(), environ={"SMTP_USER": "me@example.com"}, secrets="lenient"
    )
    assert config.missing_secrets == {"YELP_API_KEY", "SMTP_PASS", "HOOK_TOKEN", "WEB_SECRET"}
    assert config.secret_names == config.missing_secrets | {"SMTP_USER"}
    # A destination that needs a missing secret can never be delivered to; the others are as written.
    assert config.destinations["mail"].url == UNDELIVERABLE_URL
    assert config.destinations["team"].url == UNDELIVERABLE_URL and config.destinations["team"].group_wait.seconds == 0
    assert config.destinations["phone"].url == "ntfy://127.0.0.1:1/owner"
    assert "me%40example.com" not in config.destinations["mail"].url
    # A placeholder says what it stands for, and is random: it signs nothing anyone could forge.
    key = config.sources[0].api_key  # type: ignore[attr-defined]
    assert key.startswith("missing-secret-YELP_API_KEY-")
    assert config.web is not None and config.web.secret.startswith("missing-secret-WEB_SECRET-")
    again = load_config(write(tmp_path, LENIENT), source_configs(), environ={}, secrets="lenient")
    assert again.web is not None and again.web.secret != config.web.secret
    # What `rules test` builds from it still loads.
    assert sorted(check(config).senders) == ["mail", "phone", "team"]


def test_lenient_loading_still_needs_the_database_secret(tmp_path: Path) -> None:
    from monitor.config import load_config
    from monitor.service.app import source_configs

    text = LENIENT.replace('database = "monitor.db"', 'database = "postgresql://monitor:${PG_PASS}@127.0.0.1/monitor"')
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), source_configs(), environ={}, secrets="lenient")
    assert "monitor.database uses ${PG_PASS}" in str(info.value)
    assert "YELP_API_KEY" not in str(info.value)


def test_strict_loading_is_the_default(tmp_path: Path) -> None:
    message = error_of(tmp_path, LENIENT)
    for name in ("YELP_API_KEY", "SMTP_USER", "SMTP_PASS", "HOOK_TOKEN", "WEB_SECRET"):
        assert f"${{{name}}}" in message


# --- [alerts] and [web] -------------------------------------------------------------------------------------------


def test_alert_templates_are_a_directory_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "my-templates").mkdir()
    config = load(write(tmp_path, BASE + '\n[alerts]\ntemplates = "my-templates"\n'), environ={})
    assert config.alerts.templates == tmp_path.resolve() / "my-templates"
    assert load(write(tmp_path, BASE), environ={}).alerts.templates is None


def test_alert_templates_that_do_not_exist_are_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, BASE + '\n[alerts]\ntemplates = "my-templatse"\n')
    assert "alerts.templates" in message and "[alerts]: key 'templates'" in message
    assert str(tmp_path.resolve() / "my-templatse") in message
    assert "unknown key 'template' (did you mean 'templates'?)" in error_of(
        tmp_path, BASE + '\n[alerts]\ntemplate = "x"\n'
    )


def test_a_login_lasts_session_ttl(tmp_path: Path) -> None:
    from datetime import timedelta

    web = '\n[web]\npublic_url = "https://m.example.com"\nsecret = "0123456789abcdef0123"\n'
    config = load(write(tmp_path, BASE + web), environ={})
    assert config.web is not None and config.web.session_ttl == timedelta(days=14)
    config = load(write(tmp_path, BASE + web + 'session_ttl = "12h"\n'), environ={})
    assert config.web is not None and config.web.session_ttl == timedelta(hours=12)
    assert "key 'session_ttl'" in error_of(tmp_path, BASE + web + "session_ttl = 12\n")
