-- As migrations/0008_response_promise.sql: the timers' marks, when a complaint came back for a follow-up, and the
-- indexes the escalation and follow-up passes ask through.
CREATE TABLE timer_marks (
    name                TEXT PRIMARY KEY,
    done_until          TEXT NOT NULL,
    after_id            BIGINT
);

ALTER TABLE mentions ADD COLUMN follow_up_at TEXT;
CREATE INDEX mentions_first_seen ON mentions (fetched_at);
CREATE INDEX mentions_status_changed ON mentions (status, status_changed_at);
