-- Sources' schedule state: what the scheduler needs to survive a restart (Miniflux keeps the same in `feeds`).
CREATE TABLE sources (
    name                TEXT PRIMARY KEY,
    kind                TEXT NOT NULL,
    next_check_at       TEXT NOT NULL,
    etag                TEXT,
    last_modified       TEXT,
    cursor              TEXT NOT NULL DEFAULT '{}',
    consecutive_errors  INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    last_error_at       TEXT,
    last_success_at     TEXT,
    last_attempt_at     TEXT,
    fetches_total       INTEGER NOT NULL DEFAULT 0,
    errors_total        INTEGER NOT NULL DEFAULT 0,
    items_total         INTEGER NOT NULL DEFAULT 0,
    skipped_total       INTEGER NOT NULL DEFAULT 0,
    broken_notified     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE mentions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    source              TEXT NOT NULL,
    kind                TEXT NOT NULL,
    external_id         TEXT NOT NULL,
    url                 TEXT NOT NULL,
    title               TEXT NOT NULL,
    text                TEXT NOT NULL,
    author              TEXT NOT NULL,
    published_at        TEXT NOT NULL,
    fetched_at          TEXT NOT NULL,
    language            TEXT,
    rating              REAL,
    rating_scale        REAL,
    brand               TEXT NOT NULL,
    sentiment           REAL,
    label               TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'new',
    status_changed_at   TEXT,
    fingerprint         TEXT NOT NULL,
    engagement          TEXT NOT NULL DEFAULT '{}',
    answered_at         TEXT,
    UNIQUE (source, external_id)
);
CREATE INDEX mentions_url ON mentions (url);
CREATE INDEX mentions_fingerprint ON mentions (fingerprint);
CREATE INDEX mentions_published ON mentions (published_at);
CREATE INDEX mentions_status ON mentions (status);

-- Every time a mention was seen: the same story from a second feed is a sighting, not a second mention.
CREATE TABLE sightings (
    source              TEXT NOT NULL,
    external_id         TEXT NOT NULL,
    mention_id          INTEGER NOT NULL REFERENCES mentions (id),
    seen_at             TEXT NOT NULL,
    PRIMARY KEY (source, external_id)
);

-- What happened to a mention (or to the service), with the reason: the audit trail `rules test` and the CLI show.
CREATE TABLE events (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    at                  TEXT NOT NULL,
    mention_id          INTEGER REFERENCES mentions (id),
    type                TEXT NOT NULL,
    rule                TEXT,
    destination         TEXT,
    reason              TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_mention ON events (mention_id);
CREATE INDEX events_type_at ON events (type, at);

-- The outbox: one row per (mention or event, rule, destination); `key` makes a second row impossible.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    key                 TEXT NOT NULL UNIQUE,
    destination         TEXT NOT NULL,
    rule                TEXT NOT NULL,
    mention_id          INTEGER REFERENCES mentions (id),
    priority            TEXT NOT NULL DEFAULT 'normal',
    reason              TEXT NOT NULL DEFAULT '',
    subject             TEXT,
    body                TEXT,
    created_at          TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending',
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    sent_at             TEXT,
    message_id          INTEGER
);
CREATE INDEX outbox_pending ON outbox (state, due_at);

-- Each message a destination accepted; written only after it accepted (the notification log).
CREATE TABLE deliveries (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    destination         TEXT NOT NULL,
    sent_at             TEXT NOT NULL,
    items               INTEGER NOT NULL,
    title               TEXT NOT NULL
);
CREATE INDEX deliveries_dest ON deliveries (destination, sent_at);

CREATE TABLE destinations (
    name                TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since       TEXT,
    last_error          TEXT,
    broken_notified     INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT
);

CREATE TABLE spikes (
    rule                TEXT NOT NULL,
    brand               TEXT NOT NULL,
    last_fired_at       TEXT NOT NULL,
    PRIMARY KEY (rule, brand)
);

CREATE TABLE digests (
    scheduled_for       TEXT NOT NULL,
    brand               TEXT NOT NULL DEFAULT '',
    sent_at             TEXT,
    PRIMARY KEY (scheduled_for, brand)
);
