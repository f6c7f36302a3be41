"""Alert messages per channel, from Jinja2 templates: alert items in, the text each kind of destination shows out.

    render(items, channel, now=..., ack_link=..., templates=None) -> Message(title, body, html)
    render_notice(title, text, channel)                           -> Message   an operator notice (broken, test)
    channel_for_url(apprise_url)        -> "email" | "slack" | "sms" | "push" | "chat" | "webhook"

Templates (alerts/templates/; a directory given as `templates` overrides them file by file, see below):

    alert.subject.txt   the title (e-mail subject, push/Slack/chat title), every channel but SMS; one line
    alert.email.html    the e-mail's HTML: one card per mention, single column, phone-first (autoescaped)
    alert.email.txt     the e-mail's plain text
    alert.push.txt      push (ntfy, Pushover...): per mention one line and the link
    alert.sms.txt       SMS: per mention one line and the link, at most 320 characters in all
    alert.slack.txt     Slack mrkdwn, one section block
    alert.chat.txt      chat services (Telegram, Discord, Teams...) and webhooks

Every template receives:

    summary        what the message is about: "2 bad reviews for Blue Bottle Kyoto", "1-star review for Acme
                   Coffee on Google", "3 mentions need an answer: Acme Coffee, Beta"
    count          how many mentions the message is about (int)
    mentions       the mentions shown (a list, maybe fewer than count), each with:
        id         the mention's number (int)
        reason     in plain words: "1-star review on Google", "complaint on Reddit, unanswered for 24 h"
        headline   the reason as a sentence start: "Negative post on Reddit"
        brand, source (the source's name in the config), where ("Google", "the web"), author, title, excerpt
                   (the text, cut to fit the channel), age ("3h ago"), rule (the rule's name)
        stars      "★☆☆☆☆", or "" without a rating;   rating  "1/5", or ""
        label      "negative", "neutral", "positive" or "unscored"
        escalation true when the rule is an "unanswered after" rule;  unanswered_for  "24 h", or ""
        due        when the answer is due ([response]), "10:00" today, "Mon 10:00", "Dec 9 10:00"; "" when none is
        overdue    true when that time has passed;  deadline  "due by Mon 10:00" / "past its deadline, due Mon 10:00"
        url        the original's address (http or https only), or None
        link       the signed link to the mention's page in the web inbox, or None without [web]
        command    the shell command that acknowledges it: "mention-monitor ack 42"
    shown, hidden  how many mentions are shown, and left out for lack of room (ints)
    more           "+3 more — list them: mention-monitor mentions list --status alerted", or "" when none is hidden
    list_command   the command that lists them
    sent_at        when the message was made, "2026-11-16T09:00+00:00"
    subject        the rendered title, for the body templates ("" for SMS, and in alert.subject.txt itself)

Every text value arrives already escaped for its channel (escape.py: cleaned, cut, pings and markdown links
defanged, then HTML- or Slack-escaped; the subject's as plain text with every @handle broken), so a template prints
it as it is; cutting or transforming it inside a template is not supported. In the HTML template the values are
markup-safe, so autoescape leaves them alone. Without [web] a mention's `link` is None and the shipped templates
show its `command` instead.

Overrides: `render(..., templates=DIR)` looks for each template first in DIR, then in the shipped directory, and
`shipped/NAME` always names the shipped one: `{% extends "shipped/alert.email.html" %}` replaces only its `card`
(one mention, `m`) or `footer` block, `{% include "shipped/alert.chat.txt" %}` adds around the shipped text.
Templates run in Jinja's sandbox with undefined names as errors. A template from DIR that fails (syntax, a missing
name, an error while rendering, an empty output or one that cannot fit its channel) is replaced by the shipped one
for that message, with a warning naming the file and the line, never the mention's text: an alert is never lost to
a typo.

Forms: SMS is one short body (no title, at most 320 characters); push has a short title and body; Slack is mrkdwn
that fits one section block; chat fits Discord's 2,000 characters. Mentions that do not fit are counted ("+N
more") with the command that lists them; excerpts get shorter first when that lets more mentions be shown (an
e-mail's down to half their length: a card without the customer's words is no use).
"""

from __future__ import annotations

import functools
import logging
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from alerts import escape, reasons
from monitor.model import Mention

log = logging.getLogger(__name__)

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
UTC_ZONE = ZoneInfo("UTC")
STARS = reasons.STARS
TEMPLATES = Path(__file__).with_name("templates")
SUBJECT_TEMPLATE = "alert.subject.txt"
HTML_TEMPLATE = "alert.email.html"
BODY_TEMPLATES: dict[Channel, str] = {
    "email": "alert.email.txt",
    "slack": "alert.slack.txt",
    "sms": "alert.sms.txt",
    "push": "alert.push.txt",
    "chat": "alert.chat.txt",
    "webhook": "alert.chat.txt",
}
HTML_MAX = 1_000_000  # characters of an e-mail's HTML; a longer override is replaced by the shipped template
# Gmail clips a message whose HTML is over 102 KB: the rest (the last cards, the "+N more" line, the footer) hides
# behind "View entire message". An e-mail lists as many cards as keep its HTML within this many UTF-8 bytes (with
# room for what the mail library adds); the others are counted in its "+N more" line.
EMAIL_HTML_BYTES = 90_000


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
    reason: str  # the rule engine's reason ("sentiment -0.71 <= -0.5"): stored and shown by the CLI, never here
    # The rule's "unanswered after" delay when it is an escalation rule: the owner reads "unanswered for 24 h".
    unanswered_after: timedelta | None = None
    # When the answer is due ([response], workflow.deadline), for a complaint that needs one: "due by Mon 10:00".
    due: datetime | None = None
    follow_up: bool = False  # a reminder that a resolved complaint is back for a follow-up


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
    field: int  # characters of brand, source, author, rule
    # Excerpts are not cut below this to show more mentions (only when not even one fits): fewer cards that say what
    # the customer wrote, the rest counted, rather than many that say nothing.
    keep_excerpt: int = 0


_FORMS: dict[Channel, _Form] = {
    "sms": _Form(title_max=0, body_max=320, items_max=3, excerpt=60, field=30),
    "push": _Form(title_max=100, body_max=1000, items_max=5, excerpt=120, field=40),
    # Apprise puts a Slack body in one section block, whose text Slack caps at 3,000 characters.
    "slack": _Form(title_max=150, body_max=3000, items_max=10, excerpt=200, field=60),
    # Discord's 2,000-character message is the tightest of the chat services.
    "chat": _Form(title_max=200, body_max=1900, items_max=10, excerpt=200, field=60),
    "webhook": _Form(title_max=200, body_max=16000, items_max=50, excerpt=500, field=80),
    # A card's words stay short enough for its button to show on a phone without scrolling; the inbox has the rest.
    "email": _Form(title_max=150, body_max=200_000, items_max=100, excerpt=300, field=80, keep_excerpt=150),
}

# Makes the signed, expiring link to a mention's page in the web inbox (from its id), when the daemon serves one.
MentionLink = Callable[[int], str]

# Escaping per channel, applied to every text value a template receives (see escape.py for what each does).
_Escape = Callable[[str], str]


def _html_value(text: str) -> str:
    return Markup(escape.html(text))  # noqa: S704 - escape.html has escaped it: autoescape must not do it twice


_ESCAPES: dict[Channel, _Escape] = {
    "email": escape.defang,
    "webhook": escape.defang,
    "chat": escape.defang_handles,
    "push": escape.defang_handles,
    "sms": escape.defang_handles,
    "slack": escape.slack,
}


@dataclass(frozen=True)
class _Facts:
    """One mention's fields, cleaned and cut to the form's sizes, not yet escaped for a channel."""

    id: int
    reason: reasons.Reason
    brand: str
    source: str
    author: str
    title: str
    excerpt: str
    age: str
    rule: str
    stars: str
    rating: str
    label: str
    url: str | None
    link: str | None  # our own signed link (trusted: we made it), when the daemon serves one
    command: str
    due: str  # "10:00" today, "Mon 10:00" this week, "Dec 9 10:00"; "" when no answer is due
    overdue: bool

    def values(self, esc: _Escape) -> dict[str, Any]:
        """What a template gets for this mention, every text escaped with `esc`."""
        return {
            "id": self.id,
            "reason": esc(self.reason.phrase),
            "headline": esc(self.reason.headline),
            "where": esc(self.reason.where),
            "escalation": bool(self.reason.unanswered_for),
            "unanswered_for": esc(self.reason.unanswered_for),
            "brand": esc(self.brand),
            "source": esc(self.source),
            "author": esc(self.author),
            "title": esc(self.title),
            "excerpt": esc(self.excerpt),
            "age": esc(self.age),
            "rule": esc(self.rule),
            "stars": esc(self.stars),
            "rating": esc(self.rating),
            "label": esc(self.label),
            "url": esc(self.url) if self.url else None,
            "link": esc(self.link) if self.link else None,
            "command": esc(self.command),
            "due": esc(self.due),
            "overdue": self.overdue,
            "deadline": esc(_deadline(self.due, self.overdue)),
        }


def _deadline(due: str, overdue: bool) -> str:
    """ "due by Mon 10:00", or for an answer already late "past its deadline, due Mon 10:00"."""
    if not due:
        return ""
    return f"past its deadline, due {due}" if overdue else f"due by {due}"


def due_words(due: datetime, now: datetime, zone: ZoneInfo) -> str:
    """When, as a phone says it, in the configured zone: "10:00" today, "Mon 10:00" within a week, else
    "Dec 9 10:00"."""
    local, today = due.astimezone(zone), now.astimezone(zone)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if abs((local.date() - today.date()).days) < 7:
        return f"{local:%a %H:%M}"
    return f"{local:%b} {local.day} {local:%H:%M}"


def _stars(mention: Mention) -> tuple[str, str]:
    count = reasons.stars(mention)
    if count is None or mention.rating is None:
        return "", ""
    return "★" * count + "☆" * (STARS - count), f"{mention.rating:g}/{mention.rating_scale or STARS:g}"


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


@dataclass(frozen=True)
class _Options:
    form: _Form
    ack_command: str
    ack_link: MentionLink | None
    now: datetime
    zone: ZoneInfo


def _facts(item: AlertItem, reason: reasons.Reason, brand: str, excerpt: int, o: _Options) -> _Facts:
    mention = item.mention
    assert mention.id is not None  # render() checked
    text = mention.text or mention.title
    shown_stars, rating = _stars(mention)
    return _Facts(
        id=mention.id,
        reason=reason,
        brand=brand,
        source=escape.field(mention.source, o.form.field),
        author=escape.field(mention.author, o.form.field),
        title=escape.field(mention.title, o.form.excerpt) if mention.text and mention.title else "",
        excerpt=escape.field(text, excerpt),
        age=_age(mention.published_at, o.now),
        rule=escape.field(item.rule, o.form.field),
        stars=shown_stars,
        rating=rating,
        label=mention.label,
        url=escape.safe_url(mention.url),
        link=escape.safe_url(o.ack_link(mention.id)) if o.ack_link else None,
        command=escape.one_line(o.ack_command.replace("{id}", str(mention.id))),
        due=due_words(item.due, o.now, o.zone) if item.due is not None else "",
        overdue=item.due is not None and item.due <= o.now,
    )


# --- templates ---------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _environment(folder: Path | None) -> SandboxedEnvironment:
    """The shipped templates, or `folder`'s over them. Cached: Jinja keeps compiled templates per environment and
    reloads a file that changed on disk."""
    shipped = jinja2.FileSystemLoader(TEMPLATES, encoding="utf-8")
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"shipped": shipped})]
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(folder, encoding="utf-8"))
    loaders.append(shipped)
    return SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )


class _Templates:
    """The templates for one message: an override that fails is reported once and the shipped one used instead."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.broken: set[str] = set()

    def render(self, name: str, context: Mapping[str, Any], problem: Callable[[str], str] = lambda _: "") -> str:
        """Template `name` rendered; an override's output is refused when `problem(output)` names one."""
        if self.folder is not None and name not in self.broken:
            try:
                text = _environment(self.folder).get_template(name).render(context)
            except Exception as exc:  # noqa: BLE001 - an owner's template may fail in any way; the alert must go
                self.reject(name, _what_failed(exc, self.folder, name))
            else:
                trouble = problem(text) if self.overridden(name) else ""
                if not trouble:
                    return text
                self.reject(name, f"{self.folder / name}: {trouble}")
        return _environment(None).get_template(name).render(context)

    def overridden(self, name: str) -> bool:
        return self.folder is not None and name not in self.broken and (self.folder / name).is_file()

    def reject(self, name: str, why: str) -> None:
        """`why` starts with the file (and line) at fault."""
        self.broken.add(name)
        log.warning("alert template %s; using the shipped %s for this message", why, name)


def _what_failed(exc: Exception, folder: Path, name: str) -> str:
    """Which file and line failed, and how, without the exception's message when it could quote a mention."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        # About the template's own source, never about the data it was given.
        return f"{exc.filename or folder / name}, line {exc.lineno}: {exc.message}"
    where = str(folder / name)
    root = folder.resolve()
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and Path(frame.filename).resolve().is_relative_to(root):
            where = f"{frame.filename}, line {frame.lineno}"
            break
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"{where}: template {exc.name!r} not found"
    return f"{where}: {type(exc).__name__} while rendering"


_BLANK_RUNS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Text templates' whitespace: no trailing spaces, at most one blank line in a row, none at the ends."""
    return _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


# --- putting a message together ----------------------------------------------------------------------------------


def _more_line(hidden: int) -> str:
    return f"+{hidden:,} more — list them: {LIST_COMMAND}" if hidden else ""


def render(
    items: Sequence[AlertItem],
    channel: str,
    *,
    ack_command: str = "mention-monitor ack {id}",
    ack_link: MentionLink | None = None,
    now: datetime,
    templates: Path | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> Message:
    """One message for a group of alert items, in the form of `channel` (one of CHANNELS), from the shipped
    templates or those in the `templates` directory; times (an answer's due time) in `zone`."""
    if not items:
        raise ValueError("render() needs at least one alert item")
    name, form = _form(channel)
    if any(item.mention.id is None for item in items):
        raise ValueError("a mention must be stored (have an id) before it is alerted on")
    options = _Options(form, ack_command, ack_link, now, zone)
    said = [
        (
            reasons.reason_for(i.mention, i.unanswered_after, follow_up=i.follow_up),
            escape.field(i.mention.brand, form.field),
        )
        for i in items
    ]
    summary = reasons.summary(said)
    loader = _Templates(templates)
    common = {"count": len(items), "list_command": LIST_COMMAND, "sent_at": now.isoformat(timespec="minutes")}

    @functools.cache
    def facts(index: int, excerpt: int) -> _Facts:
        reason, brand = said[index]
        return _facts(items[index], reason, brand, excerpt, options)

    def context(shown: int, excerpt: int, esc: _Escape, base: Mapping[str, Any]) -> dict[str, Any]:
        hidden = len(items) - shown
        return {
            **base,
            "mentions": [facts(i, excerpt).values(esc) for i in range(shown)],
            "shown": shown,
            "hidden": hidden,
            "more": esc(_more_line(hidden)),
        }

    title = ""
    if form.title_max:
        # Plain text with pings and handles defanged: it shows as a notification's first line, unescaped.
        plain = escape.defang_handles
        first = min(len(items), form.items_max)
        subject_base = {**common, "summary": plain(summary), "subject": ""}
        subject = loader.render(SUBJECT_TEMPLATE, context(first, form.excerpt, plain, subject_base), _no_title)
        title = escape.truncate(escape.one_line(subject), form.title_max)
    esc = _ESCAPES[name]
    base = {**common, "summary": esc(summary), "subject": esc(title)}

    template = BODY_TEMPLATES[name]

    html_base = {**common, "summary": _html_value(summary), "subject": _html_value(title)}

    @functools.cache
    def html_at(shown: int, excerpt: int) -> str:
        return loader.render(HTML_TEMPLATE, context(max(shown, 1), excerpt, _html_value, html_base), _no_html)

    def body_at(shown: int, excerpt: int) -> str | None:
        body = _tidy(loader.render(template, context(shown, excerpt, esc, base), _no_text))
        if len(body) > form.body_max:
            return None
        if name == "email" and len(html_at(shown, excerpt).encode("utf-8", "surrogatepass")) > EMAIL_HTML_BYTES:
            return None
        return body

    shown, excerpt, body = _pack(len(items), form, body_at)
    if not shown and loader.overridden(template):
        loader.reject(
            template, f"{templates}/{template}: no mention fits in the {name} channel's {form.body_max:,} characters"
        )
        shown, excerpt, body = _pack(len(items), form, body_at)
    if not shown:
        body = _last_resort(facts(0, 0), len(items), form, esc)
    if name != "email":
        return Message(title, body)
    return Message(title, body, html_at(shown, excerpt))


# What makes an override's output unusable (a destination refuses an empty message: the alert would be lost).
def _no_title(text: str) -> str:
    return "" if escape.one_line(text) else "the subject is empty"


def _no_text(text: str) -> str:
    return "" if text.strip() else "the message is empty"


def _no_html(text: str) -> str:
    if len(text) > HTML_MAX:
        return f"longer than {HTML_MAX:,} characters"
    return _no_text(text)


def _pack(count: int, form: _Form, body_at: Callable[[int, int], str | None]) -> tuple[int, int, str]:
    """The most mentions (then the longest excerpt) whose message fits the form: (shown, excerpt, body), from
    `body_at(shown, excerpt)` (None: does not fit). (0, 0, "") when not even one mention fits."""
    most = min(count, form.items_max)
    excerpts = tuple(dict.fromkeys((form.excerpt, form.excerpt // 2, 20, 0)))
    kept = tuple(e for e in excerpts if e >= form.keep_excerpt)
    best = _best(most, kept, body_at)
    return best if best[0] or kept == excerpts else _best(most, excerpts, body_at)


def _best(most: int, excerpts: tuple[int, ...], body_at: Callable[[int, int], str | None]) -> tuple[int, int, str]:
    """`_pack` among these excerpt lengths (longest first)."""
    for excerpt in excerpts:  # every mention, with the longest excerpt that lets them all fit: a render each
        whole = body_at(most, excerpt)
        if whole is not None:
            return most, excerpt, whole
    best: tuple[int, int, str] = (0, 0, "")
    for excerpt in excerpts:  # not all of them fit: the most that do, at each excerpt length
        shown, body = _most_below(most, excerpt, body_at)
        if shown > best[0]:
            best = (shown, excerpt, body)
    return best


def _most_below(most: int, excerpt: int, body_at: Callable[[int, int], str | None]) -> tuple[int, str]:
    """The largest n below `most` (which does not fit) whose message fits (a message grows with n), found in few
    renders; (0, "") when not even one does."""
    low, low_body, high = 0, "", most  # low fits (0: nothing yet), high does not
    while high - low > 1:
        middle = (low + high) // 2
        text = body_at(middle, excerpt)
        if text is not None:
            low, low_body = middle, text
        else:
            high = middle
    return low, low_body


def _last_resort(first: _Facts, count: int, form: _Form, esc: _Escape) -> str:
    """Not even one mention fits with its shortest excerpt: its number and how to open or acknowledge it, whole
    when there is room (a cut link or command is no use), then as much of the reason as fits."""
    more = esc(_more_line(count - 1))
    room = max(form.body_max - (len(more) + 1 if more else 0), 0)
    head, action = esc(f"#{first.id} "), esc(f" — Open: {first.link}" if first.link else f" — Ack: {first.command}")
    if len(head) + len(action) <= room:
        line = head + _fit(first.reason.phrase, room - len(head) - len(action), esc) + action
    else:
        line = _fit(f"#{first.id} Ack: {first.command}", room, esc)
    return f"{line}\n{more}" if more else line


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
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape.html(title_out)}</title></head>"
        '<body style="margin:0;padding:0;">'
        '<div style="max-width:600px;margin:0 auto;padding:16px;font-family:Arial,Helvetica,sans-serif;'
        'font-size:16px;line-height:1.45;color:#1f1f1f;overflow-wrap:anywhere;word-break:break-word;">'
        f'<h1 style="font-size:20px;margin:0 0 12px 0;">{escape.html(title_out)}</h1>{paragraphs}</div></body></html>'
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


def shown_at_most(channel: str) -> int:
    """How many mentions one message of `channel` lists at most (its form's items_max); more are counted, "+N more".
    Delivery groups alerts by it (alerts/delivery.py)."""
    return _form(channel)[1].items_max


def _form(channel: str) -> tuple[Channel, _Form]:
    for name in CHANNELS:
        if name == channel:
            return name, _FORMS[name]
    raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
