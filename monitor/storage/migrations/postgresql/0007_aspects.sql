-- What a negative mention complains about (monitor/aspects.py): a JSON array of aspect names, such as
-- ["staff", "waiting"]; empty for the mentions stored before, and for those that are not negative.
ALTER TABLE mentions ADD COLUMN aspects TEXT NOT NULL DEFAULT '[]';
