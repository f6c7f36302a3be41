"""Owner replies, end to end: the owner answers on YouTube, the mention becomes `responded` by itself, and its
"still unanswered" escalation never fires — through the real scheduler, pipeline, rules and outbox."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.clock import FixedClock
from tests.apps import HEADER, close, cycle, deliver, make_app
from tests.loopback import LoopbackServer
from tests.sources._helpers import json_reply, real_json
from tests.sources.test_youtube import OWNER, THREADS, _reply, _with_replies


def test_an_owner_reply_on_the_platform_stops_the_escalation(tmp_path: Path, server: LoopbackServer) -> None:
    clock = FixedClock(datetime(2026, 8, 12, 0, 0, tzinfo=UTC))
    captured = real_json(THREADS)
    server.route("/youtube/v3/commentThreads", json_reply(captured))
    server.route("/hook", body=b"{}")
    body = f"""
[[brands]]
name = "PowerBank"

[[sources]]
name = "youtube"
kind = "youtube"
video_ids = ["zzjq7_ddb0U"]
api_key = "yt-key"
brand = "PowerBank"
base_url = "{server.url()}"

[destinations]
team = {{ url = "json://127.0.0.1:{server.port}/hook", group_wait = "0s" }}

[[rules]]
name = "unanswered"
when = "true"
unanswered_after = "24h"
notify = ["team"]
"""
    app = make_app(tmp_path, body, clock, HEADER + 'alert_max_age = "60d"\n')
    try:
        cycle(app)
        stored = {m.external_id: m for m in app.pipeline.mentions.list()}
        assert len(stored) == 10 and all(m.status == "new" for m in stored.values())
        # The owner answers the first thread on YouTube; the next poll sees the reply.
        answered = copy.deepcopy(captured)
        answered["items"][0] = _with_replies(answered["items"][0], _reply(OWNER, "2026-08-12T06:00:00Z", "Fixed!"))
        server.route("/youtube/v3/commentThreads", json_reply(answered))
        clock.advance(timedelta(hours=1))
        cycle(app)
        first = app.pipeline.mentions.get(stored["Ugxdn2pX4uwWHOdRVwh4AaABAg"].id)  # type: ignore[arg-type]
        assert first is not None and first.status == "responded"
        assert first.answered_at == datetime(2026, 8, 12, 6, 0, tzinfo=UTC)
        clock.advance(timedelta(hours=24))
        deliver(app)
    finally:
        close(app)
    posted = [json.loads(r.body) for r in server.requests if r.path == "/hook"]
    text = "\n".join(p["message"] for p in posted)
    assert f"#{first.id} " not in text  # the answered thread was not escalated
    assert "9 mentions need an answer" in text  # the nine unanswered ones were
