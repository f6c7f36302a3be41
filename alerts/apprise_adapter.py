"""One configured destination, sent to through Apprise, with an answer that says whether to try again.

    dest = AppriseDestination("owner_email", "mailtos://user:pass@example.com?to=owner@example.com")
    result = await asyncio.to_thread(dest.send, message)     # BLOCKING: network I/O
    if not result.ok and result.retryable: ...               # back off and try later

What Apprise (2.x, as installed) tells us: `notify()` never raises for a delivery problem; it returns an
`AppriseResult` whose status is SUCCESS, FAILURE, NOMATCH (nothing to notify), PARTIAL or TIMEOUT, with the log
records of the call captured per service. It never says whether a FAILURE is worth retrying, so `_classify()`
reads the captured records: an HTTP status ("error=400."), an SMTP reply code ("(535, b'...')", "refused: 550"),
or a connection error. Anything it cannot classify is retryable: a lost alert is worse than a late one.

How the text reaches the service (we escape ourselves, see render.py; Apprise must not interpret it again):
  - email: the HTML part with body_format=HTML. Apprise's email plugin then sends multipart/alternative with a
    text/plain part that *it* derives from our HTML; it cannot send our own text part next to it.
    Files given to `send(..., attachments=...)` go with it. For mailto:// and mailtos:// `inline=yes` is added to
    the URL unless the operator set `inline`: an image attachment named NAME that the HTML shows as
    `<img src="cid:NAME">` then travels as an inline part (multipart/related, Content-ID <NAME>), which Gmail and
    Outlook show where data: URIs are blocked. `inline_images` says whether that holds for a destination; the
    other email services (sendgrid, ses, ...) attach the files as plain attachments.
  - slack: passthrough (no body_format) in Block Kit mode, so our mrkdwn arrives byte for byte in one section
    block. Apprise's legacy (non-block) passthrough would re-escape it and turn `&lt;!channel&gt;`-like text back
    into live tokens, so `blocks=yes` is added to the URL unless the operator chose `blocks=no`; then the plain
    text goes as body_format=TEXT (Apprise escapes &, <, > itself, and no mrkdwn applies).
  - everything else: body_format=TEXT, which each plugin converts safely (escaped for HTML or Markdown services).
    Attachments are not sent to these (a JSON webhook would carry them base64-encoded in its payload).

The message key (see delivery.py) travels as a header where the plugin sends headers we choose: `Idempotency-Key`
for the JSON, XML and form webhooks and the other HTTP plugins with custom headers, `X-Mention-Monitor-Key` for
e-mail. (Apprise writes the e-mail Message-ID itself, a fresh one per send, so it cannot carry the key.)

Retry-After: Apprise's HTTP plugins keep the response to themselves, so a 429 or 503 that says how long to wait
would be retried on our backoff alone. Every request they make goes through `requests.Session.send`, which
`_hear_answers()` wraps (once per process, a pass-through outside `send()`) to note each answer's status and
Retry-After for the `send()` running in that context; a retryable failure carries the header's value in
`SendResult.retry_after`, and delivery (which owns the clock) reads it and waits at least that long, up to a cap.

Time: HTTP plugins take `cto`/`rto` URL arguments (connect/read timeouts, 4 s each by default), the email plugin a
15 s socket timeout; on top, every call has an overall deadline (`timeout`), after which Apprise reports TIMEOUT
and abandons the worker. A timed-out send may still arrive: it is reported retryable, and the receiving side may
see it twice.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import apprise
import requests
from apprise import AppriseResultStatus
from apprise.attachment.memory import AttachMemory

from alerts import escape
from alerts.render import Message, channel_for_url
from monitor.errors import ConfigError

DEFAULT_TIMEOUT = 30.0
APPRISE_LOGGER = "apprise"
_NO = frozenset({"no", "false", "0", "off", "n"})
_DETAIL_MAX = 500

_HTTP_STATUS = re.compile(r"\berror=(\d{3})\b")
_SMTP_REPLY = re.compile(r"Socket Exception: \((\d{3}),")
_SMTP_REFUSED = re.compile(r"was refused: (\d{3})\b")
_CONNECTION = re.compile(r"connection error|timed out|timeout|refused|unreachable|reset by peer", re.IGNORECASE)
_TOKEN_SPLIT = re.compile(r"[/:@?&=#,;+\s]+")
KEY_HEADER = "Idempotency-Key"
EMAIL_KEY_HEADER = "X-Mention-Monitor-Key"
_RETRY_AFTER_MAX = 64  # characters of a Retry-After value kept: a number of seconds or an HTTP-date


@dataclass(frozen=True)
class SendResult:
    ok: bool
    retryable: bool
    detail: str  # never contains a secret of the destination's URL
    # A retryable failure's Retry-After, as the destination sent it (seconds or an HTTP-date; the caller reads it
    # against its clock): None when it did not say.
    retry_after: str | None = None


@dataclass(frozen=True)
class _Answer:
    status: int
    retry_after: str | None


# The HTTP answers of the send() running in this context (None outside one). Apprise runs each plugin in a worker
# thread with a copy of the caller's context, which holds this same list.
_ANSWERS: contextvars.ContextVar[list[_Answer] | None] = contextvars.ContextVar("apprise_answers", default=None)
_HEARING = "_mention_monitor_hears_answers"


def _hear_answers() -> None:
    """Wrap `requests.Session.send` (see the module docstring), once: `requests.request()`, which the plugins call,
    and redirects both go through it."""
    original = requests.Session.send
    if getattr(original, _HEARING, False):
        return

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = original(session, request, **kwargs)
        answers = _ANSWERS.get()
        if answers is not None:
            answers.append(_Answer(int(response.status_code), response.headers.get("Retry-After")))
        return response

    setattr(send, _HEARING, True)
    requests.Session.send = send  # type: ignore[method-assign, assignment]


def _asked_to_wait(answers: list[_Answer]) -> str | None:
    """The Retry-After of the last error answer, when it had one."""
    failed = [a for a in answers if a.status >= 400]
    if not failed or not failed[-1].retry_after:
        return None
    return escape.one_line(failed[-1].retry_after)[:_RETRY_AFTER_MAX]


def _asset() -> apprise.AppriseAsset:
    """An asset that keeps Apprise to what we ask: no plugin directories, no disk store, no text interpretation,
    no retries of its own (the outbox retries, with backoff and a deadline)."""
    return apprise.AppriseAsset(
        plugin_paths=[],
        storage_mode="memory",
        app_id="mention-monitor",
        interpret_emojis=False,
        interpret_escapes=False,
        default_service_retry=0,
        allow_templates=False,
        secure_logging=True,
    )


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


_BLOCKS_ARG = re.compile(r"[?&]blocks=([^&#]*)", re.IGNORECASE)


def _with_blocks(url: str) -> str:
    """A Slack URL in Block Kit mode (see the module docstring), unless the operator chose a mode.

    Not urlsplit(): Apprise reads `slack://T/B/token/#channel?blocks=no` as a channel and a query, urlsplit as a
    fragment."""
    if _BLOCKS_ARG.search(url):
        return url
    return url + ("&" if "?" in url else "?") + "blocks=yes"


_INLINE_ARG = re.compile(r"[?&]inline=([^&#]*)", re.IGNORECASE)
_INLINE_SCHEMES = frozenset({"mailto", "mailtos"})


def _with_inline(url: str) -> str:
    """A mailto(s):// URL that embeds image attachments its HTML references by cid: (see the module docstring),
    unless the operator chose."""
    if _INLINE_ARG.search(url):
        return url
    return url + ("&" if "?" in url else "?") + "inline=yes"


class _ScrubSecrets(logging.Filter):
    """Apprise logs a rejected token in clear ("An invalid Slack (third) Token (xoxb-...) was specified"):
    while a URL is parsed, scrub its secrets from what the `apprise` logger emits."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = _scrub(message, self._secrets)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


def _secrets(raw: str, redacted: str | None) -> list[str]:
    """Pieces of the raw URL that must never be shown: its password, and every piece Apprise hid from the redacted
    URL (tokens, keys). Without a redacted URL (Apprise rejected it), every piece but the scheme and host."""
    try:
        parts = urlsplit(raw)
        host, password = parts.hostname or "", parts.password
    except ValueError:
        host, password = "", None
    shown = set(_TOKEN_SPLIT.split(redacted)) | set(_TOKEN_SPLIT.split(unquote(redacted))) if redacted else set()
    shown |= {_scheme(raw), host}
    found = {password} if password else set()
    for token in _TOKEN_SPLIT.split(raw):
        if len(token) >= 3 and token not in shown:
            found.update({token, unquote(token)})
    # Longest first, so a secret that contains another is removed whole.
    return sorted((s for s in found if s), key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "****")
    return text


class AppriseDestination:
    """A named Apprise URL. Construct it at config load (a bad URL is a ConfigError); `send()` is blocking.

    `secrets` are the config's `${VAR}` values (`Config.secrets`): hidden wherever the destination is named, with
    what Apprise hides itself. Apprise's privacy URL keeps a webhook's path, where Slack, Discord and most webhooks
    take their token (`json://host/hook/${HOOK_TOKEN}`)."""

    def __init__(self, name: str, url: str, *, timeout: float = DEFAULT_TIMEOUT, secrets: Iterable[str] = ()) -> None:
        self.name = name
        self._channel = channel_for_url(url)
        self._timeout = timeout
        if self._channel == "slack":
            url = _with_blocks(url)
        blocks = _BLOCKS_ARG.search(url)
        self._plain_slack = self._channel == "slack" and blocks is not None and blocks.group(1).lower() in _NO
        if self._channel == "email" and _scheme(url) in _INLINE_SCHEMES:
            url = _with_inline(url)
        asset = _asset()
        scrub = _ScrubSecrets(_secrets(url, None))
        apprise_logger = logging.getLogger(APPRISE_LOGGER)
        apprise_logger.addFilter(scrub)
        try:
            plugin = apprise.Apprise.instantiate(url, asset=asset, suppress_exceptions=True)
        finally:
            apprise_logger.removeFilter(scrub)
        if plugin is None:
            scheme = _scheme(url)
            raise ConfigError(
                f"destinations.{name}: Apprise does not recognise this URL"
                + (f" (scheme {scheme!r})" if scheme else " (no scheme:// found)")
                + "; see https://github.com/caronc/apprise/wiki for the URL formats"
            )
        # No pause of Apprise's own between two sends (5.5 s for email, 1.2 s for Slack, measured on the wall clock
        # and slept in the worker thread): pacing is the outbox's job, per destination `rate_limit` and, for SMS and
        # push, one message a minute (alerts.policy.MIN_SPACING), on the injected clock, with the held messages and
        # their reason recorded; a 429 from a service is retried with backoff.
        plugin.request_rate_per_sec = 0
        # What the email plugin parsed from `inline=` (absent elsewhere), not our own reading of the URL.
        self._inline = self._channel == "email" and getattr(plugin, "inline", False) is True
        self._asset = asset
        # Plugins that send headers of our choosing keep them in a `headers` dict (the URL's `+Name=value`).
        headers = getattr(plugin, "headers", None)
        self._headers: dict[str, str] | None = dict(headers) if isinstance(headers, dict) else None
        self._plugin = plugin
        self._lock = threading.Lock()  # the key header is set on the shared plugin for the length of one send
        self._apprise = apprise.Apprise(asset=asset)
        self._apprise.add(plugin)
        self._redacted = self._apprise.urls(privacy=True)[0]
        self._secrets = sorted({*_secrets(url, self._redacted), *(s for s in secrets if s)}, key=len, reverse=True)
        _hear_answers()

    @property
    def channel(self) -> str:
        return self._channel

    @property
    def inline_images(self) -> bool:
        """Whether an image attachment named NAME shows where the HTML says `<img src="cid:NAME">`."""
        return self._inline

    def redacted_url(self) -> str:
        return _scrub(self._redacted, self._secrets)

    def __repr__(self) -> str:
        return f"AppriseDestination({self.name!r}, {self.redacted_url()!r})"

    def send(self, message: Message, *, attachments: Sequence[tuple[str, str, bytes]] = ()) -> SendResult:
        """Deliver one message. Blocking (run it with asyncio.to_thread); never raises for a delivery problem.

        `attachments` are (filename, mimetype, data), sent by email only (see the module docstring) and ignored
        by every other channel."""
        body, body_format = self._payload(message)
        if not body.strip():
            return SendResult(False, False, self._detail("nothing to send: the message body is empty"))
        attach = None
        if self._channel == "email" and attachments:
            attach = apprise.AppriseAttachment(asset=self._asset)
            for filename, mimetype, data in attachments:
                memory = AttachMemory(content=data, name=filename, mimetype=mimetype)  # type: ignore[no-untyped-call]
                attach.add(memory)
        answers: list[_Answer] = []
        heard = _ANSWERS.set(answers)
        try:
            with self._lock:
                if self._headers is not None:
                    header = EMAIL_KEY_HEADER if self._channel == "email" else KEY_HEADER
                    extra = {header: message.key} if message.key else {}
                    self._plugin.headers = {**self._headers, **extra}  # type: ignore[attr-defined]
                result = self._apprise.notify(
                    body=body,
                    title=message.title,
                    body_format=body_format,
                    attach=attach,
                    timeout=self._timeout,
                    # Apprise logs an SMTP failure's reply code (535 bad login, 550...) only at DEBUG, and captures
                    # only what the `apprise` logger lets through: with that logger at DEBUG a failed login is
                    # permanent, at the default WARNING it reads as a connection error (retryable).
                    log_level=logging.DEBUG,
                )
        finally:
            _ANSWERS.reset(heard)
        with result:
            return self._classify(result, answers)

    def _payload(self, message: Message) -> tuple[str, apprise.NotifyFormat | None]:
        if self._channel == "email" and message.html is not None:
            return message.html, apprise.NotifyFormat.HTML
        if self._channel == "slack" and not self._plain_slack:
            return message.body, None
        if self._channel == "slack":
            # Apprise escapes &, < and > of TEXT for Slack: undo ours so they are not shown as "&amp;lt;".
            body = message.body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            return body, apprise.NotifyFormat.TEXT
        return message.body, apprise.NotifyFormat.TEXT

    def _classify(self, result: apprise.AppriseResult, answers: list[_Answer]) -> SendResult:
        status = result.status
        if status == AppriseResultStatus.SUCCESS:
            return SendResult(True, False, self._detail("sent"))
        if status == AppriseResultStatus.NOMATCH:
            return SendResult(False, False, self._detail("nothing to notify: Apprise has no service for this URL"))
        entries = list(result.logs())
        said = [escape.one_line(e.message) for e in entries if e.level not in ("DEBUG", "TRACE", "INFO")]
        summary = "; ".join(dict.fromkeys(said)) or "Apprise gave no reason"
        if status == AppriseResultStatus.TIMEOUT:
            return SendResult(False, True, self._detail(f"no answer within {self._timeout:g}s (it may still arrive)"))
        retryable, why = _retryable([e.message for e in entries])
        wait = _asked_to_wait(answers) if retryable else None
        return SendResult(False, retryable, self._detail(f"{why}: {summary}"), wait)

    def _detail(self, text: str) -> str:
        detail = f"{self.name} ({self._redacted}): {text}"
        return _scrub(detail, self._secrets)[:_DETAIL_MAX]


def _retryable(messages: list[str]) -> tuple[bool, str]:
    """Whether trying again can help, from what Apprise logged during the call, and why we think so."""
    for message in messages:
        if match := _HTTP_STATUS.search(message):
            code = int(match.group(1))
            if code in (408, 425, 429) or code >= 500:
                return True, f"HTTP {code} (temporary)"
            if 400 <= code < 500:
                return False, f"HTTP {code} (permanent: fix the destination)"
        if match := _SMTP_REPLY.search(message) or _SMTP_REFUSED.search(message):
            code = int(match.group(1))
            if 500 <= code < 600:
                return False, f"SMTP {code} (permanent: fix the destination)"
            return True, f"SMTP {code} (temporary)"
    if any(_CONNECTION.search(m) for m in messages):
        return True, "connection failed (temporary)"
    return True, "failed for a reason Apprise did not say (treated as temporary)"
