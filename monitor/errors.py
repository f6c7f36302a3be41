"""The error tree of mention-monitor.

    MonitorError
    ├── ConfigError            bad configuration: the CLI exits 2, nothing is started (permanent)
    ├── StorageError           the database refused an operation (permanent unless stated)
    ├── FetchError             one fetch of one source failed; `retryable` says whether trying later can help
    │   ├── HTTPStatusError     the server answered with an error status (429/5xx retryable, 4xx not)
    │   ├── CredentialsError    401/403: the credentials were rejected (permanent until the config changes)
    │   ├── QuotaExceeded       403/429 that says a quota or rate limit ran out (retryable, later)
    │   ├── BodyTooLarge        the (decoded) body passed the size cap (permanent for that document)
    │   ├── DeadlineExceeded    the whole request took longer than its deadline (retryable)
    │   └── ParseError          the body could not be understood (permanent for that document)
    └── ReplyError             the owner's reply to a review could not be posted through the platform's API;
        │                      `.reason` is a plain sentence for the inbox page (no token, no key, no URL)
        ├── ReplyRefused        the API said no for good (400/403/404/409/422, rejected credentials, text too long
        │                       or empty); sending the same text again cannot help (permanent)
        └── ReplyUncertain      5xx, 408, 429, network error or deadline: the reply may or may not have landed;
                                sending the same text again later is safe (retryable)

A destination that refuses an alert is not an exception: Apprise never raises, and our adapter returns a
`SendResult` that says whether to retry (alerts/apprise_adapter.py).

Every error that reaches a log or the terminal is safe to show: it never carries a secret, and text that came
from the internet is quoted with `repr`-style escaping by whoever formats it.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error this project raises on purpose."""

    retryable: bool = False


class ConfigError(MonitorError):
    """The configuration is invalid. `str()` names the file, the key and what was expected."""


class StorageError(MonitorError):
    """The database could not do what was asked."""


class FetchError(MonitorError):
    """A fetch failed. `retry_after` (seconds) is set when the server said when to come back."""

    def __init__(self, message: str, *, retryable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class HTTPStatusError(FetchError):
    def __init__(self, status: int, url: str, *, retry_after: float | None = None) -> None:
        retryable = status == 429 or status >= 500 or status == 408
        super().__init__(f"HTTP {status} from {url}", retryable=retryable, retry_after=retry_after)
        self.status = status


class CredentialsError(FetchError):
    def __init__(self, message: str) -> None:
        super().__init__(f"credentials rejected: {message}", retryable=False)


class QuotaExceeded(FetchError):
    """Some APIs (YouTube, Google) answer 403 when the daily quota is used up: not a credentials problem."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"quota or rate limit exhausted: {message}", retryable=True, retry_after=retry_after)


class BodyTooLarge(FetchError):
    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"body of {url} is larger than the cap of {limit} bytes", retryable=False)


class DeadlineExceeded(FetchError):
    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(f"{url} did not answer within {seconds:g}s", retryable=True)


class ParseError(FetchError):
    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class ReplyError(MonitorError):
    """Posting the owner's reply failed. `reason` (also `str()`) is a short sentence the inbox page can show as is.

    The exception that caused it, if any, is chained (`__cause__`) for the log; it names the URL, never a token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReplyRefused(ReplyError):
    """The platform refused the reply for good. `status` is the HTTP status when the API answered, None when we
    refused before sending (too long, empty) or the credentials could not be used."""

    retryable = False

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class ReplyUncertain(ReplyError):
    """The reply may have been stored or not. Every owner API we answer through either replaces a reply (Google) or
    is checked before it is sent again (App Store), so trying again later with the same text is safe.
    `retry_after` (seconds) is set when the server said when to come back."""

    retryable = True

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
