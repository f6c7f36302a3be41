"""Storage: every SQL statement of the project lives in this package.

`Database` owns the connection, the migrations and transactions; each repository holds the statements of one idea:
`mentions` (and sightings), `schedule` (sources' schedule and health), `outbox` (alerts waiting, the notification
log, destinations' health), `events` (the audit trail), `digests` (settled digest slots and the digest's figures),
`spikes` (cool-downs). Open with `open_database(url)`.
"""

from monitor.storage.database import Database, open_database

__all__ = ["Database", "open_database"]
