-- Several instances on one database (PostgreSQL): who runs, and who holds which piece of work.
CREATE TABLE instances (
    id                  TEXT PRIMARY KEY,
    hostname            TEXT NOT NULL,
    pid                 INTEGER NOT NULL,
    started_at          TEXT NOT NULL,
    heartbeat_at        TEXT NOT NULL
);

-- A named piece of work (a source's poll, the digest, the spike check) held by one instance until `expires_at`:
-- renewed while it works, taken over by another instance once it has expired (its holder died).
CREATE TABLE leases (
    name                TEXT PRIMARY KEY,
    holder              TEXT NOT NULL,
    acquired_at         TEXT NOT NULL,
    expires_at          TEXT NOT NULL
);
CREATE INDEX leases_holder ON leases (holder);

-- An outbox row taken for delivery by one instance until `claimed_until` (Outbox.claim_due).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
-- Due rows per destination, for claim_due.
CREATE INDEX outbox_due ON outbox (destination, state, due_at);
