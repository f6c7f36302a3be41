"""The digest's chart: daily mentions stacked by sentiment label, with the day's average stars as a line.

matplotlib is imported inside `daily_chart_png()`, never at module import: it costs about half a second, and the
daemon and the CLI import this module on paths that never draw. Without matplotlib the chart is simply left out
(the digest says so) rather than failing the digest.

We draw on a `Figure` with the Agg canvas directly instead of `pyplot`: pyplot keeps global state (the current
figure, the backend chosen at first import) and is not safe to use from the worker thread the daemon draws in.
No text from the internet reaches the chart (only dates and numbers), so it needs no escaping and no CJK fonts.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from alerts.digest.figures import DailyPoint

# Colours chosen to be told apart by colour-blind readers as well (negative/positive are not red/green hues alone:
# they also differ in lightness), and to match the HTML's label colours.
COLOURS = {"negative": "#c0392b", "neutral": "#95a5a6", "positive": "#2e86c1", "unscored": "#d5d8dc"}
RATING_COLOUR = "#e67e22"
WIDTH_PX, HEIGHT_PX, DPI = 640, 260, 100


def daily_chart_png(points: Sequence[DailyPoint], *, period_days: int = 7) -> bytes | None:
    """A PNG of `points`, or None when matplotlib is not installed or there is nothing to draw."""
    if not points:
        return None
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    figure.subplots_adjust(left=0.07, right=0.92, top=0.88, bottom=0.17)
    xs = list(range(len(points)))
    bottom = [0] * len(points)
    for index, label in enumerate(COLOURS):
        heights = [p.counts[index] for p in points]
        if any(heights):
            axes.bar(xs, heights, bottom=bottom, color=COLOURS[label], width=0.85, label=label, linewidth=0)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylabel("mentions a day", fontsize=8)
    axes.set_ylim(0, max(max(bottom), 1) * 1.15)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=7)
    # One tick per period start, labelled with its date: the reader compares weeks, not days.
    ticks = list(range(len(points) % period_days, len(points), period_days)) or [0]
    axes.set_xticks(ticks, [points[i].day.strftime("%d %b") for i in ticks])
    axes.set_xlim(-0.6, len(points) - 0.4)

    ratings = [p.average_rating if p.average_rating is not None else math.nan for p in points]
    if any(not math.isnan(r) for r in ratings):
        twin = axes.twinx()
        twin.plot(xs, ratings, color=RATING_COLOUR, marker="o", markersize=3, linewidth=1.5, label="average stars")
        twin.set_ylim(0, 5.3)
        twin.set_yticks([1, 2, 3, 4, 5])
        twin.set_ylabel("stars (of 5)", fontsize=8, color=RATING_COLOUR)
        twin.tick_params(labelsize=7, colors=RATING_COLOUR)
        twin.spines[["top", "left"]].set_visible(False)
    figure.legend(loc="upper center", ncols=5, fontsize=7, frameon=False)
    buffer = io.BytesIO()
    # No "Software" metadata: the same figures give the same bytes, and the mail does not advertise versions.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
