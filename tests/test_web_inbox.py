"""The web inbox on a phone: log in, see what needs an answer, open a mention from an alert's link and act on it.

A real uvicorn server on 127.0.0.1 and real Chromium at 390x844 (tests/browser.py); state is read back from the
SQLite file and through `mention-monitor mentions list --json`, as the owner's scripts would.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from monitor.cli.main import main
from monitor.clock import FixedClock
from monitor.model import Mention
from monitor.storage.mentions import Mentions
from tests.apps import write_config
from tests.browser import horizontal_overflow, shoot
from tests.factories import NOW, make_mention
from tests.web import PASSWORD, Served, free_port, serving, web_section

BODY = """
[[brands]]
name = "Acme Coffee"

[[brands]]
name = "Blue Bottle Kyoto"
"""


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def inbox(tmp_path: Path, clock: FixedClock) -> Iterator[Served]:
    path = write_config(tmp_path, BODY + web_section(free_port()))
    with serving(path, clock) as served:
        yield served


def store(served: Served, mention_id: int, **changes: object) -> Mention:
    with served.db.transaction():
        return Mentions(served.db).insert(
            make_mention(None, external_id=f"x{mention_id}", fingerprint=f"f{mention_id}", **changes)
        )


def status_from_cli(served: Served, mention_id: int, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["--config", str(served.config.path), "mentions", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return next(r["status"] for r in rows if r["id"] == mention_id)


def log_in(page: Page, served: Served, name: str, next_path: str = "/") -> None:
    page.goto(f"{served.url}/login?next={next_path}")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


# --- the inbox ----------------------------------------------------------------------------------------------------


def test_log_in_on_a_phone_and_the_complaint_that_needs_an_answer_is_on_top(inbox: Served, phone: Page) -> None:
    happy = store(inbox, 1, rating=5.0, label="positive", sentiment=0.8, text="Lovely latte", published_at=NOW)
    answered = store(inbox, 2, status="responded", text="Slow service but they said sorry")
    complaint = store(
        inbox, 3, text="Cold coffee and a rude barista. Never again.", fetched_at=NOW - timedelta(hours=20)
    )
    inbox.add_user("mika")

    phone.goto(inbox.url + "/")
    assert "/login" in phone.url  # not logged in: the inbox asks who you are
    log_in(phone, inbox, "mika")
    assert phone.url == inbox.url + "/"
    shoot(phone, "inbox-phone")
    rows = phone.locator("ol.rows > li")
    assert rows.count() == 3
    first = rows.nth(0).inner_text()
    assert "Cold coffee and a rude barista" in first and "4 h left to answer" in first
    assert "Needs an answer 1" in phone.locator("nav.tabs").inner_text().replace("\n", " ")
    assert horizontal_overflow(phone) == 0
    assert {happy.id, answered.id, complaint.id} == {
        int(h.split("/")[-1]) for h in rows.locator("a").evaluate_all("l => l.map(a => a.getAttribute('href'))")
    }

    phone.click("nav.tabs >> text=Needs an answer")
    assert phone.locator("ol.rows > li").count() == 1


def test_search_and_filters_narrow_the_inbox(inbox: Served, phone: Page) -> None:
    store(inbox, 1, text="The oat milk ran out again", source="reddit", kind="reddit")
    store(inbox, 2, text="Card reader broken", source="app-store-jp")
    inbox.add_user("mika")
    log_in(phone, inbox, "mika")
    phone.fill("input[name=q]", "oat milk")
    phone.click("form.search button")
    assert phone.locator("ol.rows > li").count() == 1
    assert "oat milk" in phone.locator("ol.rows").inner_text()
    phone.goto(inbox.url + "/?source=app-store-jp")
    assert "Card reader broken" in phone.locator("ol.rows").inner_text()
    assert phone.locator("ol.rows > li").count() == 1


def test_wrong_passwords_are_refused_then_rate_limited(inbox: Served) -> None:
    inbox.add_user("mika")
    with httpx.Client(base_url=inbox.url) as client:
        csrf = _csrf(client.get("/login").text)
        for _ in range(5):
            refused = client.post("/login", data={"username": "mika", "password": "wrong password!", "csrf": csrf})
            assert refused.status_code == 401 and "do not match" in refused.text
        blocked = client.post("/login", data={"username": "mika", "password": PASSWORD, "csrf": csrf})
        assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
        assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_a_login_form_without_its_csrf_value_is_refused(inbox: Served) -> None:
    inbox.add_user("mika")
    with httpx.Client(base_url=inbox.url) as client:
        answer = client.post("/login", data={"username": "mika", "password": PASSWORD})
        assert answer.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 303


# --- the link in an alert -----------------------------------------------------------------------------------------


def test_the_alert_link_opens_the_mention_and_pressing_responded_is_seen_by_the_cli(
    inbox: Served, phone: Page, capsys: pytest.CaptureFixture[str]
) -> None:
    m = store(inbox, 1, text="Waited 40 minutes for a flat white.", author="hanako")
    earlier = store(inbox, 2, text="Music far too loud.", author="hanako", published_at=NOW - timedelta(days=30))
    assert m.id is not None and earlier.id is not None
    phone.goto(inbox.site.links.link(m.id))
    assert "Waited 40 minutes for a flat white." in phone.locator(".mention .text").inner_text()
    assert "Music far too loud." in phone.locator(".earlier").inner_text()  # a returning voice
    assert horizontal_overflow(phone) == 0
    shoot(phone, "mention-from-alert-link")
    phone.click("button[value=respond]")
    assert "Marked responded." in phone.locator(".done").inner_text()
    assert status_from_cli(inbox, m.id, capsys) == "responded"
    assert "marked responded" in phone.locator(".timeline").inner_text()


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {}),
        ("HEAD", {}),
        ("GET", {"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}),
        ("GET", {"User-Agent": "Mozilla/5.0 (compatible; Microsoft Office Protocol Discovery; SafeLinks)"}),
    ],
)
def test_a_scanner_or_preview_following_the_link_changes_nothing(
    inbox: Served, method: str, headers: dict[str, str]
) -> None:
    m = store(inbox, 1)
    assert m.id is not None
    link = inbox.site.links.link(m.id)
    answer = httpx.request(method, link, headers=headers, follow_redirects=True)
    assert answer.status_code == 200
    assert Mentions(inbox.db).get(m.id).status == "new"  # type: ignore[union-attr]
    assert answer.headers["referrer-policy"] == "no-referrer"  # the token never leaves with a click


def test_a_forged_or_expired_link_is_refused(inbox: Served, clock: FixedClock) -> None:
    m = store(inbox, 1)
    other = store(inbox, 2)
    assert m.id is not None and other.id is not None
    link = inbox.site.links.link(m.id)
    token = link.split("k=")[1]
    forged = httpx.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert forged.status_code == 403 and "not one we made" in forged.text
    borrowed = httpx.get(f"{inbox.url}/m/{other.id}?k={token}")  # one mention's link does not open another
    assert borrowed.status_code == 403
    clock.advance(timedelta(days=15))
    expired = httpx.get(link)
    assert expired.status_code == 403 and "expired" in expired.text


def test_a_post_without_the_csrf_value_changes_nothing(inbox: Served) -> None:
    m = store(inbox, 1)
    assert m.id is not None
    token = inbox.site.links.link(m.id).split("k=")[1]
    answer = httpx.post(f"{inbox.url}/m/{m.id}/act", data={"action": "resolve", "k": token})
    assert answer.status_code == 403
    assert Mentions(inbox.db).get(m.id).status == "new"  # type: ignore[union-attr]
    cross_site = httpx.post(f"{inbox.url}/m/{m.id}/act", data={"action": "resolve", "csrf": "x" * 64})
    assert cross_site.status_code == 403
    assert Mentions(inbox.db).get(m.id).status == "new"  # type: ignore[union-attr]


# --- people and access --------------------------------------------------------------------------------------------


def test_a_user_restricted_to_one_brand_sees_only_that_brand(inbox: Served, phone: Page) -> None:
    ours = store(inbox, 1, brand="Acme Coffee", text="Acme: cold coffee")
    theirs = store(inbox, 2, brand="Blue Bottle Kyoto", text="Blue Bottle: long queue")
    inbox.add_user("client-acme", brands=("Acme Coffee",))
    log_in(phone, inbox, "client-acme")
    listed = phone.locator("ol.rows").inner_text()
    assert "Acme: cold coffee" in listed and "Blue Bottle" not in listed
    answer = phone.goto(f"{inbox.url}/m/{theirs.id}")
    assert answer is not None and answer.status == 403
    cookies = phone.context.cookies()  # the session cookie is HttpOnly: scripts cannot read it
    assert all(c["httpOnly"] for c in cookies if c["name"] == "mm_session")
    phone.goto(f"{inbox.url}/m/{ours.id}")
    phone.click("button[value=acknowledge]")
    assert Mentions(inbox.db).get(ours.id).status == "acknowledged"  # type: ignore[arg-type,union-attr]
    # A form of theirs, posted with this user's own valid session and CSRF value, is still refused.
    value = phone.locator("input[name=csrf]").first.get_attribute("value")
    posted = phone.request.post(f"{inbox.url}/m/{theirs.id}/act", form={"action": "resolve", "csrf": value or ""})
    assert posted.status == 403
    assert Mentions(inbox.db).get(theirs.id).status == "new"  # type: ignore[arg-type,union-attr]


def test_notes_and_the_assignee_show_in_the_history(inbox: Served, phone: Page) -> None:
    m = store(inbox, 1)
    inbox.add_user("mika")
    inbox.add_user("ren")
    log_in(phone, inbox, "mika", next_path=f"/m/{m.id}")
    phone.fill("textarea[name=note]", "Called her back, offered a refund.")
    phone.click("text=Add note")
    phone.select_option("select[name=user]", "ren")
    phone.click("form.inline button")
    history = phone.locator(".timeline").inner_text()
    assert "Called her back, offered a refund." in history and "mika" in history
    assert "assigned to ren" in history
    assert Mentions(inbox.db).get(m.id).assignee == "ren"  # type: ignore[arg-type,union-attr]


def test_a_logged_out_user_cannot_act_and_get_never_changes_state(inbox: Served, phone: Page) -> None:
    m = store(inbox, 1)
    inbox.add_user("mika")
    log_in(phone, inbox, "mika")
    phone.click("text=Log out")
    assert "/login" in phone.url
    answer = phone.goto(f"{inbox.url}/m/{m.id}/act?action=resolve")
    assert answer is not None and answer.status == 405
    assert Mentions(inbox.db).get(m.id).status == "new"  # type: ignore[arg-type,union-attr]


# --- hostile text -------------------------------------------------------------------------------------------------

HOSTILE = (
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    "<!channel> @everyone \u202egnp.exe\u202c [click](javascript:alert(1)) " + "A" * 1_000_000
)


def test_hostile_text_is_inert_and_bounded_on_every_page(inbox: Served, phone: Page) -> None:
    m = store(
        inbox, 1, text=HOSTILE, title="<b>bold</b>", author="\u202eadmin", url="javascript:alert(1)", source="<i>x</i>"
    )
    inbox.add_user("mika")
    dialogs: list[str] = []
    phone.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(phone, inbox, "mika")
    for path in ("/", f"/m/{m.id}"):
        answer = phone.goto(inbox.url + path)
        assert answer is not None and answer.status == 200
        assert phone.title() != "pwned" and not dialogs
        assert phone.locator("main script, main img").count() == 0
        assert horizontal_overflow(phone) == 0
        assert len(answer.body()) < 100_000  # a 1 MB text does not make a 1 MB page
        assert "\u202e" not in phone.content()
        shoot(phone, f"hostile{path.replace('/', '-')}")
    assert phone.locator("a[href^='javascript']").count() == 0


def _csrf(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_an_alert_links_token_and_a_password_never_reach_the_log(
    inbox: Served, caplog: pytest.LogCaptureFixture
) -> None:
    m = store(inbox, 1)
    assert m.id is not None
    inbox.add_user("mika")
    link = inbox.site.links.link(m.id)
    token = link.split("k=")[1]
    with caplog.at_level(logging.DEBUG):
        httpx.get(link)
        httpx.get(link[:-2] + "zz")
        with httpx.Client(base_url=inbox.url) as client:
            csrf = _csrf(client.get("/login").text)
            client.post("/login", data={"username": "mika", "password": "wrong-" + PASSWORD, "csrf": csrf})
    served = [r for r in caplog.records if r.name.startswith(("monitor", "uvicorn", "starlette"))]
    text = "\n".join(r.getMessage() for r in served)
    assert token not in text and token[:20] not in text
    assert PASSWORD not in text
