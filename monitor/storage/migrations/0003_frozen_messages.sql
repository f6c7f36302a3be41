-- Messages queued as they will be sent (the digest): rendered once when queued, so a retry sends the same message.
-- `frozen` = 1: subject and body are already in the destination's channel form, `html` is the email's HTML part,
-- and the row's files (the digest's chart PNGs) are in `outbox_files`, in order.
ALTER TABLE outbox ADD COLUMN frozen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN html TEXT;
CREATE TABLE outbox_files (
    outbox_id           INTEGER NOT NULL REFERENCES outbox (id),
    position            INTEGER NOT NULL,
    name                TEXT NOT NULL,
    mimetype            TEXT NOT NULL,
    data                BLOB NOT NULL,
    PRIMARY KEY (outbox_id, position)
);

-- A digest slot is settled when its digest is queued (or deliberately not sent); what was delivered, and when, is
-- in the outbox and the notification log.
ALTER TABLE digests RENAME COLUMN sent_at TO queued_at;
