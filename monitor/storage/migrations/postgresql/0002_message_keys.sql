-- As migrations/0002_message_keys.sql: the key of the message a row was put in, written before it is sent.
ALTER TABLE outbox ADD COLUMN send_key TEXT;
