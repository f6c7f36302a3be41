"""`mention-monitor digest`: --preview writes the page and its chart, --send mails it through the outbox (or leaves it
queued for the daemon, saying why), the default prints text."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli.context import Context
from monitor.cli.digest import command
from monitor.clock import FixedClock
from monitor.config import Config
from monitor.errors import ConfigError
from monitor.service.app import build, check
from monitor.service.daemon import timers
from monitor.storage.digests import Digests
from monitor.storage.outbox import Outbox
from tests.digest.test_email import inline_chart
from tests.digest.world import SLOT, StarScorer, build_world, config_for
from tests.mailserver import MailServer

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")


def args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"preview": None, "send": False, "period": None, "brand": None, **given})


def digest(given: argparse.Namespace, config: Config) -> int:
    """`mention-monitor digest ...` at the slot, with this config."""
    return command(Context(given, lambda: config, FixedClock(SLOT)))


def test_preview_writes_html_with_chart_and_png_beside_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world = build_world(tmp_path)
    target = tmp_path / "out" / "digest.html"
    assert digest(args(preview=target), world.config) == 0
    html = target.read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html and "negative share 86%" in html
    (png,) = sorted((tmp_path / "out").glob("digest-*.png"))
    assert png.name == "digest-1-xcode.png" and png.read_bytes().startswith(b"\x89PNG")
    err = capsys.readouterr().err
    assert "drawing the charts" in err and str(target) in err


def test_period_override_and_plain_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world = build_world(tmp_path)
    assert digest(args(period="30d"), world.config) == 0
    out = capsys.readouterr().out
    # 30 days back from the slot: weeks 0..3 (14 + 10 + 9 + 9) and the last 2 days of week 4, where reviews are
    # 1, 13, 25, 37 (and then 49...) hours old at its end: 4 more.
    assert out.startswith("Mention digest for Xcode") and "46 mentions" in out


def test_send_mails_the_digest(tmp_path: Path) -> None:
    server = MailServer().start()
    try:
        config = config_for(tmp_path, destinations={"owner_email": server.url()})
        build_world(tmp_path, config)
        assert digest(args(send=True), config) == 0
        assert len(server.messages) == 1 and "Share of voice" in server.html()
        assert inline_chart(server).startswith(b"\x89PNG")  # shown in place by cid:, not a data: URI
    finally:
        server.stop()


def test_send_is_not_held_by_quiet_hours(tmp_path: Path, mail: MailServer) -> None:
    # The owner asked for it now: quiet hours (the slot, Monday 08:00 in Tokyo, is inside them) do not hold it.
    quiet = {"url": mail.url(), "quiet_hours": {"start": "22:00", "end": "09:00"}}
    config = config_for(tmp_path, destinations={"owner_email": quiet})
    build_world(tmp_path, config)
    assert digest(args(send=True), config) == 0
    assert len(mail.messages) == 1


def test_send_while_the_server_is_down_leaves_it_to_the_daemon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mail = MailServer()  # not started yet: the connection is refused
    config = config_for(tmp_path, destinations={"owner_email": mail.url()})
    world = build_world(tmp_path, config)
    assert digest(args(send=True), config) == 1
    err = capsys.readouterr().err
    assert "owner_email: queued: " in err and "; the daemon delivers it when the destination works again" in err
    [row] = Outbox(world.db).pending("owner_email")
    assert row.priority == "high" and row.attempts == 1
    assert Digests(world.db).last_settled("") is None and Digests(world.db).last_sent() is None  # no slot settled

    mail.start()
    try:
        later = SLOT + timedelta(minutes=5)
        app = build(check(config), FixedClock(later), db=world.db, scorer=StarScorer())
        asyncio.run(timers(app, flush=False))  # the daemon's next pass, once the server is back
        assert len(mail.messages) == 1 and "Share of voice" in mail.html()
        assert Digests(world.db).last_sent() == (later, "owner_email")
    finally:
        mail.stop()


def test_bad_usage_is_a_config_error(tmp_path: Path) -> None:
    world = build_world(tmp_path)
    with pytest.raises(ConfigError, match="--period"):
        digest(args(period="soon"), world.config)
    with pytest.raises(ConfigError, match="no own brand named 'Slack'"):
        digest(args(brand="Slack"), world.config)
