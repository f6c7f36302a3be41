-- The key of the message a row was put in, written before that message is sent. After a crash between the
-- destination accepting a message and our recording it, the same rows are sent again as the same message under the
-- same key, which the receiving side can recognise as a repeat (HTTP Idempotency-Key, an e-mail header).
ALTER TABLE outbox ADD COLUMN send_key TEXT;
