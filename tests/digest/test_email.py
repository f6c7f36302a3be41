"""The digest as the owner receives it: a real SMTP server (aiosmtpd), a real Apprise mailto:// destination."""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.apprise_adapter import AppriseDestination
from alerts.digest import DigestData, quote
from alerts.digest_html import render_html, render_text
from alerts.digest_timer import Prepared, collect, draw, send_digest
from tests.alerts.test_apprise_adapter import mention
from tests.digest.world import SLOT, WEEK, build_world
from tests.mailserver import MailServer

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


def _chart_in(message_index: int, mail: MailServer) -> bytes:
    """The chart's PNG as a mail client finds it: an inline part named by the <img>'s cid:, or a data: URI."""
    html = mail.html(message_index)
    src = re.search(r'<img src="([^"]+)"[^>]*alt="Daily mentions', html)
    assert src, "the HTML shows the chart"
    if src.group(1).startswith("cid:"):
        cid = src.group(1).removeprefix("cid:")
        for part in mail.messages[message_index].walk():
            if part.get("Content-ID") == f"<{cid}>":
                assert part.get_content_disposition() == "inline"
                return bytes(part.get_content())
        raise AssertionError(f"no part with Content-ID <{cid}>")
    assert src.group(1).startswith("data:image/png;base64,")
    return base64.b64decode(src.group(1).split(",", 1)[1])


def test_digest_email_has_html_and_chart(tmp_path: Path, mail: MailServer) -> None:
    world = build_world(tmp_path)
    datas = collect(world.db, world.config, world.config.brands[:1], end=SLOT, period=WEEK, now=SLOT)
    prepared = Prepared(datas, draw(datas))
    result = send_digest(AppriseDestination("owner_email", mail.url()), prepared)
    assert result.ok, result.detail
    (received,) = mail.messages
    assert received["Subject"] == "Weekly digest for Xcode: Mon 09 Nov 08:00 – Mon 16 Nov 2026 08:00"
    html = mail.html()
    assert "negative share 86%, up from 60%; usual 72%" in html
    assert "Still unanswered (46)" in html and "<script" not in html
    chart = _chart_in(0, mail)
    assert chart.startswith(PNG) and chart == prepared.charts[0]


def _hostile_digest(tmp_path: Path) -> DigestData:
    world = build_world(tmp_path)
    datas = collect(world.db, world.config, world.config.brands[:1], end=SLOT, period=WEEK, now=SLOT)
    evil = mention(
        7,
        title="<script>alert(1)</script><img src=http://tracker.example/x.png>",
        text="\u202egnp.exe [bank](http://evil.example) @channel",
        author="<b>boss</b>",
        url="javascript:alert(1)",
        published_at=SLOT - timedelta(hours=2),
    )
    return dataclasses.replace(datas[0], worst=(quote(evil),))


def test_untrusted_text_cannot_inject_markup_links_or_resources(tmp_path: Path) -> None:
    data = _hostile_digest(tmp_path)
    html = render_html([data], [None])
    assert "<script" not in html and "<img src=http" not in html and "<b>boss" not in html
    assert "script&gt;alert(1)" in html  # shown as text (with a zero-width joiner after "<")
    assert "javascript:" not in html and "\u202e" not in html
    assert "http://evil.example" not in re.findall(r'href="([^"]+)"', html)
    assert not re.search(r'(?:src|href)="(?!https?://|cid:|data:image/png)', html)  # no other scheme anywhere
    text = render_text([data])
    assert "@channel" not in text and "](" not in text
