"""Logging to stderr in a journald-friendly form, with untrusted text made harmless for terminals and journals, and
no secret in it.

Libraries log what they send: at DEBUG, urllib3 (under Apprise) writes every request line, whose path holds a Slack
webhook's token; httpx and httpcore write URLs with API keys in their query. So only our own loggers write below
WARNING, whatever `log_level` says: a library's DEBUG and INFO records are dropped at our handler (and the loud ones
are kept at WARNING so they are not even made). What is written has the config's secrets (`Config.secrets`: every
`${VAR}` value, as it is and percent-encoded) replaced by `***`, the message and any traceback alike.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable

# C0/C1 controls (except tab), and bidi overrides: text from the internet must not rewrite a terminal or the journal.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}
# Our packages' loggers (`logging.getLogger(__name__)`) and the CLI's: the only ones that may write below WARNING.
OWN_LOGGERS = ("monitor", "sources", "rules", "alerts", "bench", "mention-monitor")
# Libraries that would log every request (with its URL) below WARNING.
LIBRARIES = ("urllib3", "requests", "httpx", "httpcore", "apprise", "asyncio", "uvicorn", "starlette", "psycopg")


def safe(text: str) -> str:
    return _UNSAFE.sub(
        lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}", text
    )


def _own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN_LOGGERS)


class _OwnBelowWarning(logging.Filter):
    """Below WARNING, only our own records pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or _own(record.name)


class _Formatter(logging.Formatter):
    def __init__(self, journald: bool, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(message)s" if journald else "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.journald = journald
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        lines = [safe(line) for line in text.split("\n")]
        if self.journald:
            prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
            return "\n".join(prefix + line for line in lines)
        return "\n  ".join(lines)


def setup(level: str = "info", secrets: Iterable[str] = ()) -> None:
    """Journald reads `<N>` priority prefixes when stderr is connected to it (JOURNAL_STREAM is set). `secrets` are
    replaced by `***` wherever they would be written (pass `Config.secrets`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(journald=bool(os.environ.get("JOURNAL_STREAM")), secrets=secrets))
    handler.addFilter(_OwnBelowWarning())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for library in LIBRARIES:
        logging.getLogger(library).setLevel(logging.WARNING)
