"""A source fetches what its URL names, so a URL that is not http(s) is refused when the config is loaded (`check`
says so, naming the source and the key), never found out at a poll."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.service.app import load

# Each kind's URL key, with the other keys the kind needs.
KEYS = [
    ("rss", "url", ""),
    ("reviews", "url", ""),
    ("mastodon", "instance", 'tag = "acme"'),
    ("hackernews", "base_url", 'query = "acme"'),
]
REFUSED = [
    ("file:///etc/passwd", "must be an http:// or https:// URL, not file:"),
    ("FILE:///etc/passwd", "must be an http:// or https:// URL, not file:"),
    ("gopher://example.org/1", "must be an http:// or https:// URL, not gopher:"),
    ("javascript:alert(1)", "must be an http:// or https:// URL, not javascript:"),
    ("/var/lib/feeds/acme.xml", "must be an http:// or https:// URL (this one has no scheme)"),
    ("https:///feed.xml", "must be an http:// or https:// URL with a host name"),
    ("https://acme.example:http/feed", "cannot be read as a URL"),
]


def _config(folder: Path, kind: str, key: str, value: str, others: str) -> Path:
    path = folder / "monitor.toml"
    source = f'[[sources]]\nname = "acme-{kind}"\nkind = "{kind}"\n{key} = "{value}"\n{others}\n'
    path.write_text('[[brands]]\nname = "Acme"\n\n' + source, encoding="utf-8")
    return path


@pytest.mark.parametrize(("kind", "key", "others"), KEYS, ids=[f"{kind}.{key}" for kind, key, _ in KEYS])
@pytest.mark.parametrize(("value", "says"), REFUSED, ids=[value for value, _ in REFUSED])
def test_a_source_url_that_is_not_http_is_refused_naming_the_source_and_key(
    tmp_path: Path, kind: str, key: str, others: str, value: str, says: str
) -> None:
    path = _config(tmp_path, kind, key, value, others)
    with pytest.raises(ConfigError) as info:
        load(path, environ={})
    message = str(info.value)
    assert str(path) in message and f"'acme-{kind}'" in message and f"key {key!r}" in message, message
    assert says in message, message
    assert "Traceback" not in message and len(message.splitlines()) == 1, message


@pytest.mark.parametrize(("kind", "key", "others"), KEYS, ids=[f"{kind}.{key}" for kind, key, _ in KEYS])
@pytest.mark.parametrize(
    "value", ["https://acme.example/feed.xml", "http://127.0.0.1:8080/x?token=t", "HTTPS://Acme.example"]
)
def test_an_http_url_is_accepted_as_written(tmp_path: Path, kind: str, key: str, others: str, value: str) -> None:
    config = load(_config(tmp_path, kind, key, value, others), environ={})
    (source,) = config.sources
    assert getattr(source, key) == value
