"""Reviews on any web page: schema.org `Review` markup (JSON-LD, else microdata), else optional CSS selectors.

Review sites (Trustpilot, Tripadvisor, booking pages, shops) publish their reviews as schema.org markup for search
engines, which makes one parser work for most of them. The page's `AggregateRating` is remembered in the cursor,
and a fall in it is reported as a mention of its own ("Average rating fell from 4.6 to 4.4"), because a slipping
average is news even when no single review is. The page is fetched with a conditional GET.

A page is a stranger's markup for BeautifulSoup, whose tree costs far more than the page. Measured (bs4 4.15 with
html.parser, one core; `bench/hostile_feeds.py`): 2 MB of `<p>a</p>` took 5-8 s and 330 MB, 10 MB 25 s and 1.4 GB;
100,000 attributes on one element, 125 MB; JSON-LD nested 100,000 deep raised RecursionError. So `fetch` parses in
a worker process (`sources.isolation`) under the request deadline and a memory budget, as the feeds do; a broken or
too deeply nested JSON-LD block is counted and skipped, and `parse_page` stays a pure function that the worker runs.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from monitor.model import FetchResult, Item, SourceState
from sources.base import Source, SourceConfig, WebURL
from sources.cursors import remember, seen_list, unseen
from sources.http import HttpFetcher
from sources.items import Batch, collect, item_from_json, item_to_json, stable_id
from sources.numbers import rating
from sources.text import html_to_text
from sources.times import parse_time
from sources.urls import bare_url, public_page

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class Selectors(BaseModel):
    """CSS selectors for pages without markup: `review` finds each review, the others are looked up inside it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    review: str
    text: str | None = None
    author: str | None = None
    rating: str | None = None  # the element's `content`/`data-rating`/`aria-label` or text; the first number counts
    date: str | None = None  # `datetime`/`content` attribute or text
    title: str | None = None


class ReviewsConfig(SourceConfig):
    url: WebURL
    selectors: Selectors | None = None
    rating_scale: float = 5.0  # for selector-found ratings; markup says its own `bestRating`


@dataclass(frozen=True, slots=True)
class Aggregate:
    value: float
    count: int | None
    scale: float


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Item, ...]
    skipped: int
    aggregate: Aggregate | None


def parse(body: bytes | str, url: str, selectors: Selectors | None = None) -> tuple[Item, ...]:
    """The reviews on a page."""
    return parse_page(body, url, selectors).items


def parse_page(body: bytes | str, url: str, selectors: Selectors | None = None, scale: float = 5.0) -> Page:
    """The reviews and the average rating on the page at `url`. Items link to the page without its credentials."""
    # bs4 (and soupsieve) only where pages are parsed: in the parse workers, not in the daemon that starts them.
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        # Untrusted pages are sometimes XHTML or nearly empty; bs4's hints about that are noise here.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(body, "html.parser")
    nodes, skipped = _json_ld(soup)
    aggregate = next((a for a in map(_aggregate_ld, nodes) if a), None)
    batch = collect((n for n in nodes if _is(n, "Review")), lambda n: _ld_item(n, url))
    if not batch.items:  # no JSON-LD reviews: microdata
        scopes = soup.find_all(itemscope=True, itemtype=re.compile(r"schema\.org/Review$"))
        batch = _merge(batch, collect(scopes, lambda el: _microdata_item(el, url)))
    if not batch.items and selectors:  # no markup at all: the configured selectors
        batch = _merge(
            batch, collect(soup.select(selectors.review), lambda el: _selector_item(el, selectors, url, scale))
        )
    if aggregate is None:
        scope = soup.find(itemscope=True, itemtype=re.compile(r"schema\.org/AggregateRating$"))
        if isinstance(scope, Tag):
            aggregate = _make_aggregate(
                _prop(scope, "ratingValue"), _prop(scope, "reviewCount"), _prop(scope, "bestRating")
            )
    return Page(batch.items, skipped + batch.skipped, aggregate)


def parse_task(body: bytes, args: dict[str, Any]) -> dict[str, Any]:
    """`parse_page` as the parse worker runs it (`sources.parse_worker`): JSON in and out."""
    selectors = Selectors(**args["selectors"]) if args.get("selectors") else None
    page = parse_page(body, str(args["url"]), selectors, float(args.get("scale") or 5.0))
    agg = page.aggregate
    return {
        "items": [item_to_json(item) for item in page.items],
        "skipped": page.skipped,
        "aggregate": {"value": agg.value, "count": agg.count, "scale": agg.scale} if agg is not None else None,
    }


def _merge(earlier: Batch, later: Batch) -> Batch:
    return Batch(earlier.items + later.items, earlier.skipped + later.skipped)


# --- JSON-LD ------------------------------------------------------------------------------------------------------


def _json_ld(soup: BeautifulSoup) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    bad = 0
    for script in soup.find_all("script", type=re.compile(r"^\s*application/ld\+json\s*$", re.I)):
        try:
            data = json.loads(script.get_text())
        except (ValueError, RecursionError):
            bad += 1  # one broken (or absurdly deep) block must not hide the others
            continue
        nodes.extend(_walk(data))
    return nodes, bad


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in `data`, outer before inner, in document order (a stack, not recursion: any depth)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, dict):
            yield value
            stack.extend(reversed([v for v in value.values() if isinstance(v, dict | list)]))


def _is(node: dict[str, Any], kind: str) -> bool:
    types = node.get("@type")
    return kind in (types if isinstance(types, list) else [types])


def _name(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(filter(None, (_name(v) for v in value)))
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return str(value or "")


def _ld_item(node: dict[str, Any], page_url: str) -> Item:
    body = html_to_text(str(node.get("reviewBody") or node.get("description") or ""))
    author = _name(node.get("author"))
    date = node.get("datePublished") or node.get("dateCreated")
    if not body and not author:
        raise ValueError("a review with neither text nor author")
    found = node.get("reviewRating")
    stars: dict[str, Any] = found if isinstance(found, dict) else {}
    scale = rating(stars.get("bestRating"), 100.0) or 5.0
    own_url = public_page(node["url"]) if isinstance(node.get("url"), str) else None
    return Item(
        external_id=str(node.get("@id") or own_url or stable_id(page_url, author, date, body[:200])),
        url=own_url or public_page(page_url),
        title=html_to_text(str(node.get("name") or node.get("headline") or "")),
        text=body,
        author=author,
        published_at=parse_time(date),
        language=node.get("inLanguage") if isinstance(node.get("inLanguage"), str) else None,
        rating=rating(stars.get("ratingValue"), scale),
        rating_scale=scale if stars.get("ratingValue") is not None else None,
    )


def _aggregate_ld(node: dict[str, Any]) -> Aggregate | None:
    if not _is(node, "AggregateRating"):
        return None
    return _make_aggregate(
        node.get("ratingValue"), node.get("reviewCount") or node.get("ratingCount"), node.get("bestRating")
    )


def _make_aggregate(value: Any, count: Any, best: Any) -> Aggregate | None:
    scale = rating(best, 100.0) or 5.0
    number = rating(value, scale)
    if number is None:
        return None
    total = _first_number(str(count)) if count is not None else None
    return Aggregate(number, int(total) if total is not None else None, scale)


# --- microdata and selectors --------------------------------------------------------------------------------------


def _prop(scope: Tag, name: str) -> str | None:
    """The value of `itemprop=name` that belongs to this scope (not to an item nested inside it)."""
    for el in scope.find_all(itemprop=True):
        if name not in str(el.get("itemprop", "")).split():
            continue
        owner = el.find_parent(attrs={"itemscope": True})
        if owner is not scope:
            continue
        if el.has_attr("itemscope"):  # a nested item, e.g. author Person: its name
            return _prop(el, "name") or html_to_text(el.decode_contents())
        return _value(el)
    return None


def _value(el: Tag) -> str:
    for attribute in ("content", "datetime", "data-rating", "aria-label"):
        if el.has_attr(attribute):
            return str(el[attribute])
    return html_to_text(el.decode_contents())


def _first_number(text: str | None) -> float | None:
    match = _NUMBER.search(text or "")
    return float(match.group().replace(",", ".")) if match else None


def _microdata_item(scope: Tag, page_url: str) -> Item:
    body = _prop(scope, "reviewBody") or _prop(scope, "description") or ""
    author = _prop(scope, "author") or ""
    date = _prop(scope, "datePublished")
    rating_scope = next((el for el in scope.find_all(itemprop="reviewRating") if el.has_attr("itemscope")), None)
    value = _prop(rating_scope, "ratingValue") if rating_scope else None
    scale = (rating(_prop(rating_scope, "bestRating"), 100.0) if rating_scope else None) or 5.0
    if not body and not author:
        raise ValueError("a review with neither text nor author")
    return Item(
        external_id=stable_id(page_url, author, date, body[:200]),
        url=public_page(page_url),
        title=_prop(scope, "name") or "",
        text=body,
        author=author,
        published_at=parse_time(date),
        rating=rating(_first_number(value), scale),
        rating_scale=scale if value else None,
    )


def _selector_item(el: Tag, selectors: Selectors, page_url: str, scale: float) -> Item:
    def pick(css: str | None) -> str | None:
        found = el.select_one(css) if css else None
        return _value(found) if found is not None else None

    body, author, date = pick(selectors.text) or "", pick(selectors.author) or "", pick(selectors.date)
    if not body:
        raise ValueError("the text selector found nothing in this review")
    value = rating(_first_number(pick(selectors.rating)), scale)
    return Item(
        external_id=stable_id(page_url, author, date, body[:200]),
        url=public_page(page_url),
        title=pick(selectors.title) or "",
        text=body,
        author=author,
        published_at=parse_time(date),
        rating=value,
        rating_scale=scale if value is not None else None,
    )


# --- the source ---------------------------------------------------------------------------------------------------


def aggregate_drop(previous: Aggregate | None, current: Aggregate | None, url: str) -> Item | None:
    """A mention saying the page's average rating fell, or None when it did not."""
    if previous is None or current is None or current.scale != previous.scale or current.value >= previous.value:
        return None
    url = public_page(url)
    count = f" ({current.count} reviews)" if current.count is not None else ""
    return Item(
        external_id=f"aggregate:{current.value:g}:{current.count}",
        url=url,
        title=f"Average rating fell from {previous.value:g} to {current.value:g}{count}",
        text=f"The average rating on {url} fell from {previous.value:g} to {current.value:g} out of {current.scale:g}.",
        rating=current.value,
        rating_scale=current.scale,
        extra={"aggregate": True, "previous": previous.value},
    )


def _load_aggregate(value: Any) -> Aggregate | None:
    if not isinstance(value, dict):
        return None
    return _make_aggregate(value.get("value"), value.get("count"), value.get("scale"))


class ReviewsSource(Source[ReviewsConfig]):
    kind = "reviews"
    Config = ReviewsConfig

    def describe(self) -> str:
        how = "CSS selectors" if self.config.selectors else "schema.org markup"
        return f"reviews on {public_page(self.config.url)} ({how})"

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        response = await http.get(self.config.url, state=state)
        if response.not_modified:
            return FetchResult((), state, not_modified=True)
        selectors = self.config.selectors.model_dump() if self.config.selectors else None
        args = {"url": self.config.url, "selectors": selectors, "scale": self.config.rating_scale}
        found = await http.workers.run("page", response.body, args, what=bare_url(self.config.url))
        page = Page(
            tuple(item_from_json(item) for item in found["items"]),
            int(found["skipped"]),
            _load_aggregate(found["aggregate"]),
        )
        seen = seen_list(state.cursor)
        fresh = list(unseen(page.items, seen))
        drop = aggregate_drop(_load_aggregate(state.cursor.get("aggregate")), page.aggregate, self.config.url)
        if drop is not None:
            fresh.append(drop)
        cursor: dict[str, Any] = {"seen": remember(seen, fresh)}
        if page.aggregate is not None:
            agg = page.aggregate
            cursor["aggregate"] = {"value": agg.value, "count": agg.count, "scale": agg.scale}
        elif "aggregate" in state.cursor:
            cursor["aggregate"] = state.cursor["aggregate"]  # a page that lost its markup keeps the last known average
        new_state = response.next_state(SourceState(cursor=cursor))
        return FetchResult(tuple(fresh), new_state, skipped=page.skipped)
