"""The digest as an email (HTML) and as plain text: pure functions from `DigestData` to strings.

The HTML is built for mail clients, not browsers: nested tables for layout, inline `style` attributes only (Gmail
and Outlook drop <style> blocks in places), no scripts, no web fonts, no external images. The chart is given as
an `<img src>` chosen by the caller: `cid:<file>` for an email that carries the PNG as an inline part, a `data:`
URI for a preview file (Gmail blocks data: images in mail, browsers show them).

Every string that came from the internet (titles, texts, authors, URLs, theme phrases) or from the config is
cleaned of control and bidi characters and escaped here, as the last step (see alerts/escape.py). Links are only
http(s) URLs that `escape.safe_url` accepted, and their text is a fixed label, so a mention cannot show one address
and point to another.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from alerts import escape
from alerts.digest.figures import LABELS, Complaint, DigestData, PeriodFigures, Quote, period_unit

CHART_ALT = "Daily mentions by sentiment, with the average star rating"
LIST_COMMAND = "mention-monitor mentions list --status new"
FONT = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,'Hiragino Sans','Noto Sans CJK JP',sans-serif"
LABEL_COLOURS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#2e86c1", "unscored": "#aab7b8"}
NO_CHART = "(chart not drawn: matplotlib is not installed)"
FULL_DIGEST = "mention-monitor digest"
# The most text a channel's message takes (counted in UTF-16 units, as Slack and Discord count). Apprise puts a
# Slack body in one section block, whose text Slack caps at 3,000; Discord's 2,000 is the tightest chat service.
TEXT_MAX: dict[str, int] = {"slack": 3000, "chat": 1900, "push": 1000, "sms": 320, "webhook": 16000}


class Inline(NamedTuple):
    """A file carried inside the email and shown in place (`<img src="cid:filename">`)."""

    filename: str
    mimetype: str
    data: bytes


# ------------------------------------------------------------------------------------------------ shared wording


def title(datas: Sequence[DigestData]) -> str:
    first = datas[0]
    names = ", ".join(escape.one_line(d.brand) for d in datas[:3]) + (" and more" if len(datas) > 3 else "")
    unit = period_unit(first.period)
    kind = "Weekly" if unit == "week" else ("Daily" if unit == "day" else "Mention")
    return escape.truncate(f"{kind} digest for {names}: {span(first)}", 150)


def span(data: DigestData) -> str:
    zone = ZoneInfo(data.zone)
    start = data.current.start.astimezone(zone)
    end = data.current.end.astimezone(zone)
    if end - start <= timedelta(days=1):
        return f"{start:%a %d %b %Y %H:%M} – {end:%H:%M}"
    return f"{start:%a %d %b %H:%M} – {end:%a %d %b %Y %H:%M}"


def age(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def pct(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def _stars(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}★"


def _usual(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def answer_lines(data: DigestData) -> list[str]:
    a = data.answers
    if not a.considered:
        return ["no mentions to answer this period"]
    median = age(a.median_first_response) if a.median_first_response is not None else "–"
    lines = [
        f"answered within the promise: {a.within_promise} of {a.due} ({pct(a.share_within_promise)}; {a.promise})",
        f"median time to first response: {median} (over {a.answered} answered)",
        f"resolved: {pct(a.resolved_share)} ({a.resolved} of {a.considered})",
    ]
    if a.followed_up:
        lines.append(f"follow-ups done: {a.followed_up}")
    return lines


def complaint_line(c: Complaint, unit: str) -> str:
    """ "waiting: 7 negative mentions, up from 2.3 a week usually (3 the previous week)"."""
    t = c.theme
    head = f"{t.title}: {t.count} negative mention{'s' if t.count != 1 else ''}"
    if t.new:
        return f"{head}, new (none the previous {unit}, none usually)"
    trend = {"up": "up from", "down": "down from", "about the same": "about the same as"}[t.trend()]
    return f"{head}, {trend} {_usual(t.usual)} a {unit} usually ({t.previous} the previous {unit})"


def _local(when: datetime, zone: str) -> str:
    return f"{when.astimezone(ZoneInfo(zone)):%a %d %b %H:%M}"


def _quote_meta(q: Quote, zone: str) -> str:
    parts = [_stars(q.stars), q.source, f"by {q.author}" if q.author else "", _local(q.published_at, zone)]
    if q.mention_id is not None:
        parts.append(f"#{q.mention_id}")
    return " · ".join(p for p in parts if p)


# ------------------------------------------------------------------------------------------------ HTML


def _h(text: str) -> str:
    """Untrusted text for HTML: controls and bidi tricks dropped, newlines folded, pings defanged, escaped."""
    return escape.html(escape.one_line(text))


def _link(url: str | None) -> str:
    if url is None:
        return ""
    # Already checked by safe_url (http/https, no quotes or angle brackets); escaped all the same.
    href = _html.escape(url, quote=True)
    return f' <a href="{href}" style="color:#2e86c1;white-space:nowrap;">open&nbsp;↗</a>'


_P = f"margin:0 0 8px 0;font-family:{FONT};font-size:14px;line-height:1.45;color:#222;"
_H2 = f"margin:0 0 4px 0;font-family:{FONT};font-size:20px;color:#111;"
_H3 = (
    f"margin:20px 0 8px 0;font-family:{FONT};font-size:15px;color:#111;"
    "border-bottom:1px solid #e5e7eb;padding-bottom:4px;"
)
_TD = f"padding:4px 8px;font-family:{FONT};font-size:13px;color:#222;border-bottom:1px solid #f0f1f3;"
_TH = _TD + "font-weight:600;text-align:left;color:#555;"
_MUTED = "color:#6b7280;font-size:12px;"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Cells are HTML already (escaped by the caller)."""
    th = "".join(f'<th style="{_TH}">{cell}</th>' for cell in head)
    body = "".join("<tr>" + "".join(f'<td style="{_TD}">{cell}</td>' for cell in row) + "</tr>" for row in rows)
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" width="100%" '
        f'style="border-collapse:collapse;margin:0 0 8px 0;"><tr>{th}</tr>{body}</table>'
    )


def _comparison(rows: Sequence[tuple[str, Callable[[PeriodFigures], float]]], data: DigestData, unit: str) -> str:
    cells = [
        [name, str(int(get(data.current))), str(int(get(data.previous))), _usual(get(data.baseline))]
        for name, get in rows
    ]
    return _table(["", f"this {unit}", f"previous {unit}", f"usual a {unit}"], cells)


def _source_getter(source: str) -> Callable[[PeriodFigures], float]:
    return lambda f: f.source_per_period(source)


def _label_getter(label: str) -> Callable[[PeriodFigures], float]:
    return lambda f: dict(f.by_label)[label] / f.periods


def _quotes_html(quotes: Sequence[Quote], zone: str, colour: str) -> str:
    if not quotes:
        return f'<p style="{_P}{_MUTED}">none this period</p>'
    blocks = []
    for q in quotes:
        blocks.append(
            f'<div style="border-left:3px solid {colour};padding:2px 0 2px 10px;margin:0 0 10px 0;">'
            f'<p style="{_P}margin-bottom:2px;">“{_h(q.excerpt)}”{_link(q.url)}</p>'
            f'<p style="{_P}{_MUTED}margin:0;">{_h(_quote_meta(q, zone))}</p></div>'
        )
    return "".join(blocks)


def _section_html(data: DigestData, image: str | None, note: str | None = None) -> str:
    unit = period_unit(data.period)
    out = [
        f'<h2 style="{_H2}">{_h(data.brand)}</h2>',
        f'<p style="{_P}{_MUTED}">{_h(span(data))} ({_h(data.zone)})</p>',
        '<ul style="margin:8px 0 12px 18px;padding:0;">',
        *(f'<li style="{_P}margin-bottom:2px;">{_h(line)}</li>' for line in data.changes),
        "</ul>",
    ]
    if image is not None:
        out.append(
            f'<img src="{_html.escape(image, quote=True)}" width="640" alt="{CHART_ALT}" '
            'style="display:block;width:100%;max-width:640px;height:auto;border:0;margin:0 0 12px 0;">'
        )
    else:
        out.append(f'<p style="{_P}{_MUTED}">{_h(note or NO_CHART)}</p>')
    sources = sorted({s for f in (data.current, data.previous, data.baseline) for s, _ in f.by_source})
    out.append(f'<h3 style="{_H3}">By source</h3>')
    out.append(_comparison([(_h(s), _source_getter(s)) for s in sources], data, unit))
    out.append(f'<h3 style="{_H3}">By sentiment</h3>')
    label_rows = [(f'<span style="color:{LABEL_COLOURS[x]};">{x}</span>', _label_getter(x)) for x in LABELS]
    out.append(_comparison(label_rows, data, unit))
    out.append(f'<h3 style="{_H3}">Most negative</h3>' + _quotes_html(data.worst, data.zone, LABEL_COLOURS["negative"]))
    out.append(f'<h3 style="{_H3}">Most positive</h3>' + _quotes_html(data.best, data.zone, LABEL_COLOURS["positive"]))
    out.append(f'<h3 style="{_H3}">Still unanswered ({data.unanswered_total})</h3>')
    if data.unanswered:
        rows = [
            [
                age(w.age),
                _h(w.status),
                _h(w.quote.source),
                _h(escape.truncate(w.quote.excerpt, 120)) + _link(w.quote.url),
            ]
            for w in data.unanswered
        ]
        out.append(_table(["waiting", "status", "source", "mention"], rows))
        if data.unanswered_total > len(data.unanswered):
            hidden = data.unanswered_total - len(data.unanswered)
            out.append(f'<p style="{_P}{_MUTED}">+{hidden} more: <code>{LIST_COMMAND}</code></p>')
    else:
        out.append(f'<p style="{_P}">Everything has an answer. Well done.</p>')
    out.append(f'<h3 style="{_H3}">Answers</h3>')
    out.extend(f'<p style="{_P}margin-bottom:2px;">{_h(line)}</p>' for line in answer_lines(data))
    out.append(f'<h3 style="{_H3}">Recurring complaints</h3>')
    if data.themes:
        for c in data.themes:
            new = ' <b style="color:#c0392b;">new</b>' if c.theme.new else ""
            out.append(f'<p style="{_P}margin-bottom:4px;"><b>{_h(complaint_line(c, unit))}</b>{new}</p>')
            out.append(_quotes_html([c.quote], data.zone, LABEL_COLOURS["negative"]))
    else:
        out.append(f'<p style="{_P}{_MUTED}">no complaint came back this {unit}</p>')
    if len(data.voices) > 1:
        out.append(f'<h3 style="{_H3}">Share of voice</h3>')
        rows = [
            [
                (f"<b>{_h(v.brand)}</b>" if v.own else _h(v.brand)),
                str(v.count),
                f'<div style="background:{"#2e86c1" if v.own else "#aab7b8"};height:10px;'
                f'width:{max(round(v.share * 200), 1)}px;display:inline-block;"></div> {pct(v.share)}',
            ]
            for v in data.voices
        ]
        out.append(_table(["brand", "mentions", "share"], rows))
    out.append(f'<h3 style="{_H3}">Returning voices</h3>')
    if data.returning:
        items = [
            f'<li style="{_P}margin-bottom:2px;">{_h(v.author)} ({_h(v.source)}): {v.now} this {unit}, '
            f"{v.before} before — {v.kind}</li>"
            for v in data.returning
        ]
        out.append('<ul style="margin:0 0 8px 18px;padding:0;">' + "".join(items) + "</ul>")
    else:
        out.append(f'<p style="{_P}{_MUTED}">nobody from earlier periods wrote again</p>')
    return "".join(out)


def render_html(datas: Sequence[DigestData], images: Sequence[str | None], *, notes: Sequence[str | None] = ()) -> str:
    """The whole email: one section per brand; `images[i]` is the chart's src for section i (None: no chart, and
    `notes[i]` says why, by default that it was not drawn)."""
    sections = "".join(
        f'<tr><td style="padding:20px 24px;border-top:{"0" if i == 0 else "8px solid #f4f5f7"};">'
        f"{_section_html(d, images[i] if i < len(images) else None, notes[i] if i < len(notes) else None)}</td></tr>"
        for i, d in enumerate(datas)
    )
    generated = _local(datas[0].now, datas[0].zone)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_h(title(datas))}</title></head>"
        '<body style="margin:0;padding:0;background:#f4f5f7;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">'
        '<tr><td align="center" style="padding:16px 8px;">'
        '<table role="presentation" width="680" cellpadding="0" cellspacing="0" '
        'style="width:100%;max-width:680px;background:#ffffff;border-radius:6px;">'
        f"{sections}"
        f'<tr><td style="padding:12px 24px 20px 24px;"><p style="{_P}{_MUTED}">Sent by mention-monitor, '
        f"{_h(generated)}. List what still needs an answer: <code>{LIST_COMMAND}</code></p></td></tr>"
        "</table></td></tr></table></body></html>"
    )


# ------------------------------------------------------------------------------------------------ plain text


def render_text(datas: Sequence[DigestData], *, channel: str = "email") -> str:
    """The plain form (chat, push, the email's text part). Slack receives this as mrkdwn, so every untrusted field
    is escaped the Slack way there; elsewhere pings and markup links are defanged."""
    head, blocks = _text_parts(datas, channel)
    return _joined([*head, *(line for block in blocks for line in block)])


def fit_text(datas: Sequence[DigestData], *, channel: str) -> str:
    """`render_text`, cut to `TEXT_MAX[channel]`: each brand gets a fair share of the room (what one leaves unused
    goes to the next), keeps as many of its lines as fit, in order from its heading, and counts the rest in a
    "+N more lines" line; a last line says where the whole digest is."""
    head, blocks = _text_parts(datas, channel)
    limit = TEXT_MAX.get(channel)
    lines = [*head, *(line for block in blocks for line in block)]
    if limit is None or _cost(lines) <= limit:
        return _joined(lines)
    footer = f"Whole digest: {FULL_DIGEST}"
    budget = limit - _cost(head) - _cost([footer])
    lines = list(head)
    for i, block in enumerate(blocks):
        kept = _cut(block, budget // (len(blocks) - i))
        budget -= _cost(kept)
        lines += kept
    lines.append(footer)
    while len(lines) > 1 and _cost(lines) > limit:  # only when the title alone nearly fills the room
        lines.pop()
    return _joined(lines)


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cost(lines: Sequence[str]) -> int:
    """The size of the lines once joined, each with its newline (an upper bound of `_joined`)."""
    return sum(_size(line) + 1 for line in lines)


def _joined(lines: Sequence[str]) -> str:
    return "\n".join(lines).rstrip() + "\n"


def _more(hidden: int) -> str:
    return f"  … +{hidden} more lines"


def _cut(block: Sequence[str], room: int) -> list[str]:
    """A brand's lines (the last one blank, a separator) in at most `room`: the first ones and a "+N more" line."""
    if _cost(block) <= room:
        return list(block)
    content = block[:-1]
    reserve = _cost([_more(len(content)), ""])
    if reserve > room:
        return []
    kept: list[str] = []
    for line in content:
        if _cost(kept) + _size(line) + 1 + reserve > room:
            break
        kept.append(line)
    return [*kept, _more(len(content) - len(kept)), ""]


def _text_parts(datas: Sequence[DigestData], channel: str) -> tuple[list[str], list[list[str]]]:
    """The title lines, and one block of lines per brand (each ending with a blank line)."""
    esc: Callable[[str], str] = escape.slack if channel == "slack" else escape.defang
    head = [esc(title(datas)), ""]
    blocks = []
    for data in datas:
        unit = period_unit(data.period)
        lines = [f"== {esc(escape.one_line(data.brand))} ==", *(f"- {esc(c)}" for c in data.changes), ""]
        for heading, quotes in (("Most negative", data.worst), ("Most positive", data.best)):
            lines.append(f"{heading}:")
            for q in quotes:
                lines.append(f'  "{esc(q.excerpt)}"')
                lines.append(f"    {esc(_quote_meta(q, data.zone))}" + (f" {q.url}" if q.url else ""))
            if not quotes:
                lines.append("  none this period")
        lines.append(f"Still unanswered ({data.unanswered_total}), oldest first:")
        for w in data.unanswered:
            excerpt = esc(escape.truncate(w.quote.excerpt, 100))
            lines.append(f"  {age(w.age):>7}  {w.status:12} {esc(w.quote.source)}: {excerpt}")
        if data.unanswered_total > len(data.unanswered):
            lines.append(f"  +{data.unanswered_total - len(data.unanswered)} more: {LIST_COMMAND}")
        lines += ["Answers:", *(f"  {line}" for line in answer_lines(data)), "Recurring complaints:"]
        for c in data.themes:
            lines.append(f"  {esc(complaint_line(c, unit))}")
            lines.append(f'    "{esc(c.quote.excerpt)}"')
            lines.append(f"      {esc(_quote_meta(c.quote, data.zone))}" + (f" {c.quote.url}" if c.quote.url else ""))
        if not data.themes:
            lines.append(f"  none came back this {unit}")
        if len(data.voices) > 1:
            voices = ", ".join(f"{esc(v.brand)} {pct(v.share)}" for v in data.voices)
            lines.append(f"Share of voice: {voices}")
        for v in data.returning:
            lines.append(f"Returning: {esc(v.author)} ({esc(v.source)}), {v.now} now, {v.before} before: {v.kind}")
        lines.append("")
        blocks.append(lines)
    return head, blocks
