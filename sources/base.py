"""What every source kind is: a frozen config model, a pure `parse()`, and an async `fetch()`.

A source never touches the database, never alerts and never mutates itself: `fetch(http, state)` returns the items
it found and the state to remember (validators, cursor), and the scheduler stores both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import AfterValidator

from monitor.clock import Clock
from monitor.config import SourceConfig
from monitor.model import FetchResult, SourceState
from sources.http import HttpFetcher
from sources.urls import web_url

__all__ = ["APISourceConfig", "Source", "SourceConfig", "WebURL"]

# A configured URL a source fetches: http or https with a host, checked when the config is loaded.
WebURL = Annotated[str, AfterValidator(web_url)]


class APISourceConfig(SourceConfig):
    """Keys of sources that call an API: `base_url` points them at a test server, a proxy or a self-hosted instance."""

    base_url: WebURL | None = None


C = TypeVar("C", bound=SourceConfig)


class Source(ABC, Generic[C]):
    """Subclass with `kind = "..."`, `Config = <SourceConfig subclass>`, and implement `fetch()`.

    Register the class under the `mention_monitor.sources` entry point (built-ins do, in pyproject.toml).
    """

    kind: ClassVar[str]
    Config: ClassVar[type[SourceConfig]]
    # Secret keys of Config: redacted by `check`, never logged.
    secret_keys: ClassVar[tuple[str, ...]] = ()
    # Kinds that must know the time themselves (signing a JWT) take the daemon's Clock as `clock=`.
    needs_clock: ClassVar[bool] = False

    def __init__(self, config: C, *, clock: Clock | None = None) -> None:
        """`clock` is passed only to kinds with `needs_clock`; the others never read the time themselves."""
        self.config = config

    @property
    def name(self) -> str:
        return self.config.name

    @abstractmethod
    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        """Fetch what is new. Raise a `monitor.errors.FetchError` subclass on failure; never return partial garbage."""

    def describe(self) -> str:
        """One line for `check` and `status`, without secrets."""
        return self.kind
