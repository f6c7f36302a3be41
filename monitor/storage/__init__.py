"""Storage: every SQL statement of the project lives in this package, for SQLite and PostgreSQL alike.

`open_database(url)` opens `[monitor] database`: a SQLite path (the default, one daemon per file), or
`postgresql://user@host/dbname` when several instances share the work. Both are a `Database` (base.py):
`execute` / `query` / `one` run one statement, `transaction()` is one atomic unit (a nested one joins the outer),
rows are read as `row["column"]`, and every driver error becomes a StorageError naming the database (never its
password). The repositories hold the statements of one idea each and never ask which backend they run on:
`mentions` (and sightings), `schedule` (sources' schedule and health), `outbox` (alerts waiting, the notification
log, destinations' health, claims for delivery), `events` (the audit trail), `digests`, `spikes` (cool-downs),
`users`, `notes`, `leases` and `instances` (several instances on one database), `timers` (how far the rule timer's
escalation steps and follow-up pass have read) and `followups` (resolved complaints back once for a follow-up).

How one SQL serves both:
- The repositories write SQLite's `?` placeholders; the PostgreSQL backend turns them into psycopg's `%s`
  (outside string literals; a literal `%` is doubled), once per distinct statement.
- What SQLite 3.35+ and PostgreSQL share replaces SQLite's own forms: `INSERT ... ON CONFLICT (...) DO NOTHING`
  for `INSERT OR IGNORE`, `RETURNING id` for `lastrowid`, the target table named in `ON CONFLICT DO UPDATE`
  expressions, `LOWER(x) LIKE LOWER(?)` where SQLite's LIKE would ignore case and PostgreSQL's would not.
- Times are fixed-width UTC text (`to_db` / `from_db`) in both, so ordering and comparisons are the same. Flags
  are 0/1 integers in both. PostgreSQL's text cannot hold NUL: it is stored as U+FFFD there.
- Where the dialects must differ, the database says so (`Database.skip_locked`), not the repository.

Migrations are numbered, with the version in the database: `migrations/NNNN_*.sql` for SQLite and
`migrations/postgresql/NNNN_*.sql` with the same numbers and meaning (identity columns for AUTOINCREMENT, BIGINT
for INTEGER, DOUBLE PRECISION for REAL, BYTEA for BLOB); a test checks that both sets make the same tables,
columns, keys and indexes. PostgreSQL applies them under an advisory lock, so two instances starting at once do
not race.

Connections: SQLite has one connection, used from the daemon's event-loop thread; `lock.WriterLock` keeps a second
daemon off the file. PostgreSQL has a psycopg pool of one connection (a Database serves one thread, as with
SQLite); each statement, or each whole transaction, takes it and gives it back. A lost connection (a restart,
`pg_terminate_backend`) fails the statement in flight only: the pool makes a new one for the next statement, and a
connection idle for a few seconds is checked before use. Several instances may run there (no WriterLock); what
they must not do twice is decided by `leases` (a named piece of work, with expiry) and `Outbox.claim_due` (rows
taken for delivery), both single statements that two racing instances cannot both win.

`transfer.copy_database` copies one database into an empty other (`mention-monitor migrate-db`).
"""

from monitor.storage.database import Database, open_database

__all__ = ["Database", "open_database"]
