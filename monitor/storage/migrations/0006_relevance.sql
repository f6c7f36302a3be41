-- Why a mention is held back as not about its brand (status 'irrelevant'): the matcher's reason ("'Slack' is a
-- common word and nothing near it says it is the brand") or the learned model's ("like the 3 mentions marked not
-- about us"). The row stays when `about-us` brings the mention back (released_at, released_by): nothing is deleted.
-- The owner's corrections themselves are the events 'not_about_us' and 'about_us' (what the models learn from).
CREATE TABLE held_back (
    mention_id          INTEGER PRIMARY KEY REFERENCES mentions (id),
    reason              TEXT NOT NULL,
    held_at             TEXT NOT NULL,
    released_at         TEXT,
    released_by         TEXT
);
-- A brand's mentions by status, newest first: the kept and held-back items the relevance models learn from.
CREATE INDEX mentions_brand_status ON mentions (brand, status, id);
