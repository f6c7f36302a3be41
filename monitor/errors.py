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
