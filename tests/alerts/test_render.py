"""Messages per channel: an injection corpus through every channel's renderer, asserting what a reader would see."""

from __future__ import annotations

import html as htmllib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alerts import escape
from alerts.render import CHANNELS, LIST_COMMAND, AlertItem, Message, channel_for_url, render, render_notice
from monitor.model import Mention
from tests.factories import make_mention

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
URL = "https://apps.apple.com/jp/app/acme/id123?see-all=reviews&page=2"

# What each form may hold, as a reader's device or Slack's API would enforce it.
LIMITS: dict[str, dict[str, int]] = {
    "sms": {"title": 0, "body": 320},
    "push": {"title": 100, "body": 1000},
    "slack": {"title": 150, "body": 3000},
    "chat": {"title": 200, "body": 2000},
    "webhook": {"title": 200, "body": 20000},
    "email": {"title": 150, "body": 250_000},
}
HTML_MAX = 1_500_000

PING_TOKENS = ("<!channel", "<!here", "<!everyone", "<@U123", "<@&", "<#C1", "<!subteam")
BARE_PING = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def mention(mention_id: int | None = 42, **changes: Any) -> Mention:
    return make_mention(mention_id, **{"url": URL, **changes})


@dataclass(frozen=True)
class Case:
    name: str
    changes: dict[str, Any] = field(default_factory=dict)
    # The URL is http(s) and harmless: the message must link it.
    linkable: bool = True


PINGS = (
    "<!channel> <!here|here> <!everyone> <@U123> <@U123|boss> <@&987> <#C1|general> <!subteam^S1>"
    " @channel @here @everyone"
)
CORPUS = [
    Case("plain"),
    Case(
        "slack-pings-everywhere",
        {"text": PINGS, "title": PINGS, "author": "@here", "brand": "<!channel>", "source": "<@U123>"},
    ),
    Case(
        "slack-spoofed-link",
        {"text": "Refund here: <http://evil.example|https://bank.com> thanks", "title": "<https://evil.example>"},
    ),
    Case(
        "markdown-link",
        {"text": "Log in at [bank](http://evil) or ![pic](http://evil/x.png)", "author": "[me](http://evil)"},
    ),
    Case("script", {"text": "<script>alert(1)</script>", "title": "</td></table><script src=//evil/x.js></script>"}),
    Case("img-onerror", {"text": '<img src=x onerror="alert(1)">', "brand": '"><img src=x onerror=alert(1)>'}),
    Case("javascript-url", {"url": "javascript:alert(document.cookie)"}, linkable=False),
    Case("data-url", {"url": "data:text/html,<script>alert(1)</script>"}, linkable=False),
    Case("quote-in-url", {"url": 'https://example.com/"onmouseover="alert(1)'}, linkable=False),
    Case("spoof-in-url", {"url": "https://example.com/[bank](http://evil)"}, linkable=False),
    Case("control-chars", {"text": "ok\x00nul\x07bell\x1b[31mred\x1b[0m\x9bcsi\r\nnext\x7f", "title": "a\nb\rc\x0bd"}),
    Case(
        "bidi",
        {"text": "pay \u202egnp.exe\u202c now \u2066x\u2069 \u200fy", "author": "\u202etaro", "brand": "Acme\u2067"},
    ),
    Case("zero-width", {"text": "@\u200bchannel @\ufeffhere zero\u200bwidth \U000e0041\U000e0042"}),
    Case("nul-only", {"text": "\x00" * 5000, "title": "\x00"}),
    Case(
        "megabyte",
        {"text": "bad coffee " * 100_000, "title": "T" * 100_000, "author": "a" * 100_000, "brand": "B" * 10_000},
    ),
    Case(
        "japanese",
        {
            "text": "最悪のコーヒーでした。店員も失礼で、二度と行きません。" * 30,
            "brand": "アクメ珈琲",
            "language": "ja",
        },
    ),
    Case("emoji-and-flags", {"text": "👨‍👩‍👧‍👦🇯🇵🏳️‍🌈e\u0301" * 400}),
    Case("ampersands", {"text": "Tom & Jerry &amp; &lt;b&gt; &#60;", "url": "https://example.com/?a=1&b=2"}),
    Case("unscored", {"rating": None, "sentiment": None, "label": "unscored"}),
    Case("sentiment-only", {"rating": None, "rating_scale": None}),
]


def outputs(message: Message) -> list[str]:
    return [message.title, message.body] + ([message.html] if message.html is not None else [])


HTML_TAGS = {"html", "head", "meta", "title", "body", "div", "h1", "p", "span", "strong", "em", "br", "a", "code"}
HTML_ATTRIBUTES = {"href", "style", "charset", "lang", "name", "content"}
INBOX = "https://inbox.example.com/m/{id}?e=1767225600&t=0123456789abcdef"


def inbox_link(mention_id: int) -> str:
    return INBOX.format(id=mention_id)


def assert_safe(message: Message, channel: str) -> None:
    """What must hold for any message, whatever the mention said."""
    limits = LIMITS[channel]
    assert len(message.title) <= limits["title"]
    assert len(message.body) <= limits["body"]
    assert "\n" not in message.title and "\r" not in message.title
    for text in outputs(message):
        for token in PING_TOKENS:
            assert token not in text
            assert token not in htmllib.unescape(text)
        assert not BARE_PING.search(text), text[:300]
        assert "<script" not in text.lower()
        assert "<img" not in text.lower()
        assert "](" not in text
        assert not BIDI.search(text)
        assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in text)
        text.encode("utf-8")  # no lone surrogate
    if channel == "slack":
        # Nothing in a Slack body may start a <...> token: no link, ping or command can form.
        assert "<" not in message.body and ">" not in message.body
    if channel == "email":
        assert message.html is not None and len(message.html) <= HTML_MAX
        assert not re.search(r"(href|src)\s*=\s*[\"']?\s*(javascript|data):", message.html, re.IGNORECASE)
        # Only our own tags and attributes: nothing that runs, loads or styles from elsewhere.
        for tag in re.findall(r"<([a-z0-9]+)((?:\s[^>]*)?)>", message.html):
            assert tag[0] in HTML_TAGS, tag
            assert re.fullmatch(r'(\s[a-z-]+="[^"<>]*")*', tag[1]), tag  # every attribute quoted, nothing else
            assert set(re.findall(r'\s([a-z-]+)="', tag[1])) <= HTML_ATTRIBUTES, tag
        # Every link either shows its own target (the original's address: no disguised link) or is our button to
        # the mention's page in the inbox.
        links = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', message.html)
        assert len(links) == message.html.count("<a ")
        for href, text in links:
            target = htmllib.unescape(href)
            assert target.startswith(("https://", "http://"))
            if text == "Open in inbox":
                assert target.startswith(INBOX.split("{", 1)[0])
            else:
                assert href == text
    else:
        assert message.html is None


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_one_hostile_mention_renders_safely_in_every_channel(case: Case, channel: str) -> None:
    m = mention(42, **case.changes)
    message = render([AlertItem(m, "bad review", "rating 1 <= 2")], channel, now=NOW)

    assert_safe(message, channel)
    assert "mention-monitor ack 42" in message.body
    assert "#42" in message.body
    if message.html is not None:
        assert "mention-monitor ack 42" in message.html
    if case.linkable:
        shown = escape.slack(m.url) if channel == "slack" else m.url
        assert shown in message.body
        if message.html is not None:
            quoted = htmllib.escape(m.url)
            assert re.search(f'<a href="{re.escape(quoted)}"[^>]*>{re.escape(quoted)}</a>', message.html)
    else:
        assert "(no web link)" in message.body or channel == "sms"
        for text in outputs(message):
            assert m.url not in text


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_with_a_link_to_the_inbox_every_channel_is_still_safe_and_opens_it(case: Case, channel: str) -> None:
    m = mention(42, **case.changes)
    message = render([AlertItem(m, "bad review", "rating 1 <= 2")], channel, ack_link=inbox_link, now=NOW)

    assert_safe(message, channel)
    link = escape.slack(inbox_link(42)) if channel == "slack" else inbox_link(42)
    assert link in message.body
    if channel in ("sms", "push"):
        assert f"Open: {link}" in message.body
    if message.html is not None:
        assert f'<a href="{htmllib.escape(inbox_link(42))}"' in message.html
        assert ">Open in inbox</a>" in message.html


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_reader_sees_what_happened_in_plain_words_and_no_rule_debugging(channel: str) -> None:
    message = render([AlertItem(mention(7), "bad review", "rating 1 <= 2; sentiment <= -0.5")], channel, now=NOW)
    text = message.title + "\n" + message.body
    assert "Acme Coffee" in text
    assert "1-star review on the App Store" in text
    assert "Cold coffee" in text
    assert "<=" not in text and "&lt;=" not in text and "sentiment" not in text
    if channel in ("email", "slack", "chat", "webhook"):
        assert "★☆☆☆☆" in text
        assert "app-store-jp" in text
        assert "rule: bad review" in message.body
    if message.html is not None:
        assert "1-star review on the App Store" in message.html
        assert "&lt;=" not in message.html and "sentiment" not in message.html


@pytest.mark.parametrize("channel", CHANNELS)
def test_without_a_rating_the_sentiment_says_it(channel: str) -> None:
    m = mention(8, rating=None, rating_scale=None, sentiment=-0.71, label="negative", kind="reddit")
    message = render([AlertItem(m, "bad post", "sentiment -0.71 <= -0.5")], channel, now=NOW)
    assert "negative post on reddit" in (message.title + message.body).lower()
    assert "-0.71" not in message.title + message.body


@pytest.mark.parametrize("channel", CHANNELS)
def test_japanese_text_is_kept_and_cut_cleanly(channel: str) -> None:
    m = mention(9, text="最悪のコーヒーでした。" * 200, brand="アクメ珈琲", title="")
    message = render([AlertItem(m, "bad review", "rating 1 <= 2")], channel, now=NOW)
    assert "アクメ珈琲" in message.body + message.title
    assert "最悪のコーヒー" in message.body
    assert "…" in message.body


@pytest.mark.parametrize("channel", CHANNELS)
def test_ten_thousand_mentions_in_one_group_are_all_accounted_for(channel: str) -> None:
    items = [
        AlertItem(mention(i, text=f"complaint number {i} <!channel> " * 20), "bad review", "rating 1 <= 2")
        for i in range(1, 10_001)
    ]
    message = render(items, channel, now=NOW)

    assert_safe(message, channel)
    shown = set(re.findall(r"mention-monitor ack (\d+)", message.body))
    assert "1" in shown
    more = re.search(r"\+([\d,]+) more", message.body)
    assert more is not None, "the reader must learn that mentions were left out"
    assert len(shown) + int(more.group(1).replace(",", "")) == 10_000
    assert LIST_COMMAND in message.body
    if message.html is not None:
        assert set(re.findall(r"mention-monitor ack (\d+)", message.html)) == shown
    if channel != "sms":
        assert "10,000" in message.title


def test_several_mentions_each_carry_their_id_and_ack_command() -> None:
    items = [AlertItem(mention(i, brand=b), "bad review", "rating 1 <= 2") for i, b in ((1, "Acme"), (2, "Beta"))]
    for channel in CHANNELS:
        message = render(items, channel, now=NOW)
        for i in (1, 2):
            assert f"mention-monitor ack {i}" in message.body, channel
        if channel != "sms":
            assert "Acme" in message.title and "Beta" in message.title


def test_the_ack_command_can_be_configured() -> None:
    message = render(
        [AlertItem(mention(5), "r", "why")], "chat", ack_command="mm --config /etc/mm.toml ack {id}", now=NOW
    )
    assert "mm --config /etc/mm.toml ack 5" in message.body


def test_age_is_relative_to_the_given_now() -> None:
    message = render([AlertItem(mention(5), "r", "why")], "chat", now=NOW + timedelta(days=2))
    assert "2d ago" in message.body


def test_email_html_is_one_column_for_a_phone_with_inline_css_only() -> None:
    message = render([AlertItem(mention(5), "r", "why")], "email", ack_link=inbox_link, now=NOW)
    assert message.html is not None
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in message.html
    assert "max-width:600px" in message.html and "overflow-wrap:anywhere" in message.html
    assert "<table" not in message.html
    assert "<style" not in message.html and "<link" not in message.html and "src=" not in message.html
    assert "<script" not in message.html and "class=" not in message.html
    button = re.search(r'<a href="[^"]*" style="([^"]*)">Open in inbox</a>', message.html)
    assert button is not None and "display:block" in button.group(1)
    assert int(re.search(r"min-height:(\d+)px", button.group(1)).group(1)) >= 44  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", [[], "fax"])
def test_bad_arguments_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        if bad == []:
            render([], "chat", now=NOW)
        else:
            render([AlertItem(mention(1), "r", "why")], bad, now=NOW)


def test_an_unstored_mention_cannot_be_alerted_on() -> None:
    with pytest.raises(ValueError, match="id"):
        render([AlertItem(mention(None), "r", "why")], "chat", now=NOW)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", CORPUS[:14], ids=lambda c: c.name)
def test_operator_notices_are_escaped_too(case: Case, channel: str) -> None:
    text = " ".join(str(v) for v in case.changes.values()) or "Destination owner_email has failed since 10:00."
    message = render_notice(f"Destination broken {text[:500]}", f"Last error:\n\n{text}", channel)
    assert_safe(message, channel)


def test_notice_keeps_paragraphs_in_email() -> None:
    message = render_notice("Test alert", "First line.\nSecond line.\n\nNew paragraph & more.", "email")
    assert message.html is not None
    assert "First line.<br>Second line." in message.html
    assert "New paragraph &amp; more." in message.html
    assert message.title == "Test alert"


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        ("mailto://u:p@example.com", "email"),
        ("mailtos://u:p@example.com?to=a@example.com", "email"),
        ("slack://T1/B1/abc", "slack"),
        ("twilio://sid:token@15551234567/15557654321", "sms"),
        ("sns://key/secret/us-east-1/+15551234567", "sms"),
        ("vonage://key:secret@15551234567", "sms"),
        ("ntfy://topic", "push"),
        ("ntfys://acme-owner-alerts", "push"),
        ("pover://user@token", "push"),
        ("gotify://host/token", "push"),
        ("fcm://project@apikey/device", "push"),
        ("tgram://bot/chat", "chat"),
        ("discord://id/token", "chat"),
        ("msteams://a/b/c", "chat"),
        ("matrix://user:pass@host/#room", "chat"),
        ("json://127.0.0.1:8080/hook", "webhook"),
        ("XML://host/path", "webhook"),
        ("form://host/path", "webhook"),
        ("unknownscheme://x", "chat"),
        ("not a url", "chat"),
    ],
)
def test_channel_for_url(url: str, channel: str) -> None:
    assert channel_for_url(url) == channel


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("abcdefghijk", 5, "abcd…"),
        ("e\u0301e\u0301e\u0301", 4, "e\u0301…"),  # never keep a base letter without its accent
        ("ab👨‍👩‍👧", 5, "ab…"),  # never keep half of a ZWJ family
        ("a🇯🇵🇯🇵", 3, "a…"),  # never half a flag
        ("a🇯🇵🇯🇵", 4, "a🇯🇵…"),
        ("ok❤️❤️", 4, "ok…"),  # the heart keeps its variation selector
        ("日本語のテキスト", 4, "日本語…"),
        ("abc", 0, ""),
    ],
)
def test_truncate_never_splits_a_character(text: str, limit: int, expected: str) -> None:
    assert escape.truncate(text, limit) == expected


def test_field_is_cheap_on_a_megabyte() -> None:
    assert escape.field("x" * 1_000_000, 50) == "x" * 49 + "…"
