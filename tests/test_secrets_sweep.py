"""The secrets sweep (issue 18): a full run with every kind of secret set to a marker, at log_level debug, then every
place a secret could surface is searched for every marker, as it is and percent-, HTML- and JSON-encoded.

The run is the real one, in real processes: `check`, `run --once`, `test-alert`, `users add`, `mentions list|show`,
`status`, `rules test`, `digest --preview|--send`, then the daemon (`run`) serving the web inbox, asked for an alert's
signed page, the login form, a failed and a good login, the inbox and every mention's page, reloaded with SIGHUP and
stopped with SIGTERM. The secrets travel the ways an operator writes them: `${NAME}` from the environment and from
`$CREDENTIALS_DIRECTORY` (systemd), in a feed's query string and userinfo, in a webhook's path, as an SMTP password
(aiosmtpd checks it), as a YouTube API key, inside a Google owner-API JSON key (and the access token it is exchanged
for), as `[web] secret`, and as an inbox user's password. The sources include the ways a stranger's answer can carry
a secret back: an entry without a link, links and ids that echo the feed's token, a redirect loop that repeats it, an
API error body that quotes the request.

Searched: the SQLite files (bytes), every webhook request the receiver got (body and headers; the path holds the
token by design), every e-mail (headers, raw and decoded parts), the digest preview, every log line, every CLI
output, every web page (body and headers). A secret is also checked to have reached where it belongs, so that a
sweep that finds nothing has looked at a run that used them.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.daemon_log import WAIT, LogReader
from tests.loopback import ROOT, LoopbackServer, Reply, Request
from tests.mailserver import MailServer, free_port

# Every marker differs from its percent-encoded form, so both are searched for meaningfully.
FEED_TOKEN = "FeedTok!Mk1-7b3c"
FEED_PASS = "FeedPass!Mk2-91ae"
YT_KEY = "YtKey!Mk3-c0de"
GBP_CLIENT_SECRET = "GbpSecret!Mk4-55aa"
GBP_REFRESH = "GbpRefresh!Mk5-66bb"
GBP_ACCESS = "ya29.GbpAccess!Mk6-77cc"  # not configured: what the token endpoint gives back, held in memory only
HOOK_TOKEN = "HookTok!Mk7-88dd"
SMTP_PASS = "Smtp:P@ss/w!Mk8#99ee"  # ":", "@", "/" and "#" in a URL's userinfo
WEB_SECRET = "WebSecret!Mk9-aabbccddeeff0011"
USER_PASSWORD = "UserPass!Mk10-horse battery"

MARKERS = {
    "FEED_TOKEN": FEED_TOKEN,
    "FEED_PASS": FEED_PASS,
    "YT_KEY": YT_KEY,
    "GBP client_secret": GBP_CLIENT_SECRET,
    "GBP refresh_token": GBP_REFRESH,
    "GBP access token": GBP_ACCESS,
    "HOOK_TOKEN": HOOK_TOKEN,
    "SMTP_PASS": SMTP_PASS,
    "WEB_SECRET": WEB_SECRET,
    "user password": USER_PASSWORD,
}

MAIL_ARGS = "to=owner@example.com&from=monitor@example.com&mode=insecure"
REVIEWS = "/v4/accounts/1122334455/locations/998877/reviews"
CONFIG = """
[monitor]
database = "monitor.db"
log_level = "debug"

[[brands]]
name = "Acme Coffee"

[[sources]]
name = "private-feed"
kind = "rss"
url = "{base}/private.xml?token=${{FEED_TOKEN}}"

[[sources]]
name = "locked-feed"
kind = "rss"
url = "http://reader:${{FEED_PASS}}@127.0.0.1:{port}/locked.xml"

[[sources]]
name = "looping-feed"
kind = "rss"
url = "{base}/loop.xml?token=${{FEED_TOKEN}}"

[[sources]]
name = "youtube"
kind = "youtube"
video_ids = ["vid-ok"]
api_key = "${{YT_KEY}}"
brand = "Acme Coffee"
base_url = "{base}"

[[sources]]
name = "youtube-echo"
kind = "youtube"
video_ids = ["vid-echo"]
api_key = "${{YT_KEY}}"
brand = "Acme Coffee"
base_url = "{base}"

[[sources]]
name = "google-reviews"
kind = "google_business"
account_id = "1122334455"
location_id = "998877"
credentials = "${{GBP_CREDENTIALS}}"
brand = "Acme Coffee"
base_url = "{base}"

[destinations]
hook = {{ url = "json://127.0.0.1:{port}/hook/${{HOOK_TOKEN}}", group_wait = "0s" }}
broken = {{ url = "json://127.0.0.1:{port}/broken/${{HOOK_TOKEN}}", group_wait = "0s" }}
refused = {{ url = "json://127.0.0.1:{port}/refused/${{HOOK_TOKEN}}", group_wait = "0s" }}
mail = {{ url = "mailto://owner:${{SMTP_PASS}}@127.0.0.1:{smtp}?{mail_args}", group_wait = "0s" }}

[[rules]]
name = "complaint"
when = "label == 'negative'"
notify = ["hook", "broken", "refused", "mail"]

[digest]
notify = ["mail"]

[web]
listen = "127.0.0.1:{web}"
public_url = "http://127.0.0.1:{web}"
secret = "${{WEB_SECRET}}"
"""


def forms(secret: str) -> set[str]:
    """How a secret can be written down: as it is, percent-encoded (path- and form-style), HTML- and JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        html.escape(secret),
        json.dumps(secret)[1:-1],
    }


def found_in(text: str) -> list[str]:
    """The markers `text` holds in any of their forms (case-insensitively: %2F and %2f are the same)."""
    folded = text.casefold()
    return [name for name, secret in MARKERS.items() if any(f.casefold() in folded for f in forms(secret))]


def leaks(places: dict[str, str]) -> list[str]:
    """One line per (place, marker) found, with what surrounds it there."""
    found = []
    for where, text in places.items():
        folded = text.casefold()
        for name in found_in(text):
            at = min(i for f in forms(MARKERS[name]) if (i := folded.find(f.casefold())) >= 0)
            context = re.sub(r"[^\x20-\x7e]+", " ", text[max(0, at - 120) : at + 60])
            found.append(f"{name} in {where}: ...{context}...")
    return found


def no_leaks(places: dict[str, str]) -> None:
    found = leaks(places)
    assert not found, "\n".join([f"{len(found)} leaks:", *found])


# --- the other side of each secret: servers that check it arrived ---------------------------------------------------


class AuthMailServer(MailServer):
    """aiosmtpd that asks for a login (over plain SMTP, as on loopback) and records the credentials it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.logins: list[tuple[str, str]] = []

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password.decode() == SMTP_PASS)

    def start(self) -> AuthMailServer:
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
        )
        self._controller.start()
        return self


def atom(entries: str) -> bytes:
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'.encode()


def entry(i: int, when: datetime, *, link: str | None, entry_id: str | None) -> str:
    return (
        "<entry>"
        + (f"<id>{html.escape(entry_id)}</id>" if entry_id is not None else "")
        + f"<title>Complaint {i}</title>"
        + (f'<link href="{html.escape(link)}"/>' if link is not None else "")
        + f"<updated>{when.isoformat()}</updated><author><name>customer {i}</name></author>"
        + f'<content type="text">Acme Coffee visit {i}: cold, burnt coffee and rude staff. Terrible, never again.'
        + "</content></entry>"
    )


@dataclass
class Receiver:
    """The loopback server's routes: feeds that echo their secrets back, the owner APIs, and the webhooks."""

    server: LoopbackServer
    now: datetime
    hooks: list[Request] = field(default_factory=list)

    def install(self) -> None:
        s = self.server
        feed_url = s.url(f"/private.xml?token={FEED_TOKEN}")
        t = [self.now - timedelta(hours=h) for h in range(1, 6)]
        s.route(
            "/private.xml",
            Reply(
                200,
                atom(
                    entry(1, t[0], link=None, entry_id="urn:sweep:1")  # no link: the feed's URL must not stand in
                    + entry(2, t[1], link=s.url(f"/post/2?token={FEED_TOKEN}&page=1"), entry_id="urn:sweep:2")
                    + entry(3, t[2], link="post/3", entry_id="urn:sweep:3")  # relative to the feed's URL
                    + entry(4, t[3], link=None, entry_id=feed_url + "#4")  # its id is the feed's URL
                    + entry(5, t[4], link=None, entry_id=None)  # neither link nor id
                ),
                {"Content-Type": "application/atom+xml"},
            ),
        )
        s.route("/locked.xml", self.locked)
        s.route("/loop.xml", Reply(302, b"", {"Location": f"/loop.xml?token={quote(FEED_TOKEN)}&again=1"}))
        s.route("/youtube/v3/commentThreads", self.youtube)
        s.route("/token", self.token)
        s.route(REVIEWS, self.reviews)
        for path in ("hook", "broken", "refused"):
            s.route(f"/{path}/{quote(HOOK_TOKEN)}", self.hook)
            s.route(f"/{path}/{HOOK_TOKEN}", self.hook)

    def locked(self, request: Request) -> Reply:
        if FEED_PASS not in _basic(request):
            return Reply(401, b"who are you?")
        link = f"http://reader:{FEED_PASS}@127.0.0.1:{self.server.port}/post/6"
        body = atom(entry(6, self.now - timedelta(hours=2), link=link, entry_id=link))
        return Reply(200, body, {"Content-Type": "application/atom+xml"})

    def youtube(self, request: Request) -> Reply:
        if request.query.get("key") != [YT_KEY]:
            return _json({"error": {"code": 400, "message": "API key not valid"}}, 400)
        if request.query.get("videoId") == ["vid-echo"]:  # an error page that quotes the request, key and all
            return _json({"error": {"code": 500, "message": f"backend error for {request.path}?key={YT_KEY}"}}, 500)
        comment = {
            "textOriginal": "Acme Coffee app keeps crashing at checkout. Terrible, worst app ever.",
            "authorDisplayName": "yt viewer",
            "publishedAt": (self.now - timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
            "likeCount": 3,
            "authorChannelId": {"value": "UCviewer"},
        }
        thread = {
            "id": "thread-1",
            "snippet": {
                "channelId": "UCowner",
                "videoId": "vid-ok",
                "totalReplyCount": 0,
                "topLevelComment": {"id": "c1", "snippet": comment},
            },
        }
        return _json({"items": [thread]})

    def token(self, request: Request) -> Reply:
        form = dict(p.split("=", 1) for p in request.body.decode().split("&"))
        if unquote(form.get("refresh_token", "").replace("+", " ")) != GBP_REFRESH:
            return _json({"error": "invalid_grant"}, 400)
        return _json({"access_token": GBP_ACCESS, "expires_in": 3599, "token_type": "Bearer"})

    def reviews(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {GBP_ACCESS}":
            return Reply(401, b"")
        created = (self.now - timedelta(hours=3)).isoformat().replace("+00:00", "Z")
        review = {
            "reviewId": "gbp-1",
            "name": "accounts/1122334455/locations/998877/reviews/gbp-1",
            "reviewer": {"displayName": "Hana Sato"},
            "starRating": "ONE",
            "comment": "Acme Coffee: waited 40 minutes, the order was wrong and nobody apologised. Awful.",
            "createTime": created,
            "updateTime": created,
        }
        return _json({"reviews": [review]})

    def hook(self, request: Request) -> Reply:
        self.hooks.append(request)
        if request.path.startswith("/broken/"):
            return Reply(503, f"down, try {request.path} later".encode(), {"Retry-After": "120"})
        if request.path.startswith("/refused/"):
            return Reply(403, f"{request.path} is not allowed".encode())
        return Reply(200, b"{}")


def _basic(request: Request) -> str:
    import base64

    value = request.headers.get("authorization", "")
    return base64.b64decode(value.removeprefix("Basic ")).decode() if value.startswith("Basic ") else ""


def _json(body: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


def gbp_credentials() -> str:
    return json.dumps(
        {
            "type": "authorized_user",
            "client_id": "1234.apps.googleusercontent.com",
            "client_secret": GBP_CLIENT_SECRET,
            "refresh_token": GBP_REFRESH,
        }
    )


# --- the run -------------------------------------------------------------------------------------------------------


@dataclass
class Sweep:
    folder: Path
    receiver: Receiver
    mail: AuthMailServer
    outputs: dict[str, str] = field(default_factory=dict)  # CLI command -> stdout and stderr
    logs: dict[str, str] = field(default_factory=dict)  # process -> its log (stderr)
    pages: dict[str, str] = field(default_factory=dict)  # web request -> status, headers and body
    listed: list[dict[str, Any]] = field(default_factory=list)  # `mentions list --json`
    mention_ids: list[int] = field(default_factory=list)
    page_link: str = ""


def cli(sweep: Sweep, env: dict[str, str], *args: str, stdin: str = "", expect: int | None = 0) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(sweep.folder / "monitor.toml"), *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    if expect is not None:
        assert result.returncode == expect, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    sweep.outputs[" ".join(args)] = result.stdout + result.stderr
    return result.stdout


PAGE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/m/(\d+)\?k=[A-Za-z0-9_.\-]+")


def serve_and_browse(sweep: Sweep, env: dict[str, str], web_port: int) -> None:
    """The daemon itself: the web inbox as a phone and a link scanner use it, a reload, a stop."""
    config = sweep.folder / "monitor.toml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    log = LogReader(proc)
    try:
        log.wait_for(f"web inbox served on 127.0.0.1:{web_port}")
        base = f"http://127.0.0.1:{web_port}"

        def keep(what: str, response: httpx.Response) -> httpx.Response:
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
            sweep.pages[what] = f"{response.status_code}\n{headers}\n\n{response.text}"
            return response

        assert keep("GET alert link", httpx.get(sweep.page_link, timeout=WAIT)).status_code == 200
        forged = re.sub(r"k=[^&]+", "k=Mg.forged.token", sweep.page_link)
        assert keep("GET forged link", httpx.get(forged, timeout=WAIT)).status_code == 403
        strange = re.sub(r"k=[^&]+", "k=" + quote("Mg.fälscht.tökén"), sweep.page_link)  # issue 18's non-ASCII token
        assert keep("GET non-ASCII link", httpx.get(strange, timeout=WAIT)).status_code == 403
        with httpx.Client(base_url=base, timeout=WAIT) as browser:
            form = keep("GET /login", browser.get("/login"))
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf is not None
            wrong = browser.post("/login", data={"username": "alice", "password": "wrong", "csrf": csrf.group(1)})
            assert keep("POST /login (wrong password)", wrong).status_code == 401
            good = {"username": "alice", "password": USER_PASSWORD, "csrf": csrf.group(1)}
            assert keep("POST /login", browser.post("/login", data=good)).status_code == 303
            assert keep("GET / (inbox)", browser.get("/")).status_code == 200
            for mention_id in sweep.mention_ids:
                assert keep(f"GET /m/{mention_id}", browser.get(f"/m/{mention_id}")).status_code == 200
        # A reload whose config changed a secret-bearing destination: the log says what changed, never how.
        config.write_text(config.read_text().replace("/refused/", "/refused-too/"))
        proc.send_signal(signal.SIGHUP)
        log.wait_for("reloaded")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    sweep.logs["daemon (run, web inbox, reload, stop)"] = log.text()
    assert proc.stderr is not None
    proc.stderr.close()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sweep]:
    folder = tmp_path_factory.mktemp("sweep")
    now = datetime.now(UTC)  # the CLI is a real process on the real clock: the posts are from the last hours
    with LoopbackServer() as server:
        mail = AuthMailServer().start()
        try:
            receiver = Receiver(server, now)
            receiver.install()
            web_port = free_port()
            (folder / "monitor.toml").write_text(
                CONFIG.format(base=server.url(), port=server.port, smtp=mail.port, web=web_port, mail_args=MAIL_ARGS)
            )
            # Two of them as systemd passes them (credential files), the rest from the environment.
            credentials = folder / "credentials"
            credentials.mkdir()
            (credentials / "SMTP_PASS").write_text(SMTP_PASS)
            (credentials / "GBP_CREDENTIALS").write_text(gbp_credentials())
            env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTION_MONITOR", "JOURNAL_STREAM"))}
            env.update(
                FEED_TOKEN=FEED_TOKEN,
                FEED_PASS=FEED_PASS,
                YT_KEY=YT_KEY,
                HOOK_TOKEN=HOOK_TOKEN,
                WEB_SECRET=WEB_SECRET,
                CREDENTIALS_DIRECTORY=str(credentials),
            )
            sweep = Sweep(folder, receiver, mail)
            cli(sweep, env, "check")
            cli(sweep, env, "users", "add", "alice", stdin=USER_PASSWORD + "\n")
            once = subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"), "run", "--once"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                env=env,
            )
            # Two sources fail on purpose (the redirect loop, the API error that quotes the key): exit 1.
            assert once.returncode == 1, once.stdout + once.stderr
            sweep.outputs["run --once"] = once.stdout
            sweep.logs["run --once"] = once.stderr
            cli(sweep, env, "test-alert", "hook")
            cli(sweep, env, "test-alert", "mail")
            cli(sweep, env, "digest", "--send")
            listed = json.loads(cli(sweep, env, "mentions", "list", "--json"))
            sweep.listed, sweep.mention_ids = listed, [m["id"] for m in listed]
            # The one of issue 18: a feed entry without a link, once given the feed's URL, token and all.
            linkless = next(m for m in listed if m["source"] == "private-feed" and m["title"] == "Complaint 1")
            assert linkless["url"] == ""
            readers = [
                ("mentions", "list"),
                ("mentions", "show", str(linkless["id"])),
                ("mentions", "show", str(linkless["id"]), "--json"),
                ("status",),
                ("rules", "test", "--since", "30d"),
                ("digest", "--preview", str(folder / "digest.html")),
            ]
            with ThreadPoolExecutor(max_workers=2) as pool:  # they only read: two at a time
                list(pool.map(lambda args: cli(sweep, env, *args), readers))
            links = {m.group(0) for m in PAGE_LINK.finditer(mail.html(0).replace("&amp;", "&"))}
            assert links, "the alert e-mail carries a signed link to its mention"
            sweep.page_link = sorted(links)[0]
            serve_and_browse(sweep, env, web_port)
            yield sweep
        finally:
            mail.stop()


# --- the sweep -----------------------------------------------------------------------------------------------------


def test_every_secret_was_used_where_it_belongs(sweep: Sweep) -> None:
    """Not a vacuous sweep: each secret reached its one legitimate place, and the run produced what is searched."""
    requests = sweep.receiver.server.requests
    assert any(r.path == "/private.xml" and r.query.get("token") == [FEED_TOKEN] for r in requests)
    assert any(r.path == "/locked.xml" and FEED_PASS in _basic(r) for r in requests)
    assert any(r.path == "/youtube/v3/commentThreads" and r.query.get("key") == [YT_KEY] for r in requests)
    assert any(r.path == REVIEWS and r.headers.get("authorization") == f"Bearer {GBP_ACCESS}" for r in requests)
    assert {unquote(r.path).rsplit("/", 1)[-1] for r in sweep.receiver.hooks} == {HOOK_TOKEN}
    assert {urlsplit(r.path).path.split("/")[1] for r in sweep.receiver.hooks} >= {"hook", "broken", "refused"}
    assert ("owner", SMTP_PASS) in sweep.mail.logins
    assert sweep.pages["GET alert link"].startswith("200")  # signed with WEB_SECRET
    assert sweep.pages["POST /login"].startswith("303")  # the user's password worked
    assert {m["source"] for m in sweep.listed} >= {"private-feed", "locked-feed", "youtube", "google-reviews"}
    assert len(sweep.mail.messages) >= 3  # alerts, the test alert and the digest
    # The error paths ran too: the redirect loop that repeats the token, the API error that quotes the key.
    assert "looping-feed" in sweep.outputs["run --once"] and "youtube-echo" in sweep.outputs["run --once"]


def test_no_secret_in_the_database(sweep: Sweep) -> None:
    files = sorted(sweep.folder.glob("monitor.db*"))
    assert files
    places = {f.name: f.read_bytes().decode("utf-8", "replace") for f in files}
    no_leaks(places)


def test_no_secret_in_any_alert(sweep: Sweep) -> None:
    places: dict[str, str] = {}
    for i, request in enumerate(sweep.receiver.hooks):
        headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
        places[f"webhook {i} to /{request.path.split('/')[1]}/ (headers, body)"] = (
            headers + "\n\n" + request.body.decode()
        )
    for i, message in enumerate(sweep.mail.messages):
        places[f"e-mail {i} {message['Subject']!r} (raw)"] = message.as_string()
        for part in message.walk():
            if not part.is_multipart() and part.get_content_maintype() == "text":
                places[f"e-mail {i} {message['Subject']!r} ({part.get_content_type()})"] = _text(part)
    no_leaks(places)


def test_no_secret_in_the_digest(sweep: Sweep) -> None:
    places = {p.name: p.read_bytes().decode("utf-8", "replace") for p in sweep.folder.glob("digest*")}
    assert "digest.html" in places
    no_leaks(places)


def test_no_secret_in_any_command_output(sweep: Sweep) -> None:
    no_leaks({f"`mention-monitor {cmd}`": text for cmd, text in sweep.outputs.items()})


def test_no_secret_on_any_web_page(sweep: Sweep) -> None:
    no_leaks(sweep.pages)


def test_no_secret_in_any_log_line_at_debug_level(sweep: Sweep) -> None:
    """Every line the daemon and `run --once` logged at debug, our loggers' and the libraries' (httpx, Apprise, the
    urllib3 under Apprise's webhooks, aiosqlite...) alike."""
    assert all(sweep.logs.values())
    debug = [line for text in sweep.logs.values() for line in text.splitlines() if " DEBUG " in line]
    assert debug, "the run logged at debug level"
    no_leaks(sweep.logs)


def test_no_traceback_in_any_log_or_output(sweep: Sweep) -> None:
    """A traceback is where a secret hides (a message, a URL in an exception), and says something went unhandled."""
    texts = {**{f"log of {k}": v for k, v in sweep.logs.items()}, **sweep.outputs}
    assert [where for where, text in texts.items() if "Traceback" in text] == []


def _text(part: EmailMessage) -> str:
    content = part.get_content()
    return content if isinstance(content, str) else content.decode("utf-8", "replace")
