-- As migrations/0003_frozen_messages.sql: messages queued as they will be sent (the digest), with their files.
ALTER TABLE outbox ADD COLUMN frozen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN html TEXT;
CREATE TABLE outbox_files (
    outbox_id           BIGINT NOT NULL REFERENCES outbox (id),
    position            BIGINT NOT NULL,
    name                TEXT NOT NULL,
    mimetype            TEXT NOT NULL,
    data                BYTEA NOT NULL,
    PRIMARY KEY (outbox_id, position)
);

-- A digest slot is settled when its digest is queued (or deliberately not sent).
ALTER TABLE digests RENAME COLUMN sent_at TO queued_at;
