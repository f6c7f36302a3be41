"""The inbox and the mention page, and the buttons on it (every change is a POST with a CSRF value).

Who may see a mention: a logged-in user whose brands include its brand (403 otherwise), or anyone holding the signed
link an alert carried for that one mention (links.py). Without either, a GET is sent to the login page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerts import reasons
from monitor import workflow
from monitor.config import MAX_REPLY
from monitor.model import STATUSES, Mention
from monitor.service.web.links import Refused
from monitor.service.web.sessions import matches
from monitor.service.web.site import Site, Visitor, message, page, site_of, visitor
from monitor.storage.mentions import InboxQuery, Mentions
from monitor.storage.notes import MAX_NOTE
from monitor.storage.replies import Replies
from monitor.storage.users import Users

PER_PAGE = 25
MAX_SEARCH = 200
LINK_ACTOR = "alert link"  # who acted, when it was someone holding an alert's link rather than a logged-in user
BUTTONS = (  # (action, label) in the order the page shows them
    ("acknowledge", "Acknowledge"),
    ("respond", "Responded"),
    ("resolve", "Resolved"),
    ("ignore", "Ignore"),
    ("not-about-us", "Not about us"),
)
DONE = {
    "acknowledge": "Acknowledged.",
    "respond": "Marked responded.",
    "resolve": "Resolved.",
    "ignore": "Ignored.",
    "reopen": "Reopened.",
    "not-about-us": "Marked not about us.",
    "note": "Note added.",
    "assign": "Assignment saved.",
    "follow-up-done": "Followed up.",
    "reply-sent": "Reply sent.",
    "reply-already": "This mention has been answered already; the reply is in the history.",
    "reply-busy": "Your reply is being sent.",
    "reply-empty": "Write a reply first.",
}
KEY_MAX = 64  # characters of a reply box's one-time key


def _login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


async def inbox(request: Request) -> Response:
    who = visitor(request)
    if who.user is None:
        return _login(request)
    site = site_of(request)
    q = request.query_params
    try:
        number = max(0, min(int(q.get("page") or 1) - 1, 10_000))
    except ValueError:
        number = 0
    view = InboxQuery(
        brand=q.get("brand") or None,
        status=q.get("status") if q.get("status") in STATUSES else None,
        source=(q.get("source") or "")[:200] or None,
        label=q.get("label") or None,
        language=(q.get("language") or "")[:20] or None,
        assignee=(q.get("assignee") or "")[:100] or None,
        attention=q.get("view") == "attention",
        search=(q.get("q") or "")[:MAX_SEARCH].strip(),
        page=number,
        per_page=PER_PAGE,
    )
    mentions = Mentions(site.db)
    restriction = who.user.restriction
    rows, total = mentions.inbox(view, brands=restriction)
    waiting = mentions.inbox(InboxQuery(attention=True, per_page=1), brands=restriction)[1]
    follow_ups = mentions.inbox(InboxQuery(status="follow_up", per_page=1), brands=restriction)[1]
    kept = {k: v for k, v in q.items() if k != "page" and v}
    return page(
        request,
        "inbox.html",
        visitor=who,
        rows=rows,
        total=total,
        waiting=waiting,
        follow_ups=follow_ups,
        mine=view.assignee == who.user.name and not view.attention,  # the "Mine" tab: assigned to the viewer
        view=view,
        filters=kept,
        page_number=number + 1,
        pages=max(1, -(-total // PER_PAGE)),
        query=lambda **change: "?" + urlencode({**kept, **change}),
        brands=[b for b in site.brands if who.user.may_see(b)],
        statuses=STATUSES,
        sources=mentions.values("source", brands=restriction),
        languages=mentions.values("language", brands=restriction),
        labels=("negative", "neutral", "positive", "unscored"),
        people=[u.name for u in Users(site.db).all()],
    )


@dataclass(frozen=True)
class Access:
    visitor: Visitor
    mention: Mention
    token: str | None  # the alert link's token, when that is what opened the page
    csrf: str


def _access(request: Request, site: Site, mention_id: int, token: str | None) -> Access | Response:
    who = visitor(request)
    mention = Mentions(site.db).get(mention_id)
    if who.user is not None:
        if mention is None:
            return message(request, 404, "Not found", f"There is no mention #{mention_id}.")
        if not who.user.may_see(mention.brand):
            return message(request, 403, "Not yours", "This mention belongs to a brand you do not look after.")
        return Access(who, mention, None, who.session.csrf)
    if not token:
        return _login(request) if request.method == "GET" else message(request, 403, "Log in", "Log in first.")
    try:
        site.links.verify(mention_id, token)
    except Refused as refused:
        return message(request, 403, "Link refused", str(refused))
    if mention is None:
        return message(request, 404, "Not found", f"There is no mention #{mention_id}.")
    return Access(who, mention, token, site.links.csrf(token))


def _back(access: Access, done: str) -> Response:
    params = {"done": done} | ({"k": access.token} if access.token else {})
    assert access.mention.id is not None
    return RedirectResponse(f"/m/{access.mention.id}?{urlencode(params)}", status_code=303)


async def mention(request: Request) -> Response:
    site = site_of(request)
    mention_id = int(request.path_params["mention_id"])
    access = _access(request, site, mention_id, request.query_params.get("k"))
    if isinstance(access, Response):
        return access
    m = access.mention
    people = [u.name for u in Users(site.db).all() if u.may_see(m.brand)] if access.visitor.user else []
    return page(
        request,
        "mention.html",
        visitor=access.visitor,
        m=m,
        token=access.token,
        csrf=access.csrf,
        earlier=Mentions(site.db).by_author(m),
        timeline=workflow.timeline(site.db, mention_id),
        buttons=BUTTONS,
        people=people,
        done=DONE.get(request.query_params.get("done") or ""),
        max_note=MAX_NOTE,
        reply=_reply_box(site, m, request.query_params.get("template")),
    )


def _reply_box(site: Site, m: Mention, chosen: str | None) -> dict[str, Any] | None:
    """What the page's reply box shows: the templates that fit, the text to start from, how it is sent. None without
    a reply desk. A GET makes only a fresh one-time key; nothing is stored until the box is sent."""
    desk = site.desk
    if desk is None or m.id is None:
        return None
    channel = desk.channel(m)
    where = channel.where if channel is not None else reasons.reason_for(m, None).where
    drafts = desk.manual.fitting(m, where)
    history = Replies(site.db).of_mention(m.id)
    live = next((r for r in history if r.state in ("sending", "uncertain", "sent")), None)
    last = history[-1] if history else None
    picked = next((d for d in drafts if d.name == chosen), None) or (drafts[0] if drafts else None)
    if last is not None and last.state == "refused" and not chosen:
        picked = None  # start from what was refused, so an edit fixes it rather than starting over
    text = picked.text if picked is not None else (last.text if last is not None and last.state == "refused" else "")
    return {
        "drafts": drafts,
        "picked": picked.name if picked is not None else None,
        "text": text,
        "key": live.key if live is not None and live.state != "sent" else secrets.token_urlsafe(18),
        "live": live,
        "last": last,
        "where": channel.where if channel is not None else None,
        "limit": (channel.reply_limit if channel is not None else None) or MAX_REPLY,
        "original": where,
    }


async def reply(request: Request) -> Response:
    """Send the reply box: through the source's owner API, or recorded as answered by hand at the source."""
    site, access, fields = await _posted(request)
    if isinstance(access, Response):
        return access
    desk = site.desk
    if desk is None:
        return message(request, 404, "Not found", "Replies are not set up here.")
    key = str(fields.get("key") or "")[:KEY_MAX]
    text = str(fields.get("text") or "").strip()
    if not key:
        return message(request, 400, "Form expired", "This form has expired. Open the page again.")
    kept = Replies(site.db).by_key(key)
    if not text and kept is None:  # Retry sends the kept text: its form has none
        return _back(access, "reply-empty")
    template = str(fields.get("template") or "")[:80] or None
    text = text or (kept.text if kept is not None else "")
    outcome = await desk.send(access.mention, key, text[:MAX_REPLY], template=template, actor=_actor(access))
    return _back(access, f"reply-{outcome.kind}")


async def _posted(request: Request) -> tuple[Site, Access | Response, FormData]:
    site = site_of(request)
    fields = await request.form(max_files=0, max_fields=10, max_part_size=64 * 1024)
    token = str(fields.get("k") or "") or None
    access = _access(request, site, int(request.path_params["mention_id"]), token)
    if isinstance(access, Access) and not matches(access.csrf, str(fields.get("csrf") or "")):
        return site, message(request, 403, "Form expired", "This form has expired. Open the page again."), fields
    return site, access, fields


def _actor(access: Access) -> str:
    return access.visitor.user.name if access.visitor.user else LINK_ACTOR


async def act(request: Request) -> Response:
    site, access, fields = await _posted(request)
    if isinstance(access, Response):
        return access
    action = str(fields.get("action") or "")
    if action not in workflow.ACTIONS:
        return message(request, 400, "Unknown action", "That button does not exist.")
    assert access.mention.id is not None
    try:
        workflow.act(
            site.db,
            access.mention.id,
            action,
            now=site.clock.now(),
            actor=_actor(access),
            note=str(fields.get("note") or "")[:MAX_NOTE],
            via="the web inbox" if access.visitor.user else "the link in an alert",
        )
    except workflow.NotWaiting:
        return _back(access, "")  # "Followed up" pressed twice: the first press did it, the page shows it
    return _back(access, action)


async def note(request: Request) -> Response:
    site, access, fields = await _posted(request)
    if isinstance(access, Response):
        return access
    text = str(fields.get("note") or "").strip()[:MAX_NOTE]
    if not text:
        return _back(access, "")
    assert access.mention.id is not None
    workflow.add_note(site.db, access.mention.id, text, now=site.clock.now(), actor=_actor(access))
    return _back(access, "note")


async def assign(request: Request) -> Response:
    site, access, fields = await _posted(request)
    if isinstance(access, Response):
        return access
    if access.visitor.user is None:
        return message(request, 403, "Log in", "Log in to assign a mention.")
    name = str(fields.get("user") or "")
    target = Users(site.db).get(name) if name else None
    if name and (target is None or not target.may_see(access.mention.brand)):
        return message(request, 400, "Unknown person", "That person cannot take this mention.")
    assert access.mention.id is not None
    workflow.assign(site.db, access.mention.id, name or None, now=site.clock.now(), actor=_actor(access))
    return _back(access, "assign")
