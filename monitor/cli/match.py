"""`mention-monitor [--config F] match --jsonl`: which brand each item on stdin is about, as the daemon decides.

Reads JSON lines `{"title": ..., "text": ..., "url": ...}` (any may be missing; `"language"` optional) and writes one
line per input: `{"brand": name or null, "relevant": true/false, "reason": "..."}`. `brand` is the brand the item
names; `relevant` says whether it is about it (false: the daemon would hold it back, or, with `brand` null, not
store it at all). The same decision as the pipeline's (monitor/relevance.py), with what the owner taught when the
config's database exists. Reads the database, never changes what is in it; needs no secret.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from monitor.cli.context import Context
from monitor.config import Config
from monitor.matching import BrandMatcher
from monitor.relevance import BrandRelevance
from monitor.sentiment import build_scorer
from monitor.service.parts import open_db
from monitor.storage.database import is_postgresql
from monitor.storage.relevance import Relevance

FIELDS = ("title", "text", "url", "language")


def command(ctx: Context) -> int:
    config = ctx.load()
    # The pipeline's language guess (the English backend's recognition first, then the detector), with the light
    # backend whatever the config's: the transformer backend recognises English by the light one's words.
    relevance = BrandRelevance(BrandMatcher.from_config(config.brands), detect=build_scorer().detect)
    _learn(config, relevance)
    status = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise TypeError("each line must be a JSON object")
            values = {k: item.get(k) or "" for k in FIELDS}
            if any(not isinstance(v, str) for v in values.values()):
                raise TypeError(f"{', '.join(FIELDS)} must be strings")
            verdict = relevance.judge(
                values["title"], values["text"], values["url"], language=values["language"] or None
            )
        except (ValueError, TypeError) as exc:
            sys.stderr.write(f"line {number}: skipped: {type(exc).__name__}: {exc}\n")
            sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            status = 1
            continue
        result = {"brand": verdict.brand, "relevant": verdict.relevant, "reason": verdict.reason}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return status


def _learn(config: Config, relevance: BrandRelevance) -> None:
    """What the owner taught, from the config's database when there is one (a SQLite file not made yet: nothing)."""
    database = config.monitor.database
    if not is_postgresql(database) and not Path(database).exists():
        return
    db = open_db(config)
    try:
        relevance.learn(Relevance(db).lessons(relevance.matcher.brands))
    finally:
        db.close()
