"""`mention-monitor score --jsonl`: score JSON lines from stdin with the daemon's scorer."""

from __future__ import annotations

import json
import sys

from monitor.cli.context import Context
from monitor.config import default_config_path
from monitor.sentiment import build_scorer
from monitor.service.app import scorer_for


def command(ctx: Context) -> int:
    # The daemon's scorer: its config's [sentiment] when there is a config (named, or ./monitor.toml), else the
    # defaults, so that scoring a file needs no setup.
    has_config = ctx.args.config or default_config_path().exists()
    scorer = scorer_for(ctx.load()) if has_config else build_scorer()
    status = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
            rating = item.get("rating")
            result = scorer.score(
                text,
                rating=float(rating) if rating is not None else None,
                rating_scale=float(item.get("rating_scale") or 5) if rating is not None else None,
                language=item.get("language"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            sys.stderr.write(f"line {number}: skipped: {type(exc).__name__}: {exc}\n")
            sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            status = 1
            continue
        out_line = {"sentiment": result.sentiment, "label": result.label, "language": result.language}
        sys.stdout.write(json.dumps(out_line, ensure_ascii=False) + "\n")
    return status
