-- As migrations/0005_instances.sql: several instances on one database, leases, and outbox claims.
CREATE TABLE instances (
    id                  TEXT PRIMARY KEY,
    hostname            TEXT NOT NULL,
    pid                 BIGINT NOT NULL,
    started_at          TEXT NOT NULL,
    heartbeat_at        TEXT NOT NULL
);

CREATE TABLE leases (
    name                TEXT PRIMARY KEY,
    holder              TEXT NOT NULL,
    acquired_at         TEXT NOT NULL,
    expires_at          TEXT NOT NULL
);
CREATE INDEX leases_holder ON leases (holder);

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
-- Due rows per destination, for claim_due.
CREATE INDEX outbox_due ON outbox (destination, state, due_at);
