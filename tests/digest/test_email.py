"""The digest as the owner receives it: frozen into the outbox and sent by the delivery worker to a real SMTP server
(aiosmtpd) behind a real Apprise mailto:// destination; and its plain form for webhook and Slack destinations."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.digest.compose import Prepared, collect, draw, queue
from alerts.digest.figures import DigestData, quote
from alerts.digest.html import TEXT_MAX, fit_text, render_html, render_text
from monitor.clock import FixedClock
from monitor.service.app import build, check
from monitor.storage.outbox import Outbox
from tests.alerts.test_apprise_adapter import _capture_slack, assert_valid_png, mention
from tests.digest.world import SLOT, WEEK, StarScorer, build_world, config_for
from tests.loopback import LoopbackServer
from tests.mailserver import MailServer

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")
PNG = b"\x89PNG\r\n\x1a\n"


def _prepared(tmp_path: Path) -> Prepared:
    world = build_world(tmp_path)
    datas = collect(world.db, world.config, world.config.brands[:1], end=SLOT, period=WEEK, now=SLOT)
    return Prepared(datas, draw(datas))


def _delivered(tmp_path: Path, url: str) -> Prepared:
    """The digest sent to the destination `url` the one way digests go: queued in the outbox (frozen for that
    destination), then sent by the app's delivery worker. Returns what was queued."""
    config = config_for(tmp_path, destinations={"owner_email": url})
    world = build_world(tmp_path, config)
    app = build(check(config), FixedClock(SLOT), db=world.db, scorer=StarScorer())
    datas = collect(world.db, config, config.brands[:1], end=SLOT, period=WEEK, now=SLOT)
    prepared = Prepared(datas, draw(datas))
    queue(
        Outbox(app.db),
        prepared,
        key="digest:test",
        notify=["owner_email"],
        targets=app.checked.senders,
        now=SLOT,
        reason="test",
    )
    report = asyncio.run(app.deliverer.deliver_due(SLOT))
    assert report.sent_messages == 1, Outbox(app.db).find("digest:test:owner_email")
    return prepared


def inline_chart(mail: MailServer, message_index: int = 0) -> bytes:
    """The chart's PNG as a mail client finds it: the HTML's <img src="cid:X"> and, in the same multipart/related,
    an inline image/png part whose Content-ID is <X>."""
    received = mail.messages[message_index]
    assert received.get_content_type() == "multipart/related"
    html = mail.html(message_index)
    assert "data:" not in html, "no data: URI in a mail (Gmail blocks them)"
    src = re.search(r'<img src="([^"]+)"[^>]*alt="Daily mentions', html)
    assert src, "the HTML shows the chart"
    assert src.group(1).startswith("cid:")
    cid = src.group(1).removeprefix("cid:")
    [part] = [p for p in received.iter_parts() if p.get("Content-ID") == f"<{cid}>"]
    assert part.get_content_type() == "image/png"
    assert part.get_content_disposition() == "inline"
    data = bytes(part.get_content())
    assert_valid_png(data)
    return data


def test_digest_email_has_html_and_chart(tmp_path: Path, mail: MailServer) -> None:
    prepared = _delivered(tmp_path, mail.url())
    (received,) = mail.messages
    assert received["Subject"] == "Weekly digest for Xcode: Mon 09 Nov 08:00 – Mon 16 Nov 2026 08:00"
    html = mail.html()
    assert "negative share 86%, up from 60%; usual 72%" in html
    assert "Still unanswered (46)" in html and "<script" not in html
    assert len(re.findall(r"<img ", html)) == 1, "Apprise appended no image of its own"
    chart = inline_chart(mail)
    assert chart.startswith(PNG) and chart == prepared.charts[0]
    text = received.get_body(preferencelist=("plain",))
    assert text is not None and "negative share 86%" in text.get_content()


def test_digest_email_with_inline_off_attaches_the_chart_and_says_so(tmp_path: Path, mail: MailServer) -> None:
    # The operator chose `inline=no` (or an email service that cannot embed): no broken <img>, a plain attachment.
    prepared = _delivered(tmp_path, mail.url() + "&inline=no")

    (received,) = mail.messages
    html = mail.html()
    assert "<img " not in html and "data:" not in html
    assert "(chart attached: digest-chart-1.png)" in html
    [attached] = received.iter_attachments()
    assert attached.get_filename() == "digest-chart-1.png"
    assert attached.get_content() == prepared.charts[0]


def test_digest_to_a_webhook_is_the_plain_text_without_the_chart(tmp_path: Path, server: LoopbackServer) -> None:
    server.route("/hook", status=200, body=b"{}")

    prepared = _delivered(tmp_path, f"json://127.0.0.1:{server.port}/hook")

    [request] = server.requests
    payload = json.loads(request.body)
    assert payload["title"].startswith("Weekly digest for Xcode")
    assert payload["message"] == render_text(prepared.datas, channel="webhook").rstrip()  # fits: not cut
    assert not payload.get("attachments") and b"PNG" not in request.body


def test_digest_to_slack_fits_in_one_section_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _capture_slack(monkeypatch)
    prepared = _delivered(tmp_path, "slack://T1ABCDEFG/B1ABCDEFG/abcdefghijklmnopqrstuvwx/#digest")
    assert len(render_text(prepared.datas, channel="slack")) > 3000, "the whole digest is too long for Slack"

    [payload] = sent
    [section] = [b for b in payload["attachments"][0]["blocks"] if b["type"] == "section"]
    text = section["text"]["text"]
    assert len(text.encode("utf-16-le")) // 2 <= 3000
    assert "== Xcode ==" in text and "negative share 86%" in text
    assert re.search(r"… \+\d+ more lines\n", text) and text.rstrip().endswith("Whole digest: mention-monitor digest")
    assert "PNG" not in json.dumps(payload)


def test_plain_text_is_cut_per_brand_to_each_channel_limit(tmp_path: Path) -> None:
    data = _prepared(tmp_path).datas[0]
    datas = [data, dataclasses.replace(data, brand="Acme & Co <!here>"), dataclasses.replace(data, brand="Third")]
    for channel, limit in TEXT_MAX.items():
        whole = render_text(datas, channel=channel)
        fitted = fit_text(datas, channel=channel)
        assert len(fitted.encode("utf-16-le")) // 2 <= limit, channel
        if len(whole) <= limit:
            assert fitted == whole
            continue
        # Every brand keeps its heading, and what was left out is counted.
        assert fitted.count("== ") == 3, channel
        hidden = sum(int(n) for n in re.findall(r"\+(\d+) more lines", fitted))
        assert len(fitted.splitlines()) + hidden >= len(whole.splitlines()) - 1, channel
        assert "<!here>" not in fitted
    assert fit_text(datas, channel="email") == render_text(datas, channel="email")  # email is never cut


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
