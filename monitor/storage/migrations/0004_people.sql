-- People who use the web inbox. `brands` is a JSON list: empty = every brand; otherwise the only brands this user
-- may see (an agency's client). `session_epoch` is part of every session cookie: a new password or a removal ends
-- every session the user had.
CREATE TABLE users (
    name                TEXT PRIMARY KEY,
    password_hash       TEXT NOT NULL,
    brands              TEXT NOT NULL DEFAULT '[]',
    notify              TEXT,
    created_at          TEXT NOT NULL,
    session_epoch       INTEGER NOT NULL DEFAULT 0
);

-- Notes on a mention, by a person (or "cli").
CREATE TABLE notes (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    mention_id          INTEGER NOT NULL REFERENCES mentions (id),
    at                  TEXT NOT NULL,
    author              TEXT NOT NULL,
    text                TEXT NOT NULL
);
CREATE INDEX notes_mention ON notes (mention_id);

-- Failed logins, for rate limiting (kept in the database so every instance sees them).
CREATE TABLE login_failures (
    key                 TEXT NOT NULL,
    at                  TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

-- Who handles a mention, and who did what.
ALTER TABLE mentions ADD COLUMN assignee TEXT;
ALTER TABLE events ADD COLUMN actor TEXT;
CREATE INDEX mentions_author ON mentions (kind, author);
CREATE INDEX mentions_brand ON mentions (brand, published_at);
