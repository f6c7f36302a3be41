"""/login and /logout: a password form, rate limited by name and by address, and the session cookie it gives.

Failed attempts are kept in the database (every instance sees them): 5 for one name or 20 from one address within
15 minutes, and that name or address waits until the oldest of them is 15 minutes old. An unknown name costs the
same Argon2 verification as a known one, so timing does not tell which names exist.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.passwords import DUMMY_HASH, hash_password, needs_rehash, verify
from monitor.service.web.site import page, remember, site_of, visitor
from monitor.storage.users import Users

WINDOW = timedelta(minutes=15)
PER_NAME = 5
PER_ADDRESS = 20
MAX_NAME = 100


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path of this site (never `//evil.example` or `https://...`)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and len(target) < 2000:
        return target
    return "/"


async def form(request: Request) -> Response:
    who = visitor(request)
    if who.user is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return page(request, "login.html", visitor=who, next=safe_next(request.query_params.get("next")), error=None)


async def submit(request: Request) -> Response:
    site = site_of(request)
    who = visitor(request)
    fields = await request.form(max_files=0, max_fields=10)
    name = str(fields.get("username") or "").strip()[:MAX_NAME]
    password = str(fields.get("password") or "")
    target = safe_next(str(fields.get("next") or ""))
    if not who.session.csrf_ok(str(fields.get("csrf") or "")):
        return page(
            request, "login.html", status=403, visitor=who, next=target, error="The form had expired. Try again."
        )
    now = site.clock.now()
    users = Users(site.db)
    address = request.client.host if request.client else "unknown"
    keys = (f"name:{name.lower()}", f"address:{address}")
    since = now - WINDOW
    if users.failures(keys[0], since) >= PER_NAME or users.failures(keys[1], since) >= PER_ADDRESS:
        return page(
            request,
            "login.html",
            status=429,
            visitor=who,
            next=target,
            error=f"Too many failed attempts. Try again in {int(WINDOW.total_seconds() // 60)} minutes.",
        )
    user = users.get(name) if name else None
    ok = await asyncio.to_thread(verify, user.password_hash if user else DUMMY_HASH, password)
    if user is None or not ok:
        with site.db.transaction():
            users.forget_failures(now - WINDOW * 4)
            for key in keys:
                users.failure(key, now)
        return page(
            request, "login.html", status=401, visitor=who, next=target, error="That name and password do not match."
        )
    fresher = await asyncio.to_thread(hash_password, password) if needs_rehash(user.password_hash) else None
    with site.db.transaction():  # no await inside: other requests share this connection
        users.clear_failures(keys[0])
        if fresher:
            users.rehash(user.name, fresher)
    response = RedirectResponse(target, status_code=303)
    remember(response, site, site.sessions.login(user.name, user.session_epoch))
    return response


async def logout(request: Request) -> Response:
    site = site_of(request)
    who = visitor(request)
    fields = await request.form(max_files=0, max_fields=5)
    response = RedirectResponse("/login", status_code=303)
    if who.session.csrf_ok(str(fields.get("csrf") or "")):
        remember(response, site, site.sessions.anonymous())
    return response
