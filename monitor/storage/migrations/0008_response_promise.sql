-- The response promise's timers read only what became due since their previous pass: how far each one has looked
-- (an escalation step of a rule, the follow-up pass): a time, and the last id read at that time when a pass stopped
-- part-way; see monitor/storage/timers.py.
CREATE TABLE timer_marks (
    name                TEXT PRIMARY KEY,
    done_until          TEXT NOT NULL,
    after_id            INTEGER
);

-- A resolved complaint comes back once for a follow-up: when it came back (NULL: not yet).
ALTER TABLE mentions ADD COLUMN follow_up_at TEXT;
-- Escalations ask for the unanswered mentions first seen in a range; follow-ups for those resolved in a range.
CREATE INDEX mentions_first_seen ON mentions (fetched_at);
CREATE INDEX mentions_status_changed ON mentions (status, status_changed_at);
