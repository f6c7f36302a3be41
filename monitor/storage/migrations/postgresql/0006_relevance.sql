-- As migrations/0006_relevance.sql: why a mention is held back as not about its brand, and the index the relevance
-- models read their examples through.
CREATE TABLE held_back (
    mention_id          BIGINT PRIMARY KEY REFERENCES mentions (id),
    reason              TEXT NOT NULL,
    held_at             TEXT NOT NULL,
    released_at         TEXT,
    released_by         TEXT
);
CREATE INDEX mentions_brand_status ON mentions (brand, status, id);
