"""Junk from strangers is one quiet line, never a traceback in the journal (issue 18): requests to the web inbox
with broken alert links, ids and cookies get a 403 or 404 page; a source whose redirects loop or lead nowhere is a
counted fetch error naming its URL without its secrets. Real uvicorn and a real feed server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from monitor.clock import FixedClock
from monitor.service.web.links import MentionLinks, Refused
from monitor.storage.mentions import Mentions
from tests.apps import close, cycle, make_app, write_config
from tests.factories import NOW, make_mention
from tests.loopback import LoopbackServer, Reply
from tests.web import Served, free_port, serving, web_section

HUGE_ID = "9" * 25  # past any integer a database stores


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[Served]:
    path = write_config(tmp_path, '[[brands]]\nname = "Acme Coffee"\n' + web_section(free_port()))
    with serving(path, FixedClock(NOW)) as served:
        with served.db.transaction():
            Mentions(served.db).insert(make_mention(None, external_id="x1", fingerprint="f1"))
        yield served


def raw_get(url: str, target: bytes, headers: bytes = b"") -> int:
    """The status of a GET sent byte for byte (httpx would refuse to send these bytes)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: inbox\r\nConnection: close\r\n" + headers + b"\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def noisy(records: list[logging.LogRecord]) -> list[str]:
    return [
        f"{r.name} {r.levelname}: {r.getMessage()}"
        for r in records
        if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()
    ]


def test_junk_alert_links_ids_and_cookies_get_a_page_and_no_traceback(
    inbox: Served, caplog: pytest.LogCaptureFixture
) -> None:
    asked = {
        "non-ASCII token": ("/m/1?k=%C3%A9%E2%80%A6", 403),
        "huge token": ("/m/1?k=" + "a" * 60_000, 403),
        "token with NUL": ("/m/1?k=a%00b", 403),
        "invalid percent-encoding": ("/m/1?k=%ZZ%", 403),
        "token not UTF-8": ("/m/1?k=%ff%fe", 403),
        "id not a number": ("/m/x?k=abc", 404),
        "id past any integer": (f"/m/{HUGE_ID}?k=abc", 403),
        "id past any integer, no token": (f"/m/{HUGE_ID}", 303),  # to the login form, as for any mention
    }
    with caplog.at_level(logging.DEBUG):
        got = {case: httpx.get(inbox.url + target).status_code for case, (target, _) in asked.items()}
        got["post, id past any integer"] = httpx.post(
            f"{inbox.url}/m/{HUGE_ID}/act", data={"k": "é…", "action": "resolve", "csrf": "x"}
        ).status_code
        got["cookie not UTF-8"] = raw_get(inbox.url, b"/m/1?k=abc", b"Cookie: mm_session=\xff\xfe\x80\r\n")
        got["cookie not UTF-8, no token"] = raw_get(inbox.url, b"/", b"Cookie: \xff=\xfe\r\n")
    assert got == {case: status for case, (_, status) in asked.items()} | {
        "post, id past any integer": 403,
        "cookie not UTF-8": 403,
        "cookie not UTF-8, no token": 303,
    }
    assert noisy(caplog.records) == []


def test_a_forged_link_page_says_why(inbox: Served) -> None:
    answer = httpx.get(f"{inbox.url}/m/1?k=%C3%A9%E2%80%A6")
    assert answer.status_code == 403 and "This link is not one we made." in answer.text
    assert httpx.get(f"{inbox.url}/m/{HUGE_ID}?k=abc").status_code == 403


def test_a_token_no_browser_can_send_is_refused_not_raised() -> None:
    links = MentionLinks("s" * 32, "http://inbox", timedelta(days=14), FixedClock(NOW))
    for token in ("\udcff", "é" + links.token(1)[1:], links.token(1) + "\x00"):
        with pytest.raises(Refused):
            links.verify(1, token)


# --- sources ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("/loop", "http://127.0.0.1:{port}/loop: more than 5 redirects (a redirect loop?)"),
        ("http://127.0.0.1:99999/", "http://127.0.0.1:{port}/loop: refused a redirect to port 99999"),
    ],
    ids=["loop", "port-past-65535"],
)
def test_a_source_whose_redirects_go_nowhere_is_a_counted_error_without_traceback(
    tmp_path: Path, server: LoopbackServer, caplog: pytest.LogCaptureFixture, location: str, error: str
) -> None:
    server.route("/loop", Reply(302, b"", {"Location": location}))
    body = f"""
[[brands]]
name = "Acme Coffee"

[[sources]]
name = "blog"
kind = "rss"
url = "http://reader:SECRETPASS@127.0.0.1:{server.port}/loop?token=SECRETMARKER"
"""
    app = make_app(tmp_path, body, FixedClock(NOW))
    try:
        with caplog.at_level(logging.DEBUG):
            [outcome] = cycle(app).polled
            cycle(app)
        health = app.schedule.health("blog")
    finally:
        close(app)
    expected = error.format(port=server.port)
    assert outcome.error == expected
    assert health is not None and (health.errors_total, health.last_error) == (2, expected)
    lines = [r for r in caplog.records if r.name.startswith(("monitor", "sources"))]
    assert [r.getMessage().split(", next try")[0] for r in lines if r.levelno >= logging.WARNING] == [
        "source blog failed (1 in a row)",
        "source blog failed (2 in a row)",
    ]
    assert noisy(caplog.records) == []
    assert not any("SECRET" in r.getMessage() for r in lines)
