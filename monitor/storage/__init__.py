"""Storage: every SQL statement of the project lives in this package.

`Database` owns the connection, the migrations and transactions; the repositories (`mentions`, `schedule`,
`outbox`, `events`) each hold the statements of one idea. Open with `open_database(url)`.
"""

from monitor.storage.database import Database, open_database

__all__ = ["Database", "open_database"]
