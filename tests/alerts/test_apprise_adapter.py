"""The Apprise adapter against real local servers: an SMTP server (aiosmtpd) and a loopback HTTP server.

Nothing inside Apprise is faked, except in the one Slack test, which stops at `requests.request` (the network
boundary: Slack's webhook host is fixed and this suite never touches the internet).
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import json
import logging
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from PIL import Image

from alerts.apprise_adapter import AppriseDestination, SendResult
from alerts.render import AlertItem, Message, render, render_notice
from monitor.errors import ConfigError
from monitor.model import Mention
from tests.factories import make_mention
from tests.loopback import LoopbackServer, Reply

# Apprise's email plugin imports `imghdr` (through its PGP helper's shim) the first time an email URL is parsed;
# Python 3.11 deprecates that module. Not ours to fix; narrowly ignored here.
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
PASSWORD = "s3cret-Pa55word"
USER = "alerts"
REVIEW_URL = "https://apps.apple.com/jp/app/acme/id123?see-all=reviews&page=2"


def mention(mention_id: int = 42, **changes: Any) -> Mention:
    hostile = {
        "title": "Never again <script>alert(1)</script>",
        "text": "Cold coffee, rude staff <!channel> [bank](http://evil.example)",
    }
    return make_mention(mention_id, **{"url": REVIEW_URL, **hostile, **changes})


def alert(channel: str) -> Message:
    return render([AlertItem(mention(), "bad review", "rating 1 <= 2")], channel, now=NOW)


def tiny_png() -> bytes:
    """A valid 2x1 RGB PNG, built by hand (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = b"\x00" + bytes([0xC0, 0x39, 0x2B, 0x2E, 0x86, 0xC1])  # filter byte, then two pixels
    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


def assert_valid_png(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        image.load()  # decodes every pixel: a truncated or corrupt PNG raises here


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_no_secret(destination: AppriseDestination, result: SendResult | None = None) -> None:
    assert PASSWORD not in destination.redacted_url()
    assert PASSWORD not in repr(destination)
    if result is not None:
        assert PASSWORD not in result.detail
        assert destination.name in result.detail


# --- a real SMTP server --------------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    port: int
    mailbox: Mailbox

    def url(self, password: str = PASSWORD, port: int | None = None) -> str:
        return (
            f"mailto://{USER}:{password}@127.0.0.1:{port or self.port}"
            "?to=owner@example.com&from=monitor@example.com&mode=insecure"
        )


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    mailbox = Mailbox()

    def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        if ok:
            mailbox.logins.append(USER)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    # AUTH without TLS is fine on loopback; auth_required stays False, so aiosmtpd does not warn about it.
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield SMTPServer(controller.port, mailbox)
    finally:
        controller.stop()


def test_email_arrives_with_subject_text_html_and_link(smtp: SMTPServer) -> None:
    destination = AppriseDestination("owner_email", smtp.url())
    assert destination.channel == "email"
    message = alert("email")

    result = destination.send(message)

    assert result == SendResult(True, False, result.detail)
    assert_no_secret(destination, result)
    assert smtp.mailbox.logins == [USER]
    [received] = smtp.mailbox.messages
    assert received["To"] == "owner@example.com"
    assert received["Subject"] == message.title == "1-star review for Acme Coffee on the App Store"
    # inline=yes (added for the digest's chart) changes nothing without attachments: text and HTML, nothing else.
    assert received.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in received.iter_parts()] == ["text/plain", "text/html"]
    assert list(received.iter_attachments()) == []
    html_part = received.get_body(preferencelist=("html",))
    text_part = received.get_body(preferencelist=("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    text = text_part.get_content()
    # The HTML is ours, byte for byte: the only link is the review, shown as its own URL.
    assert html.replace("\r\n", "\n").strip() == (message.html or "").strip()
    assert '<a href="https://apps.apple.com/jp/app/acme/id123?see-all=reviews&amp;page=2"' in html
    assert "<script" not in html and "&lt;\u200dscript&gt;" in html
    assert "mention-monitor ack 42" in html
    # The text part is Apprise's rendering of our HTML (its email plugin cannot take our own text part): it starts
    # with what happened, as ours does.
    assert text.strip().splitlines()[0] == "1-star review on the App Store"
    assert "mention-monitor ack 42" in text
    assert REVIEW_URL in text
    assert "<script" not in text


def test_email_with_a_wrong_password_is_permanent_when_apprise_debug_logs_are_on(
    smtp: SMTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The 535 reply is only in Apprise's DEBUG records, which exist only when the `apprise` logger is at DEBUG.
    caplog.set_level(logging.DEBUG, logger="apprise")
    destination = AppriseDestination("owner_email", smtp.url(password="wrong-" + PASSWORD))

    result = destination.send(alert("email"))

    assert not result.ok
    assert not result.retryable, result.detail
    assert "SMTP 535" in result.detail
    assert PASSWORD not in result.detail
    assert smtp.mailbox.messages == []


def test_email_with_a_wrong_password_reads_as_a_connection_error_by_default(smtp: SMTPServer) -> None:
    # What Apprise lets us know at its default log level: "Connection error while submitting email". We cannot
    # tell a bad login from a server that is down, so it stays retryable; the retry deadline ends it.
    destination = AppriseDestination("owner_email", smtp.url(password="wrong-" + PASSWORD))

    result = destination.send(alert("email"))

    assert not result.ok and result.retryable
    assert "Connection error" in result.detail
    assert PASSWORD not in result.detail


def test_email_to_a_closed_port_is_retryable(smtp: SMTPServer) -> None:
    destination = AppriseDestination("owner_email", smtp.url(port=free_port()))

    result = destination.send(alert("email"))

    assert not result.ok and result.retryable, result.detail
    assert_no_secret(destination, result)


def test_email_shows_an_image_attachment_in_place_and_attaches_the_rest(smtp: SMTPServer) -> None:
    destination = AppriseDestination("owner_email", smtp.url())
    assert destination.inline_images
    png = tiny_png()
    html = '<p>Chart:</p><img src="cid:chart-1.png" alt="chart"><p>end</p>'

    result = destination.send(
        Message("Digest", "Chart:", html),
        attachments=[("chart-1.png", "image/png", png), ("figures.csv", "text/csv", b"day,count\n1,2\n")],
    )

    assert result.ok, result.detail
    [received] = smtp.mailbox.messages
    assert received.get_content_type() == "multipart/related"
    body, *files = received.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    html_part = received.get_body(preferencelist=("html",))
    assert html_part is not None
    assert html_part.get_content().replace("\r\n", "\n").strip() == html  # no image appended by Apprise
    by_name = {part.get_filename(): part for part in files}
    assert set(by_name) == {"chart-1.png", "figures.csv"}
    image = by_name["chart-1.png"]
    assert image.get_content_type() == "image/png"
    assert image.get_content_disposition() == "inline"
    assert image["Content-ID"] == "<chart-1.png>"
    assert image.get_content() == png
    assert_valid_png(image.get_content())
    csv = by_name["figures.csv"]
    assert csv.get_content_disposition() == "attachment" and csv["Content-ID"] is None
    assert_no_secret(destination, result)


def test_email_urls_embed_images_unless_the_operator_said_otherwise() -> None:
    chosen = AppriseDestination("owner_email", f"mailtos://{USER}:{PASSWORD}@example.com?to=owner@example.com")
    assert chosen.inline_images and "inline=yes" in chosen.redacted_url()
    assert_no_secret(chosen)
    refused = AppriseDestination("owner_email", f"mailtos://{USER}:{PASSWORD}@example.com?inline=no&to=o@example.com")
    assert not refused.inline_images and "inline=yes" not in refused.redacted_url()
    assert_no_secret(refused)
    hook = AppriseDestination("ops_hook", f"json://{USER}:{PASSWORD}@127.0.0.1:9/hook")
    assert not hook.inline_images and "inline" not in hook.redacted_url()


def test_email_with_inline_no_attaches_the_image_as_a_file(smtp: SMTPServer) -> None:
    destination = AppriseDestination("owner_email", smtp.url() + "&inline=no")
    png = tiny_png()

    assert destination.send(Message("Digest", "x", "<p>x</p>"), attachments=[("chart-1.png", "image/png", png)]).ok

    [received] = smtp.mailbox.messages
    assert received.get_content_type() == "multipart/mixed"
    [attached] = received.iter_attachments()
    assert attached.get_filename() == "chart-1.png" and attached.get_content() == png


def test_an_operator_notice_arrives_by_email(smtp: SMTPServer) -> None:
    destination = AppriseDestination("owner_email", smtp.url())
    notice = render_notice("Destination owner_phone is broken", "Failing since 09:00.\n\nAlerts are kept.", "email")

    assert destination.send(notice).ok

    [received] = smtp.mailbox.messages
    assert received["Subject"] == "Destination owner_phone is broken"
    assert "Alerts are kept." in received.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def test_a_burst_of_emails_is_not_spaced_out_by_apprise(smtp: SMTPServer) -> None:
    # Pacing is the outbox's rate limit; Apprise's own throttle would hold each email 5.5 s after the one before.
    destination = AppriseDestination("owner_email", smtp.url())
    started = time.monotonic()

    results = [destination.send(alert("email")) for _ in range(3)]

    assert all(r.ok for r in results), [r.detail for r in results]
    assert len(smtp.mailbox.messages) == 3
    assert time.monotonic() - started < 5


# --- a loopback HTTP server ----------------------------------------------------------------------------------------


def test_json_webhook_receives_the_plain_text_form(server: LoopbackServer) -> None:
    server.route("/hooks/alerts", status=200, body=b"{}")
    destination = AppriseDestination("ops_hook", f"json://{USER}:{PASSWORD}@127.0.0.1:{server.port}/hooks/alerts")
    assert destination.channel == "webhook"
    message = alert("webhook")

    result = destination.send(message)

    assert result.ok, result.detail
    assert_no_secret(destination, result)
    [request] = server.requests
    assert request.method == "POST" and request.path == "/hooks/alerts"
    payload = json.loads(request.body)
    assert payload["title"] == message.title
    assert payload["message"] == message.body  # Apprise did not reinterpret our text
    assert "mention-monitor ack 42" in payload["message"]
    assert REVIEW_URL in payload["message"]
    assert "<!channel>" not in payload["message"] and "](" not in payload["message"]


def test_a_webhook_gets_the_message_key_as_idempotency_key_and_keeps_the_operators_headers(
    server: LoopbackServer,
) -> None:
    server.route("/hook", status=200, body=b"{}")
    destination = AppriseDestination("ops_hook", f"json://127.0.0.1:{server.port}/hook?+X-Team=support")

    assert destination.send(replace(alert("webhook"), key="mm-0123abcd")).ok
    assert destination.send(alert("webhook")).ok  # a message outside the outbox (test-alert) has no key

    keyed, plain = server.requests
    assert keyed.headers["idempotency-key"] == "mm-0123abcd" and keyed.headers["x-team"] == "support"
    assert "idempotency-key" not in plain.headers and plain.headers["x-team"] == "support"


def test_a_webhook_ignores_attachments(server: LoopbackServer) -> None:
    server.route("/hooks/alerts", status=200, body=b"{}")
    destination = AppriseDestination("ops_hook", f"json://127.0.0.1:{server.port}/hooks/alerts")
    message = alert("webhook")
    png = tiny_png()

    assert destination.send(message, attachments=[("chart-1.png", "image/png", png)]).ok

    [request] = server.requests
    payload = json.loads(request.body)
    assert payload["message"] == message.body
    assert not payload.get("attachments")
    assert base64.b64encode(png) not in request.body and b"chart-1.png" not in request.body


def test_ntfy_receives_title_and_body(server: LoopbackServer) -> None:
    # ntfy pointed at a host publishes JSON to its root, naming the topic in the payload.
    server.route("/", status=200, body=b'{"id":"x"}')
    destination = AppriseDestination("owner_phone", f"ntfy://{USER}:{PASSWORD}@127.0.0.1:{server.port}/acme-alerts")
    assert destination.channel == "push"
    message = alert("push")

    result = destination.send(message)

    assert result.ok, result.detail
    [request] = server.requests
    payload = json.loads(request.body)
    assert payload["topic"] == "acme-alerts"
    assert payload["title"] == message.title
    assert payload["message"] == message.body
    assert "mention-monitor ack 42" in payload["message"]
    assert request.headers["authorization"].startswith("Basic ")
    assert_no_secret(destination, result)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (503, True), (429, True), (408, True), (400, False), (401, False), (404, False)],
)
def test_http_failures_say_whether_to_retry(server: LoopbackServer, status: int, retryable: bool) -> None:
    server.route("/hook", status=status, body=b"nope")
    destination = AppriseDestination("ops_hook", f"json://{USER}:{PASSWORD}@127.0.0.1:{server.port}/hook")

    result = destination.send(alert("webhook"))

    assert not result.ok
    assert result.retryable is retryable, result.detail
    assert f"HTTP {status}" in result.detail
    assert_no_secret(destination, result)


def test_a_closed_port_is_retryable() -> None:
    destination = AppriseDestination("ops_hook", f"json://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/hook")

    result = destination.send(alert("webhook"))

    assert not result.ok and result.retryable, result.detail
    assert "connection" in result.detail.lower()
    assert_no_secret(destination, result)


def test_a_hanging_server_is_cut_off_by_the_read_timeout(server: LoopbackServer) -> None:
    server.route("/slow", Reply(200, b"{}", stall=30))
    destination = AppriseDestination("ops_hook", f"json://127.0.0.1:{server.port}/slow?rto=0.5&cto=0.5")

    started = time.monotonic()
    result = destination.send(alert("webhook"))

    assert time.monotonic() - started < 10
    assert not result.ok and result.retryable, result.detail


def test_the_overall_deadline_bounds_a_send(server: LoopbackServer) -> None:
    server.route("/slow", Reply(200, b"{}", stall=30))
    destination = AppriseDestination("ops_hook", f"json://127.0.0.1:{server.port}/slow?rto=20", timeout=0.5)

    started = time.monotonic()
    result = destination.send(alert("webhook"))

    assert time.monotonic() - started < 10
    assert not result.ok and result.retryable, result.detail
    assert "may still arrive" in result.detail


def test_an_empty_message_is_not_sent(server: LoopbackServer) -> None:
    server.route("/hook", status=200)
    destination = AppriseDestination("ops_hook", f"json://127.0.0.1:{server.port}/hook")

    result = destination.send(Message("title", "   "))

    assert not result.ok and not result.retryable
    assert server.requests == []


# --- configuration -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [f"nosuchservice://{USER}:{PASSWORD}@example.com", f"{USER}:{PASSWORD}@example.com", "", "json://"],
)
def test_an_unrecognised_url_is_a_config_error_naming_the_destination(url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        AppriseDestination("owner_email", url)
    assert "owner_email" in str(raised.value)
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (f"mailtos://{USER}:{PASSWORD}@example.com?to=owner@example.com", PASSWORD),
        (f"json://{USER}:{PASSWORD}@example.com/hook", PASSWORD),
        (f"ntfys://{USER}:{PASSWORD}@ntfy.example.com/topic", PASSWORD),
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        ("slack://T1ABCDEFG/B1ABCDEFG/Zs3cretTokenValue0123456/#general", "Zs3cretTokenValue0123456"),
    ],
)
def test_the_redacted_url_hides_every_secret(url: str, secret: str) -> None:
    destination = AppriseDestination("d", url)
    assert secret not in destination.redacted_url()
    assert secret not in repr(destination)


def test_a_rejected_token_is_not_logged_in_clear(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="apprise")
    with pytest.raises(ConfigError) as raised:
        AppriseDestination("team", "slack://T1ABCDEFG/B1ABCDEFG/bad-Zs3cretTokenValue/#general")
    assert "Zs3cretTokenValue" not in str(raised.value)
    assert caplog.records, "Apprise said why it refused the URL"
    assert "Zs3cretTokenValue" not in caplog.text


# --- Slack: our mrkdwn must arrive as is --------------------------------------------------------------------------


class _Response:
    status_code = 200
    content = b"ok"
    text = "ok"
    headers: dict[str, str] = {}  # noqa: RUF012 - a stand-in for requests.Response


def _capture_slack(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The JSON bodies Apprise's Slack plugin posts, caught at `requests.request`.

    Not a loopback server: Apprise (2.3) offers no supported way to point a slack:// URL elsewhere. The plugin
    builds its address from the class constants `webhook_url` / `api_url` (https://hooks.slack.com/services/...,
    https://slack.com/api/...), and no URL argument (`mode`, `template`, `to`, ...) changes the host; a json://
    destination would test Apprise's JSON payload instead of Slack's blocks. So the fake stays at the HTTP
    library's door, and asserts that the request was addressed to Slack's webhook host."""
    sent: list[dict[str, Any]] = []

    def request(method: str, url: str, data: Any = None, **kwargs: Any) -> _Response:
        assert url.startswith("https://hooks.slack.com/")
        sent.append(json.loads(data))
        return _Response()

    monkeypatch.setattr("requests.request", request)
    return sent


def test_slack_gets_our_mrkdwn_verbatim_in_a_block(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _capture_slack(monkeypatch)
    destination = AppriseDestination("team", "slack://T1ABCDEFG/B1ABCDEFG/abcdefghijklmnopqrstuvwx/#alerts")
    assert "blocks=yes" in destination.redacted_url()
    message = render(
        [AlertItem(mention(text="<!channel> <http://evil.example|https://bank.com> & more"), "r", "why")],
        "slack",
        now=NOW,
    )

    assert destination.send(message).ok

    [payload] = sent
    blocks = payload["attachments"][0]["blocks"]
    section = next(b for b in blocks if b["type"] == "section")
    assert section["text"] == {"type": "mrkdwn", "text": message.body}
    dumped = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in dumped and "<http" not in dumped
    assert "&amp;lt;" not in dumped  # not escaped twice
    assert "mention-monitor ack 42" in section["text"]["text"]


def test_slack_legacy_mode_sends_plain_text_without_double_escaping(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _capture_slack(monkeypatch)
    destination = AppriseDestination("team", "slack://T1ABCDEFG/B1ABCDEFG/abcdefghijklmnopqrstuvwx/#alerts?blocks=no")
    message = render([AlertItem(mention(text="<!channel> <@U123> a & b"), "r", "why")], "slack", now=NOW)

    assert destination.send(message).ok

    [payload] = sent
    assert payload["mrkdwn"] is False
    text = payload["attachments"][0]["text"]
    assert text == message.body  # Apprise re-escaped exactly what we had escaped
    assert "<!channel>" not in text and "<@U123>" not in text and "&amp;lt;" not in text
