"""The composition root: config -> storage -> registries -> pipeline -> rules -> delivery. Nothing else wires.

`load()` reads monitor.toml with the source registry; `check()` performs the checks that need more than the schema
(rule expressions, Apprise URLs, source kinds), so `check` and the daemon refuse the same configs; `build()` connects
what `check()` made to the database and the network.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.apprise_adapter import AppriseDestination
from alerts.delivery import Deliverer, Sender
from alerts.digest.job import DigestJob
from alerts.digest.schedule import parse_schedule
from alerts.notices import Notices, SourceWatch
from monitor.aspects import Aspects
from monitor.clock import Clock
from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.matching import BrandMatcher
from monitor.pipeline import Pipeline
from monitor.sentiment import Scorer
from monitor.service.cluster import Cluster
from monitor.service.parts import open_db, scorer_for, source_configs
from monitor.storage import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from monitor.storage.schedule import Schedule
from rules.engine import CompiledRule, RuleEngine, compile_rules
from rules.followups import follow_up_timer
from rules.replies import Manual, compile_manual
from rules.spikes import SpikeRule, SpikeWatcher, compile_spikes
from sources import source_kinds
from sources.base import Source
from sources.http import HttpFetcher
from sources.replies import Answerable

if TYPE_CHECKING:
    from monitor.service.web.site import Site


def load(path: Path, *, environ: dict[str, str] | None = None) -> Config:
    """monitor.toml, validated against every registered source kind."""
    return load_config(path, source_configs(), environ=environ)


@dataclass(frozen=True)
class Checked:
    """Everything the config means, built but not yet connected to the database or the network."""

    config: Config
    sources: tuple[Source, ...]  # type: ignore[type-arg]
    rules: tuple[CompiledRule, ...]
    spikes: tuple[SpikeRule, ...]
    senders: dict[str, AppriseDestination]
    manual: Manual = field(default_factory=Manual)  # [[replies]]: the templates the mention page offers


def check(config: Config, clock: Clock | None = None) -> Checked:
    kinds = source_kinds()
    sources = tuple(
        kinds[s.kind](s, clock=clock) if clock is not None and kinds[s.kind].needs_clock else kinds[s.kind](s)
        for s in config.sources
    )
    if config.digest is not None:
        try:
            parse_schedule(config.digest.schedule)
        except ConfigError as exc:
            raise ConfigError(f"{config.path}: {exc}") from None
    rules = compile_rules(config)
    spikes = compile_spikes(config)
    manual = compile_manual(config)
    senders = {}
    for name, dest in config.destinations.items():
        try:
            senders[name] = AppriseDestination(name, dest.url, secrets=config.secrets)
        except ConfigError as exc:
            raise ConfigError(f"{config.path}: [destinations] {name!r}: {exc}") from None
    return Checked(config, sources, rules, spikes, senders, manual)


def check_to_run(config: Config, clock: Clock | None = None) -> Checked:
    """`check`, and what a daemon needs besides: something to watch. The `check` and `run` commands and a reload
    (SIGHUP) all call this, so they refuse the same configs. `check` alone stays lenient for the library (`demo`,
    tests), which may build an app without sources to deliver, escalate or send a digest from a database."""
    if not config.sources:
        raise ConfigError(f"{config.path}: no [[sources]]: nothing to watch (add one; monitor.toml shows how)")
    return check(config, clock)


@dataclass
class App:
    checked: Checked
    clock: Clock
    db: Database
    http: HttpFetcher
    scorer: Scorer
    pipeline: Pipeline
    engine: RuleEngine
    spikes: SpikeWatcher
    deliverer: Deliverer
    schedule: Schedule
    source_watch: SourceWatch
    rng: random.Random
    site: Site | None = None  # the web inbox's view of this app, when [web] is configured
    digest: DigestJob | None = None
    cluster: Cluster | None = None  # this process among the instances sharing the database

    @property
    def config(self) -> Config:
        return self.checked.config

    def interval(self, source: Source) -> timedelta:  # type: ignore[type-arg]
        return self.config.interval(source.config)

    @property
    def max_backoff(self) -> timedelta:
        return self.config.monitor.max_backoff

    async def aclose(self) -> None:
        await self.http.aclose()
        self.db.close()


def build(
    checked: Checked,
    clock: Clock,
    *,
    db: Database | None = None,
    scorer: Scorer | None = None,
    rng: random.Random | None = None,
    senders: Mapping[str, Sender] | None = None,
) -> App:
    """Connect what `check` made. `db`, `scorer`, `rng` and `senders` replace the configured ones (the demo's
    destinations print instead of sending; tests bring their own scorer or database)."""
    config = checked.config
    db = db or open_db(config)
    scorer = scorer or scorer_for(config)
    outbox, events, mentions = Outbox(db), Events(db), Mentions(db)
    own = [b for b in config.brands if b.role == "own"]
    competitors = [b for b in config.brands if b.role == "competitor"]
    matcher = BrandMatcher.from_config([*own, *competitors])
    engine = RuleEngine(
        checked.rules,
        destinations=config.destinations,
        muted=frozenset(b.name for b in config.brands if b.muted),
        competitors=frozenset(b.name for b in competitors),
        max_age=config.monitor.alert_max_age,
        outbox=outbox,
        events=events,
        mentions=mentions,
        follow_ups=follow_up_timer(config, db),
    )
    pipeline = Pipeline(
        db=db, matcher=matcher, scorer=scorer, decide=engine.on_new_mentions, aspects=Aspects.packaged(config.aspects)
    )
    http = HttpFetcher(
        user_agent=config.monitor.user_agent,
        clock=clock,
        max_bytes=config.monitor.max_body_bytes,
        deadline=config.monitor.request_deadline.total_seconds(),
        per_host=config.monitor.per_host_limit,
    )
    spikes = SpikeWatcher(checked.spikes, brands=[b.name for b in own], destinations=dict(config.destinations), db=db)
    site = None
    if config.web is not None:
        # The inbox (Starlette, Jinja2, Argon2) only for a config that serves it: its imports are a fifth of the
        # daemon's start-up, and hashing the login's dummy password alone takes 64 MiB for a moment.
        from monitor.service.replies import ReplyDesk
        from monitor.service.web.site import make_site

        answerers = {s.name: s for s in checked.sources if isinstance(s, Answerable)}
        desk = ReplyDesk(db, clock, http, answerers, checked.manual)
        site = make_site(db, clock, config.web, [b.name for b in own], config.promise, desk)
    # One instance at a time per piece of work when several share the database (PostgreSQL).
    cluster = Cluster(db, poll_ttl=config.monitor.request_deadline * 2 + timedelta(seconds=15))  # fetch + parse
    deliverer = Deliverer(
        db=db,
        destinations=config.destinations,
        senders=checked.senders if senders is None else senders,
        zone=config.monitor.zone,
        escalation_rules={r.name: r.unanswered_after for r in checked.rules if r.unanswered_after is not None},
        ack_link=site.links.link if site is not None else None,
        templates=config.alerts.templates,
        may_deliver=cluster.may_deliver,
        promise=config.promise,
    )
    schedule = Schedule(db)
    now = clock.now()
    with db.transaction():
        for source in checked.sources:
            schedule.ensure(source.name, source.kind, now)
    notices = Notices(outbox, destinations=list(checked.senders))
    source_watch = SourceWatch(db, sources=[s.name for s in checked.sources], notices=notices)
    return App(
        checked,
        clock,
        db,
        http,
        scorer,
        pipeline,
        engine,
        spikes,
        deliverer,
        schedule,
        source_watch,
        rng or random.Random(),
        site,
        DigestJob(db, config, checked.senders) if config.digest is not None else None,
        cluster,
    )
