"""`mention-monitor score --jsonl`: score JSON lines from stdin with the daemon's scorer.

Each line is `{"text": ..., "rating": optional, "rating_scale": optional, "language": optional, "target": optional}`;
`target` (a name, or a list of terms) asks for the sentiment toward it, as the pipeline asks for the matched brand's.
"""

from __future__ import annotations

import json
import sys

from monitor.cli.context import Context
from monitor.config import default_config_path
from monitor.sentiment import build_scorer
from monitor.service.parts import scorer_for


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
                target=_target(item.get("target")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            sys.stderr.write(f"line {number}: skipped: {type(exc).__name__}: {exc}\n")
            sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            status = 1
            continue
        out_line = {"sentiment": result.sentiment, "label": result.label, "language": result.language}
        sys.stdout.write(json.dumps(out_line, ensure_ascii=False) + "\n")
    return status


def _target(value: object) -> str | list[str] | None:
    """The optional "target": a name, or a list of terms (a brand's name, handle, domain...)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v for v in value if v.strip()] or None
    raise TypeError("target must be a string or a list of strings")
