"""A backend built the first time something asks it to read: a command that scores nothing never pays for it.

Building the light English backend (its model, VADER's lexicon, the known-word list) takes about 0.3 s and 17 MiB,
the Japanese one a tenth of that. `run --once` on a cycle where every feed answered 304, `check`, and the daemon's
start to its first poll need neither; the daemon builds them in a thread once it has started (`Scorer.warm`), so
that its first new mention rarely waits for them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from monitor.sentiment.backend import Backend, Polarity


class OnFirstUse:
    """`build()` on the first call of any of the backend's methods, once, whichever thread calls first."""

    def __init__(self, languages: frozenset[str], build: Callable[[], Backend]) -> None:
        self.languages = languages
        self._build: Callable[[], Backend] | None = build
        self._backend: Backend | None = None
        self._lock = threading.Lock()

    def built(self) -> Backend:
        backend = self._backend
        if backend is not None:
            return backend
        with self._lock:
            if self._backend is None:
                assert self._build is not None
                backend = self._build()
                if backend.languages != self.languages:
                    raise ValueError(f"built a backend for {sorted(backend.languages)}, not {sorted(self.languages)}")
                self._backend, self._build = backend, None
            return self._backend

    def polarity(self, text: str) -> Polarity | None:
        return self.built().polarity(text)

    def recognises(self, text: str) -> bool:
        return self.built().recognises(text)

    def opinionated(self, text: str) -> bool:
        return self.built().opinionated(text)
