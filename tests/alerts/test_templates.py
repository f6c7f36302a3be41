"""The owner's own templates: a file in the override directory wins over the shipped one of the same name, and a
broken one never costs an alert: the shipped template is used instead and the log names the file, not the mention."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from alerts.render import BODY_TEMPLATES, CHANNELS, TEMPLATES, AlertItem, Channel, Message, render
from tests.factories import NOW, make_mention

SECRET = "Ms Tanaka's private complaint 0xC0FFEE"
ITEM = AlertItem(make_mention(42, text=SECRET, brand="Acme Coffee"), "bad review", "rating 1 <= 2")


def inbox(mention_id: int) -> str:
    return f"https://inbox.example.com/m/{mention_id}?t=abc"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def shipped(channel: str) -> Message:
    return render([ITEM], channel, ack_link=inbox, now=NOW)


def test_every_template_is_shipped_as_package_data() -> None:
    names = {"alert.subject.txt", "alert.email.html", *BODY_TEMPLATES.values()}
    assert names <= {p.name for p in TEMPLATES.iterdir()}


def test_a_template_in_the_override_directory_wins_and_the_others_stay_shipped(tmp_path: Path) -> None:
    write(tmp_path, "alert.sms.txt", "{% for m in mentions %}{{ m.brand }}! {{ m.reason }} {{ m.link }}{% endfor %}")
    write(tmp_path, "alert.subject.txt", "[mentions] {{ summary }}")

    sms = render([ITEM], "sms", ack_link=inbox, now=NOW, templates=tmp_path)
    email = render([ITEM], "email", ack_link=inbox, now=NOW, templates=tmp_path)

    assert sms.body == f"Acme Coffee! 1-star review on the App Store {inbox(42)}"
    assert email.title == "[mentions] 1-star review for Acme Coffee on the App Store"
    plain = shipped("email")
    assert email.body == plain.body
    assert email.html == plain.html.replace("<title>1-star", "<title>[mentions] 1-star")  # type: ignore[union-attr]


def test_an_override_can_include_the_shipped_template(tmp_path: Path) -> None:
    write(tmp_path, "alert.chat.txt", 'ACME ALERTS\n{% include "shipped/alert.chat.txt" %}')
    message = render([ITEM], "chat", ack_link=inbox, now=NOW, templates=tmp_path)
    assert message.body == "ACME ALERTS\n" + shipped("chat").body


def test_an_override_can_extend_the_shipped_email_and_replace_its_footer(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alert.email.html",
        '{% extends "shipped/alert.email.html" %}{% block footer %}<p>Acme Coffee, Kyoto</p>{% endblock %}',
    )
    message = render([ITEM], "email", ack_link=inbox, now=NOW, templates=tmp_path)
    plain = shipped("email").html
    assert message.html is not None and plain is not None
    assert "<p>Acme Coffee, Kyoto</p>" in message.html and "Sent by mention-monitor" not in message.html
    assert message.html.split("<p>Acme Coffee, Kyoto</p>")[0] == plain.split('<p style="margin:12px 4px')[0]


def test_values_reach_an_override_escaped_for_its_channel(tmp_path: Path) -> None:
    hostile = AlertItem(make_mention(7, text="<!channel> <script>x</script> @here"), "bad review", "why")
    write(tmp_path, "alert.slack.txt", "{% for m in mentions %}{{ m.excerpt }}{% endfor %}")
    write(tmp_path, "alert.email.html", "<p>{% for m in mentions %}{{ m.excerpt }}{% endfor %}</p>")
    slack = render([hostile], "slack", now=NOW, templates=tmp_path)
    email = render([hostile], "email", now=NOW, templates=tmp_path)
    assert slack.body == "&lt;\u200d!channel&gt; &lt;\u200dscript&gt;x&lt;\u200d/script&gt; @\u200dhere"
    # Escaped once, by escape.py, not a second time by autoescape.
    assert email.html == "<p>&lt;\u200d!channel&gt; &lt;\u200dscript&gt;x&lt;\u200d/script&gt; @\u200dhere</p>"


BROKEN = [
    pytest.param("{% for m in mentions %}{{ m.brand }", "line 1", id="syntax-error"),
    pytest.param("{{ m.nope }}", "alert.", id="undefined-name"),
    pytest.param("{% for m in mentions %}{{ m.brand.nope }}{% endfor %}", "line 1", id="undefined-attribute"),
    # The error's own message would quote the mention's text: the log must not.
    pytest.param("\n\n{% for m in mentions %}{{ {}[m.excerpt] }}{% endfor %}", "line 3", id="error-quoting-the-text"),
    pytest.param("{% for m in mentions %}{{ m.id // 0 }}{% endfor %}", "ZeroDivisionError", id="runtime-error"),
    pytest.param("{{ mentions.__class__.__mro__ }}", "SecurityError", id="sandbox-escape"),
    pytest.param("{{ ''.__class__.__subclasses__() }}", "alert.", id="sandbox-subclasses"),
    pytest.param('{% include "missing.txt" %}', "missing.txt", id="missing-include"),
    pytest.param(b"caf\xe9 {{ summary }}", "UnicodeDecodeError", id="not-utf-8"),
]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(("text", "said"), BROKEN)
def test_a_broken_override_falls_back_to_the_shipped_template_and_names_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, channel: Channel, text: str | bytes, said: str
) -> None:
    name = BODY_TEMPLATES[channel] if channel != "email" else "alert.email.html"
    path = write(tmp_path, name, text)
    caplog.set_level(logging.WARNING, logger="alerts.render")

    message = render([ITEM], channel, ack_link=inbox, now=NOW, templates=tmp_path)

    assert message == shipped(channel)
    [record] = [r for r in caplog.records if r.name == "alerts.render"]
    logged = record.getMessage()
    assert record.levelname == "WARNING"
    assert str(path) in logged and name in logged and said in logged
    assert "0xC0FFEE" not in logged and "Tanaka" not in logged


def test_a_broken_subject_falls_back_too(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "alert.subject.txt", "{{ summary")
    message = render([ITEM], "push", ack_link=inbox, now=NOW, templates=tmp_path)
    assert message == shipped("push")
    assert "alert.subject.txt" in caplog.text


def test_an_override_that_cannot_fit_its_channel_is_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "alert.sms.txt", "{{ 'Dear owner, ' * 40 }}{% for m in mentions %}{{ m.link }}{% endfor %}")
    message = render([ITEM], "sms", ack_link=inbox, now=NOW, templates=tmp_path)
    assert message == shipped("sms")
    assert len(message.body) <= 320
    assert "alert.sms.txt" in caplog.text and "320" in caplog.text


@pytest.mark.parametrize(
    ("name", "channel"),
    [("alert.subject.txt", "email"), ("alert.email.html", "email"), ("alert.push.txt", "push")],
)
def test_an_override_that_renders_nothing_is_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, channel: str
) -> None:
    write(tmp_path, name, "{# forgot everything #}\n  \n")
    message = render([ITEM], channel, ack_link=inbox, now=NOW, templates=tmp_path)
    assert message == shipped(channel)  # a destination would refuse an empty message, and the alert be lost
    assert name in caplog.text and "empty" in caplog.text


def test_an_override_directory_without_the_file_uses_the_shipped_one_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for channel in CHANNELS:
        assert render([ITEM], channel, ack_link=inbox, now=NOW, templates=tmp_path) == shipped(channel)
        assert render([ITEM], channel, ack_link=inbox, now=NOW, templates=tmp_path / "missing") == shipped(channel)
    assert not [r for r in caplog.records if r.name == "alerts.render"]


def test_an_edited_override_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "alert.subject.txt", "first {{ count }}")
    assert render([ITEM], "chat", now=NOW, templates=tmp_path).title == "first 1"
    path.write_text("second {{ count }} — a longer template", encoding="utf-8")
    import os

    os.utime(path, (path.stat().st_atime + 10, path.stat().st_mtime + 10))  # a new modification time, no sleep
    assert render([ITEM], "chat", now=NOW, templates=tmp_path).title == "second 1 — a longer template"
