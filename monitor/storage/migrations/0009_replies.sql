-- Replies the owner wrote on a mention's page: sent through the source's owner API (Google, Google Play, the App
-- Store) or answered at the source by hand. `key` is the page's one-time value for that reply box: a double tap or a
-- resent form is the same row. At most one live reply per mention ('sending', 'uncertain' or 'sent'): the database,
-- not a check in the code, keeps a complaint from being answered twice, whichever instance served the page.
CREATE TABLE replies (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    mention_id          INTEGER NOT NULL REFERENCES mentions (id),
    key                 TEXT NOT NULL UNIQUE,
    text                TEXT NOT NULL,
    template            TEXT,
    via                 TEXT NOT NULL,
    actor               TEXT NOT NULL,
    state               TEXT NOT NULL,
    reason              TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    tried_at            TEXT,
    sent_at             TEXT
);
CREATE UNIQUE INDEX replies_one_live ON replies (mention_id) WHERE state IN ('sending', 'uncertain', 'sent');
CREATE INDEX replies_mention ON replies (mention_id);
