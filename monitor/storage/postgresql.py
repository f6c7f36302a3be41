"""The PostgreSQL backend (`database = "postgresql://user@host/dbname"`): psycopg 3 and a connection pool.

Several instances share one PostgreSQL; each uses it from its one event-loop thread, so a `PostgresDatabase` has a
pool of one connection, taken for each unit of work (a statement, or a whole transaction) and given back right after.
The pool replaces a connection that was lost (PostgreSQL restarted, `pg_terminate_backend`, a network cut): the
statement in flight fails with a StorageError, the next one gets a new connection. A connection that has been
idle for a while is checked before it is handed out, so the first statement after a quiet spell does not fail.

The repositories' SQL is shared with SQLite: `?` placeholders become psycopg's `%s` here (outside string literals),
rows are dicts (`row["column"]`), times are the same fixed-width UTC text. Migrations are
`migrations/postgresql/NNNN_*.sql`, applied under an advisory lock so that two instances starting at once do not
both apply them. Errors name the database by a location without its password, and the password is scrubbed from
any message that would repeat it.
"""

from __future__ import annotations

import functools
import logging
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from monitor.errors import StorageError
from monitor.storage.base import Column, Database, Params, Row, insert_chunks, migrations, statements, to_db
from monitor.storage.placeholders import clean, translate

log = logging.getLogger(__name__)

Connection = psycopg.Connection[DictRow]

# pg_advisory_lock's key for applying migrations: one instance migrates, the others wait and find nothing to do.
MIGRATION_LOCK = 0x6D656E74696F6E  # "mention"
CONNECT_TIMEOUT = 10  # seconds, for a new connection and for waiting on the pool
IDLE_CHECK = 2.0  # seconds: a connection idle longer than this is checked before use
# One connection: a Database serves one thread (the daemon's event loop), one unit of work at a time, like SQLite's.
# The pool is what replaces it when it is lost, checks it after a quiet spell, and renews it after max_lifetime.
POOL_SIZE = 1

_TYPES = {
    "text": "text",
    "bigint": "integer",
    "integer": "integer",
    "smallint": "integer",
    "double precision": "real",
    "real": "real",
    "bytea": "blob",
}


class PostgresDatabase(Database):
    backend = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    shared = True

    def __init__(
        self, url: str, settings: Mapping[str, Any], location: str, secrets: Sequence[str], *, pool_size: int
    ) -> None:
        super().__init__(location)
        self._secrets = [s for s in secrets if s]
        self._held: Connection | None = None  # the connection of the transaction in progress
        self._cursors = 0
        # When each connection last went back to the pool (weak: a discarded connection is forgotten).
        self._returned: weakref.WeakKeyDictionary[Connection, float] = weakref.WeakKeyDictionary()
        timeout = float(settings.get("connect_timeout") or CONNECT_TIMEOUT)
        self.pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            connection_class=psycopg.Connection,
            kwargs=dict(settings),
            min_size=1,
            max_size=max(1, pool_size),
            open=False,
            check=self._check,
            name=f"mention-monitor {location}",
            timeout=timeout,
        )

    def open(self) -> None:
        try:
            self.pool.open(wait=True, timeout=self.pool.timeout)
        except PoolTimeout:
            self.pool.close()
            raise StorageError(f"cannot open the database {self.location}: no connection within the timeout") from None

    def close(self) -> None:
        self.pool.close()

    # ------------------------------------------------------------------------------------------- connections

    def _getconn(self) -> Connection:
        try:
            return self.pool.getconn()
        except PoolTimeout:
            raise StorageError(
                f"{self.location}: no connection to PostgreSQL within {self.pool.timeout:g}s (is it running?)"
            ) from None
        except PoolClosed:
            raise StorageError(f"{self.location}: the database was closed") from None

    def _putconn(self, conn: Connection) -> None:
        if conn.broken:
            log.warning("lost the connection to %s; the next statement uses a new one", self.location)
        self._returned[conn] = time.monotonic()
        self.pool.putconn(conn)

    def _check(self, conn: Connection) -> None:
        """The pool's check: a connection idle for a while may have been cut; one round trip tells."""
        if time.monotonic() - self._returned.get(conn, 0.0) > IDLE_CHECK:
            ConnectionPool.check_connection(conn)

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        if self._held is not None:
            yield self._held
            return
        conn = self._getconn()
        try:
            yield conn
        finally:
            self._putconn(conn)

    def _error(self, exc: BaseException, what: str = "") -> StorageError:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return StorageError(self.scrub(f"{self.location}: {what}{text}"))

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    # ------------------------------------------------------------------------------------------- statements

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        if self._held is not None:
            yield self
            return
        conn = self._getconn()
        self._held = conn
        try:
            with conn.transaction():
                yield self
        except psycopg.Error as exc:  # BEGIN or COMMIT failed (a statement's own error is a StorageError already)
            raise self._error(exc) from exc
        finally:
            self._held = None
            self._putconn(conn)

    def execute(self, sql: str, params: Params = ()) -> _Result:
        query = translate(sql, named=isinstance(params, Mapping))
        with self._connection() as conn:
            try:
                cursor = conn.execute(query, clean(params))
                rows = cursor.fetchall() if cursor.description is not None else []
            except psycopg.Error as exc:
                raise self._error(exc) from exc
            return _Result(cursor.rowcount, rows)

    def exclusive(self, *keys: str) -> None:
        if len(keys) == 1:
            self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", keys)
        elif keys:  # one round trip: unnest's rows come in the array's order, and the locks are taken in it
            self.execute("SELECT COUNT(pg_advisory_xact_lock(hashtext(k))) FROM unnest(?::text[]) AS k", (list(keys),))

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        query = translate(sql, named=False)
        with self._connection() as conn:
            try:
                with conn.cursor() as cursor:
                    cursor.executemany(query, [clean(r) for r in rows])
            except psycopg.Error as exc:
                raise self._error(exc) from exc

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, suffix: str = ""
    ) -> list[Row]:
        # PostgreSQL's own $n placeholders through a raw cursor: psycopg parses a query for its %s on every call
        # when it has more than 50 parameters (it caches only small ones), 8 ms for 200 mentions' 4,200.
        found: list[Row] = []
        with self._connection() as conn:
            for chunk in insert_chunks(rows, len(columns)):
                query = _raw_insert(table, tuple(columns), len(chunk), suffix)
                try:
                    with psycopg.RawCursor(conn) as cursor:
                        cursor.execute(query, clean([value for row in chunk for value in row]))
                        if cursor.description is not None:
                            found += cursor.fetchall()
                except psycopg.Error as exc:
                    raise self._error(exc) from exc
        return found

    def iterate(self, sql: str, params: Params = (), *, size: int = 500) -> Iterator[list[Row]]:
        query = translate(sql, named=isinstance(params, Mapping))
        with self.transaction(), self._connection() as conn:  # a server-side cursor lives in a transaction
            try:
                self._cursors += 1
                with conn.cursor(name=f"mention_monitor_{self._cursors}") as cursor:
                    cursor.execute(query, clean(params))
                    while batch := cursor.fetchmany(size):
                        yield list(batch)
            except psycopg.Error as exc:
                raise self._error(exc) from exc

    # ------------------------------------------------------------------------------------------- schema

    def migrate(self, target: int | None = None) -> int:
        with self._connection() as conn:
            try:
                _migrate(conn, target)
            except _MigrationFailed as exc:
                raise self._error(exc.__cause__ or exc, f"migration {exc.number:04d} failed: ") from exc
            except psycopg.Error as exc:
                raise self._error(exc, "migrations: ") from exc
        return self.version

    def schema(self) -> dict[str, tuple[Column, ...]]:
        rows = self.query(
            "SELECT c.table_name AS t, c.column_name AS name, c.data_type AS type, c.is_nullable AS nullable, "
            "EXISTS (SELECT 1 FROM information_schema.table_constraints k "
            "JOIN information_schema.key_column_usage u ON u.constraint_name = k.constraint_name "
            "AND u.table_schema = k.table_schema AND u.table_name = k.table_name "
            "WHERE k.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema "
            "AND k.table_name = c.table_name AND u.column_name = c.column_name) AS pk "
            "FROM information_schema.columns c JOIN information_schema.tables t "
            "ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
            "WHERE c.table_schema = current_schema() AND c.table_name != 'schema_version' "
            "ORDER BY c.table_name, c.ordinal_position"
        )
        found: dict[str, list[Column]] = {}
        for r in rows:
            column = Column(r["name"], _TYPES.get(r["type"], r["type"]), r["nullable"] == "NO", bool(r["pk"]))
            found.setdefault(r["t"], []).append(column)
        return {name: tuple(columns) for name, columns in found.items()}

    def indexes(self) -> set[str]:
        rows = self.query(
            "SELECT i.indexname AS name FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()))"
        )
        return {r["name"] for r in rows}

    def reset_sequences(self) -> None:
        rows = self.query(
            "SELECT table_name AS t, column_name AS c FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"
        )
        for r in rows:
            table, column = r["t"], r["c"]
            self.execute(
                f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX({column}), 0) + 1, false) FROM {table}",  # noqa: S608
                (table, column),
            )


@functools.lru_cache(maxsize=64)
def _raw_insert(table: str, columns: tuple[str, ...], count: int, suffix: str) -> str:
    width = len(columns)
    values = ", ".join(f"({', '.join(f'${row * width + i + 1}' for i in range(width))})" for row in range(count))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} {suffix}"  # noqa: S608


class _Result:
    """A statement's outcome, read before its connection went back to the pool."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rowcount: int, rows: list[DictRow]) -> None:
        self.rowcount = rowcount
        self._rows = rows

    def fetchone(self) -> DictRow | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[DictRow]:
        return self._rows


class _MigrationFailed(Exception):
    def __init__(self, number: int) -> None:
        super().__init__(f"migration {number:04d}")
        self.number = number


def _migrate(conn: Connection, target: int | None) -> None:
    """Under the advisory lock: create the version table, then apply each missing migration in its own
    transaction (PostgreSQL's DDL is transactional: a failed migration leaves nothing behind)."""
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
        row = conn.execute("SELECT MAX(version) AS v FROM schema_version").fetchone()
        current = int(row["v"]) if row and row["v"] is not None else 0
        for number, sql in migrations("postgresql"):
            if number <= current or (target is not None and number > target):
                continue
            try:
                with conn.transaction():
                    for statement in statements(sql):
                        conn.execute(statement.encode())  # bytes: run as written, no placeholders
                    conn.execute(
                        "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)",
                        (number, to_db(datetime.now(UTC))),
                    )
            except psycopg.Error as exc:
                raise _MigrationFailed(number) from exc
    finally:
        if not conn.broken:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


# --------------------------------------------------------------------------------------------------- opening


def redact(url: str) -> tuple[str, list[str]]:
    """A location to show (the URL without its password and query) and the secrets to scrub from messages."""
    secrets: list[str] = []
    try:
        params = pg_conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        params = {}
    for key in ("password", "sslpassword"):
        value = params.get(key)
        if isinstance(value, str) and value:
            secrets.append(value)
    try:
        parts = urlsplit(url)
        if parts.password:
            secrets.append(parts.password)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
        location = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        location = "postgresql://(unreadable URL)"
    for secret in secrets:
        location = location.replace(secret, "***")
    return location, secrets


def open_postgresql(url: str, *, migrate: bool = True, pool_size: int = POOL_SIZE) -> PostgresDatabase:
    location, secrets = redact(url)

    def scrubbed(exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        for secret in secrets:
            text = text.replace(secret, "***")
        return text

    try:
        given = pg_conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise StorageError(f"cannot read the database URL {location}: {scrubbed(exc)}") from None
    # No server-side prepared statements: an instance still running while another applies a migration that adds a
    # column would otherwise fail every prepared `SELECT *` ("cached plan must not change result type") until it
    # restarts, and a pooler in transaction mode (pgBouncer) could not carry them. Measured: no difference here.
    settings: dict[str, Any] = {"autocommit": True, "row_factory": dict_row, "prepare_threshold": None}
    if "connect_timeout" not in given:
        settings["connect_timeout"] = CONNECT_TIMEOUT
    if "application_name" not in given:
        settings["application_name"] = "mention-monitor"
    # The first connection, outside the pool, says clearly why PostgreSQL cannot be reached (the pool only says
    # that it timed out); it also applies the migrations.
    try:
        first: Connection = psycopg.Connection.connect(url, **settings)
    except psycopg.Error as exc:
        raise StorageError(f"cannot open the database {location}: {scrubbed(exc)}") from None
    try:
        if migrate:
            _migrate(first, None)
    except _MigrationFailed as exc:
        raise StorageError(f"{location}: migration {exc.number:04d} failed: {scrubbed(exc.__cause__ or exc)}") from None
    except psycopg.Error as exc:
        raise StorageError(f"{location}: migrations: {scrubbed(exc)}") from None
    finally:
        first.close()
    database = PostgresDatabase(url, settings, location, secrets, pool_size=pool_size)
    database.open()
    return database
