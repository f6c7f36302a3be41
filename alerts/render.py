"""Alert messages per channel: pure functions from alert items to the text each kind of destination shows.

    render(items, channel, now=...)   -> Message(title, body, html)     one message for a group of mentions
    render_notice(title, text, channel) -> Message                       an operator notice (broken/healed, test)
    channel_for_url(apprise_url)      -> "email" | "slack" | "sms" | "push" | "chat" | "webhook"

Forms: SMS is one short body (no title, at most 320 characters); push has a short title and body; Slack is mrkdwn
that fits one section block; email has a subject, a plain-text body and an HTML body (inline CSS, a table, no
scripts, no external resources); chat and webhook destinations get the plain-text form.

Every message carries each shown mention's id and the exact command that acknowledges it; mentions that do not fit
are counted ("+N more") with the command that lists them. Every field of a mention is untrusted: see escape.py for
what is done to it, in which order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Literal

from alerts import escape
from monitor.model import Mention

Channel = Literal["email", "slack", "sms", "push", "chat", "webhook"]
CHANNELS: tuple[Channel, ...] = ("email", "slack", "sms", "push", "chat", "webhook")

# Apprise URL schemes by the kind of message their service can show. Unknown schemes get the plain "chat" form.
_SCHEMES: dict[Channel, frozenset[str]] = {
    "email": frozenset(
        (
            "mailto mailtos email ses sendgrid mailgun sparkpost resend smtp2go brevo postmark mailersend "
            "sendpulse o365 azure"
        ).split()
    ),
    "slack": frozenset({"slack"}),
    "sms": frozenset(
        (
            "twilio sns vonage nexmo clicksend msgbird messagebird plivo sinch bulksms bulkvs d7sms kavenegar "
            "msg91 burstsms smseagle smseagles httpsms atalk 46elks elks seven smsmgr voipms clickatell "
            "freemobile telnyx infobip exotel ringcentral rcs signalgrid smsc africastalking dapnet aprs"
        ).split()
    ),
    "push": frozenset(
        (
            "ntfy ntfys pover pushover gotify gotifys fcm pbul pushbullet pjet pjets prowl join bark barks "
            "spush pushed pushy psafer psafers pushdeer pushdeers pushme pushplus simplepush onesignal "
            "kumulos lametric lametrics parsep parseps notica wpush chanify serverchan schan wxpusher gorush "
            "gorushs opsgenie pagerduty signl4 techulus"
        ).split()
    ),
    "chat": frozenset(
        (
            "tgram discord msteams workflow workflows matrix matrixs mmost mmosts rocket rockets zulip gchat "
            "signal signals whatsapp line wxteams webex guilded revolt ryver twist flock mastodon toot "
            "misskey bluesky nctalk nctalks threema xmpp xmpps irc ircs lark feishu dingtalk wecombot qq kook "
            "zoom viber groupme humhub humhubs stackfield"
        ).split()
    ),
    "webhook": frozenset(("json jsons xml xmls form forms apprise apprises").split()),
}

LIST_COMMAND = "mention-monitor mentions list --status alerted"
STARS = 5


def channel_for_url(apprise_url: str) -> Channel:
    """The message form an Apprise URL's service can show, by its scheme (`mailtos://...` -> "email")."""
    scheme = apprise_url.split("://", 1)[0].strip().lower() if "://" in apprise_url else ""
    for channel, schemes in _SCHEMES.items():
        if scheme in schemes:
            return channel
    return "chat"


@dataclass(frozen=True)
class AlertItem:
    mention: Mention
    rule: str
    reason: str  # "sentiment -0.71 <= -0.5"


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    html: str | None = None  # only for email
    # The same for every attempt to send this message, including one after a crash: the receiving side can tell a
    # repeat (HTTP `Idempotency-Key`, e-mail `X-Mention-Monitor-Key`). Empty for messages outside the outbox.
    key: str = ""


@dataclass(frozen=True)
class _Form:
    title_max: int  # 0: the form has no title (SMS)
    body_max: int
    items_max: int
    excerpt: int  # characters of the mention's text shown per item
    field: int  # characters of brand, source, author, rule, reason


_FORMS: dict[Channel, _Form] = {
    "sms": _Form(title_max=0, body_max=320, items_max=3, excerpt=60, field=30),
    "push": _Form(title_max=100, body_max=1000, items_max=5, excerpt=120, field=40),
    # Apprise puts a Slack body in one section block, whose text Slack caps at 3,000 characters.
    "slack": _Form(title_max=150, body_max=3000, items_max=10, excerpt=200, field=60),
    # Discord's 2,000-character message is the tightest of the chat services.
    "chat": _Form(title_max=200, body_max=1900, items_max=10, excerpt=200, field=60),
    "webhook": _Form(title_max=200, body_max=16000, items_max=50, excerpt=500, field=80),
    "email": _Form(title_max=150, body_max=200_000, items_max=100, excerpt=1000, field=80),
}


# Makes the signed "acknowledge" link for a mention id (monitor.service.web.Signer.link), when the daemon serves them.
AckLink = Callable[[int], str]


@dataclass(frozen=True)
class _Facts:
    """One mention's fields, cleaned and truncated but not yet escaped."""

    id: int
    brand: str
    score: str
    source: str
    author: str
    title: str
    excerpt: str
    url: str | None
    rule: str
    reason: str
    age: str
    ack: str
    ack_url: str | None  # our own signed link (trusted: we made it), when the daemon serves one


def _score(mention: Mention) -> str:
    if mention.rating is not None:
        scale = mention.rating_scale or float(STARS)
        stars = max(0, min(STARS, round(mention.rating / scale * STARS))) if scale > 0 else 0
        return f"{'★' * stars}{'☆' * (STARS - stars)} {mention.rating:g}/{scale:g}"
    if mention.sentiment is not None:
        return f"{mention.label} {mention.sentiment:+.2f}"
    return "unscored"


def _age(published: datetime, now: datetime) -> str:
    if (published.tzinfo is None) != (now.tzinfo is None):
        return ""
    seconds = (now - published).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return ""  # pragma: no cover - unreachable


def _facts(
    item: AlertItem, form: _Form, ack_command: str, now: datetime, excerpt: int, ack_link: AckLink | None
) -> _Facts:
    mention = item.mention
    if mention.id is None:
        raise ValueError("a mention must be stored (have an id) before it is alerted on")
    text = mention.text or mention.title
    return _Facts(
        id=mention.id,
        brand=escape.field(mention.brand, form.field),
        score=_score(mention),
        source=escape.field(mention.source, form.field),
        author=escape.field(mention.author, form.field),
        title=escape.field(mention.title, form.excerpt) if mention.text and mention.title else "",
        excerpt=escape.field(text, excerpt),
        url=escape.safe_url(mention.url),
        rule=escape.field(item.rule, form.field),
        reason=escape.field(item.reason, form.field * 2),
        age=_age(mention.published_at, now),
        ack=escape.one_line(ack_command.replace("{id}", str(mention.id))),
        ack_url=escape.safe_url(ack_link(mention.id)) if ack_link else None,
    )


# --- one item, per form ------------------------------------------------------------------------------------------


def _plain_item(f: _Facts, defang: Callable[[str], str]) -> str:
    head = " — ".join(p for p in (f"#{f.id} {defang(f.brand)}", f.score) if p)
    where = ", ".join(p for p in (defang(f.source), f"by {defang(f.author)}" if f.author else "", f.age) if p)
    lines = [f"{head} — {where}"]
    if f.title:
        lines.append(defang(f.title))
    if f.excerpt:
        lines.append(f"“{defang(f.excerpt)}”")
    lines.append(f.url or "(no web link)")
    lines.append(f"Rule: {defang(f.rule)} ({defang(f.reason)})")
    lines.append(f"Acknowledge: {f.ack}" + (f" or open {f.ack_url}" if f.ack_url else ""))
    return "\n".join(lines)


def _sms_item(f: _Facts) -> str:
    parts = [f"#{f.id} {escape.defang_handles(f.brand)} {f.score} {escape.defang_handles(f.source)}"]
    if f.excerpt:
        parts.append(f"“{escape.defang_handles(f.excerpt)}”")
    if f.url:
        parts.append(f.url)
    parts.append(f"Ack: {f.ack_url or f.ack}")
    return " ".join(parts)


def _slack_item(f: _Facts) -> str:
    s = escape.slack
    where = " · ".join(p for p in (s(f.source), f"by {s(f.author)}" if f.author else "", f.age) if p)
    lines = [f"*#{f.id} {s(f.brand)}* · {f.score} · {where}"]
    if f.title:
        lines.append(f"*{s(f.title)}*")
    if f.excerpt:
        lines.append(f"“{s(f.excerpt)}”")
    # A bare URL: Slack links it with the URL itself as the text. `&` must still be escaped inside it.
    lines.append(s(f.url) if f.url else "(no web link)")
    lines.append(f"_Rule:_ {s(f.rule)} ({s(f.reason)})")
    lines.append(f"Acknowledge: `{s(f.ack)}`" + (f" or {s(f.ack_url)}" if f.ack_url else ""))
    return "\n".join(lines)


_BODY_STYLE = ' style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222222;"'
_TD = "padding:6px 8px;border:1px solid #dddddd;vertical-align:top;text-align:left;"


def _html_row(f: _Facts) -> str:
    h = escape.html
    link = (
        f'<a href="{h(f.url)}" style="color:#1a5fb4;word-break:break-all;">{h(f.url)}</a>' if f.url else "(no web link)"
    )
    title = f"<strong>{h(f.title)}</strong><br>" if f.title else ""
    ack_link = f'<br><a href="{h(f.ack_url)}" style="color:#1a5fb4;">{h(f.ack_url)}</a>' if f.ack_url else ""
    who = h(f.source) + (f"<br>by {h(f.author)}" if f.author else "") + (f"<br>{h(f.age)}" if f.age else "")
    return (
        f'<tr><td style="{_TD}">#{f.id}</td><td style="{_TD}">{h(f.brand)}</td>'
        f'<td style="{_TD}white-space:nowrap;">{h(f.score)}</td><td style="{_TD}">{who}</td>'
        f'<td style="{_TD}">{title}{h(f.excerpt)}<br>{link}<br>'
        f'<em style="color:#555555;">Rule: {h(f.rule)} ({h(f.reason)})</em></td>'
        f'<td style="{_TD}"><code style="white-space:nowrap;">{h(f.ack)}</code>{ack_link}</td></tr>'
    )


# --- packing items into a budget ---------------------------------------------------------------------------------


def _more_line(hidden: int) -> str:
    return f"+{hidden:,} more — list them: {LIST_COMMAND}"


def _pack(
    items: Sequence[AlertItem],
    form: _Form,
    render_one: Callable[[_Facts], str],
    facts: Callable[[AlertItem, int], _Facts],
    *,
    header: str,
    sep: str,
    budget: int,
) -> tuple[list[str], int]:
    """Render items in order while they fit `budget` (keeping room for the "+N more" line); return the rendered
    items and how many were left out. Excerpts get shorter when that lets more mentions be shown."""
    best: list[str] = []
    for excerpt in dict.fromkeys((form.excerpt, form.excerpt // 2, 20, 0)):
        shown = _pack_with(items, form, partial(_render_at, render_one, facts, excerpt), header, sep, budget)
        if len(shown) > len(best):
            best = shown
        if len(best) == min(len(items), form.items_max):
            break
    if not best:  # not even the smallest form of the first mention fits: its id and the command, at least
        f = facts(items[0], 0)
        reserve = len(sep) + len(_more_line(len(items))) if len(items) > 1 else 0
        best = [escape.truncate(f"#{f.id} Ack: {f.ack}", max(budget - len(header) - len(sep) - reserve, 0))]
    return best, len(items) - len(best)


def _render_at(
    render_one: Callable[[_Facts], str], facts: Callable[[AlertItem, int], _Facts], excerpt: int, item: AlertItem
) -> str:
    return render_one(facts(item, excerpt))


def _pack_with(
    items: Sequence[AlertItem],
    form: _Form,
    render_one: Callable[[AlertItem], str],
    header: str,
    sep: str,
    budget: int,
) -> list[str]:
    reserve = len(sep) + len(_more_line(len(items))) if len(items) > 1 else 0
    used = len(header)
    shown: list[str] = []
    for index, item in enumerate(items[: form.items_max]):
        gap = len(sep) if shown or header else 0
        room = budget - used - gap - (reserve if index < len(items) - 1 else 0)
        block = render_one(item)
        if len(block) > room:
            break
        shown.append(block)
        used += gap + len(block)
    return shown


def _title(items: Sequence[AlertItem], form: _Form) -> str:
    first = items[0].mention
    if len(items) == 1:
        raw = f"{escape.field(first.brand, form.field)}: {_score(first)} on {escape.field(first.source, form.field)}"
    else:
        brands = list(dict.fromkeys(escape.field(i.mention.brand, form.field) for i in items[:20]))
        raw = f"{len(items):,} mentions need attention: {', '.join(brands)}"
    return escape.truncate(escape.defang_handles(raw), form.title_max)


def render(
    items: Sequence[AlertItem],
    channel: str,
    *,
    ack_command: str = "mention-monitor ack {id}",
    ack_link: AckLink | None = None,
    now: datetime,
) -> Message:
    """One message for a group of alert items, in the form of `channel` (one of CHANNELS)."""
    if not items:
        raise ValueError("render() needs at least one alert item")
    channel, form = _form(channel)

    def facts(item: AlertItem, excerpt: int) -> _Facts:
        return _facts(item, form, ack_command, now, excerpt, ack_link)

    count = len(items)
    header = "" if count == 1 else f"{count:,} mentions need attention:"
    if channel == "sms":
        shown, hidden = _pack(items, form, _sms_item, facts, header=header, sep="\n", budget=form.body_max)
        body = "\n".join([header, *shown] if header else shown)
        if hidden:
            body += "\n" + _more_line(hidden)
        return Message("", escape.truncate(body, form.body_max))

    title = _title(items, form)
    if channel == "slack":
        header = f"*{header}*" if header else ""
        shown, hidden = _pack(items, form, _slack_item, facts, header=header, sep="\n\n", budget=form.body_max)
        parts = ([header] if header else []) + shown + ([escape.slack(_more_line(hidden))] if hidden else [])
        return Message(title, "\n\n".join(parts))

    defang = escape.defang_handles if channel in ("chat", "push") else escape.defang
    shown, hidden = _pack(
        items, form, lambda f: _plain_item(f, defang), facts, header=header, sep="\n\n", budget=form.body_max
    )
    parts = ([header] if header else []) + shown + ([_more_line(hidden)] if hidden else [])
    body = "\n\n".join(parts)
    if channel != "email":
        return Message(title, body)

    rows = [_html_row(facts(item, form.excerpt)) for item in items[: len(shown)]]
    return Message(title, body, _html_document(title, header or "A mention needs attention:", rows, hidden, now))


def _html_document(title: str, heading: str, rows: Sequence[str], hidden: int, now: datetime) -> str:
    th = "padding:6px 8px;border:1px solid #dddddd;background:#f4f4f4;text-align:left;"
    head = "".join(
        f'<th style="{th}">{name}</th>' for name in ("ID", "Brand", "Score", "Source", "Mention", "Acknowledge")
    )
    more = f'<p style="margin:12px 0;">{escape.html(_more_line(hidden))}</p>' if hidden else ""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape.html(title)}</title></head>"
        f"<body{_BODY_STYLE}>"
        f'<h1 style="font-size:18px;margin:0 0 12px 0;">{escape.html(heading)}</h1>'
        f'<table style="border-collapse:collapse;width:100%;"><tr>{head}</tr>\n' + "\n".join(rows) + f"</table>{more}"
        f'<p style="margin:12px 0;color:#777777;font-size:12px;">Sent by mention-monitor at '
        f"{escape.html(now.isoformat(timespec='minutes'))}.</p></body></html>"
    )


def render_notice(title: str, text: str, channel: str) -> Message:
    """An operator notice (a destination broken or healed, a test alert) in the form of `channel`."""
    name, form = _form(channel)
    defang = escape.defang_handles if name in ("chat", "push", "sms") else escape.defang
    clean_title = escape.field(title, max(form.title_max, 100))
    text = escape.paragraph(text[: form.body_max * 8 + 1024])
    if name == "sms":
        return Message("", _fit(f"{clean_title}: {text}", form.body_max, defang))
    title_out = _fit(clean_title, form.title_max, defang)
    if name == "slack":
        return Message(title_out, _fit(text, form.body_max, escape.slack))
    body = _fit(text, form.body_max, defang)
    if name != "email":
        return Message(title_out, body)
    paragraphs = "".join(
        f'<p style="margin:0 0 12px 0;">{escape.html(p).replace(chr(10), "<br>")}</p>' for p in body.split("\n\n")
    )
    html = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape.html(title_out)}</title></head>"
        f"<body{_BODY_STYLE}>"
        f'<h1 style="font-size:18px;margin:0 0 12px 0;">{escape.html(title_out)}</h1>{paragraphs}</body></html>'
    )
    return Message(title_out, body, html)


def _fit(text: str, budget: int, esc: Callable[[str], str]) -> str:
    """`esc(truncate(text, n))` for the largest n whose result fits `budget` (escaping can only lengthen text)."""
    whole = esc(text)
    if len(whole) <= budget:
        return whole
    low, high = 0, min(len(text), budget)
    while low < high:
        mid = (low + high + 1) // 2
        if len(esc(escape.truncate(text, mid))) <= budget:
            low = mid
        else:
            high = mid - 1
    return esc(escape.truncate(text, low))


def _form(channel: str) -> tuple[Channel, _Form]:
    if channel not in _FORMS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    return channel, _FORMS[channel]
