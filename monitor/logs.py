"""Logging to stderr in a journald-friendly form, with untrusted text made harmless for terminals and journals."""

from __future__ import annotations

import logging
import os
import re
import sys

# C0/C1 controls (except tab), and bidi overrides: text from the internet must not rewrite a terminal or the journal.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


def safe(text: str) -> str:
    return _UNSAFE.sub(
        lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}", text
    )


class _Formatter(logging.Formatter):
    def __init__(self, journald: bool) -> None:
        super().__init__("%(message)s" if journald else "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        lines = [safe(line) for line in text.split("\n")]
        if self.journald:
            prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
            return "\n".join(prefix + line for line in lines)
        return "\n  ".join(lines)


def setup(level: str = "info") -> None:
    """Journald reads `<N>` priority prefixes when stderr is connected to it (JOURNAL_STREAM is set)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(journald=bool(os.environ.get("JOURNAL_STREAM"))))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that log every request at INFO would drown our own messages (and log URLs with API keys).
    for noisy in ("httpx", "httpcore", "apprise"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
