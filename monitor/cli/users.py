"""`mention-monitor users add|list|remove|passwd`: the people who log in to the web inbox.

A password is the first line of stdin when stdin is not a terminal (scripts, `systemd-ask-password | ...`), else it
is asked for twice without echo. It is never printed, logged or stored: only its Argon2 hash is
(monitor/passwords.py). A new password, or a removal, ends the user's sessions everywhere.
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from typing import Any

from monitor.cli.context import Context, UsageError
from monitor.cli.present import out
from monitor.config import Config
from monitor.errors import MonitorError
from monitor.passwords import hash_password, strength_problem
from monitor.service.parts import open_db
from monitor.storage.database import Database
from monitor.storage.users import User, Users

# Names are typed on a phone's login form and shown on every page: printable, no spaces, "-" means "nobody".
_NAME = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]{1,64}")


def command(ctx: Context) -> int:
    config = ctx.load()
    db = open_db(config)
    try:
        handler = {"add": _add, "list": _list, "remove": _remove, "passwd": _passwd}[ctx.args.users_command]
        return handler(ctx, config, db)
    finally:
        db.close()


def _add(ctx: Context, config: Config, db: Database) -> int:
    args = ctx.args
    name = _valid_name(args.name)
    brands = list(dict.fromkeys(args.brand))
    for brand in brands:
        if config.brand(brand) is None:
            known = ", ".join(b.name for b in config.brands) or "none"
            raise UsageError(f"--brand: no brand named {brand!r} in {config.path} (brands: {known})")
    if args.notify is not None and args.notify not in config.destinations:
        known = ", ".join(config.destinations) or "none"
        raise UsageError(f"--notify: no destination named {args.notify!r} in {config.path} (destinations: {known})")
    users = Users(db)
    if users.get(name) is not None:
        raise MonitorError(
            f"a user named {name!r} exists already (`mention-monitor users passwd {name}` sets a new password)"
        )
    password_hash = hash_password(_new_password(name))
    if not users.add(name, password_hash, brands=brands, notify=args.notify, now=ctx.clock.now()):
        raise MonitorError(f"a user named {name!r} exists already")
    out(f"user {name} added: {_brands(brands)}; notified at {args.notify or '-'}")
    return 0


def _list(ctx: Context, config: Config, db: Database) -> int:
    users = Users(db).all()
    if ctx.args.json:
        sys.stdout.write(json.dumps([_json(u) for u in users], ensure_ascii=False, indent=2) + "\n")
        return 0
    out(f"{'name':20} {'notify':16} brands")
    for u in users:
        out(f"{u.name:20} {u.notify or '-':16} {_brands(u.brands)}")
    out(f"({len(users)} users)")
    return 0


def _remove(ctx: Context, config: Config, db: Database) -> int:
    name = ctx.args.name
    if not Users(db).remove(name):
        raise MonitorError(f"no user named {name!r}")
    out(f"user {name} removed; their sessions have ended")
    return 0


def _passwd(ctx: Context, config: Config, db: Database) -> int:
    name = ctx.args.name
    users = Users(db)
    if users.get(name) is None:
        raise MonitorError(f"no user named {name!r}")
    if not users.set_password(name, hash_password(_new_password(name))):
        raise MonitorError(f"no user named {name!r}")
    out(f"password of {name} changed; their sessions have ended")
    return 0


def _valid_name(name: str) -> str:
    if name == "-" or not _NAME.fullmatch(name):
        raise UsageError(f"NAME: {name!r} cannot be a user name (1 to 64 characters, no spaces, not '-')")
    return name


def _new_password(name: str) -> str:
    """The first line of stdin when it is not a terminal, else asked twice without echo; refused when weak."""
    if sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass(f"new password for {name}: ")
        if getpass.getpass("the same again: ") != password:
            raise UsageError("the two passwords differ; nothing changed")
    else:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise UsageError("no password: give it as the first line of stdin (or run in a terminal to be asked)")
    if problem := strength_problem(password):
        raise UsageError(f"{problem}; nothing changed")
    return password


def _brands(brands: tuple[str, ...] | list[str]) -> str:
    return ", ".join(brands) if brands else "all brands"


def _json(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "brands": list(user.brands) or None,  # null: every brand
        "notify": user.notify,
        "created_at": user.created_at.isoformat(),
    }
