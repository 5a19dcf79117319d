"""PostgreSQL backend (asyncpg pool): for several bot processes sharing one database.

A chat section is one transaction on a pooled connection that first takes
`pg_advisory_xact_lock(chat_id)`: every process using the database waits for it,
and PostgreSQL releases it by itself at commit, rollback or disconnect, so a
crashed process cannot leave a chat locked. Different chats use different
connections and proceed in parallel.

A lease (`store.lease(chat_id)`) holds the chat longer, across several sections and
the Telegram calls between them: a pooled connection takes the session-level
`pg_advisory_lock(chat_id)` and every section of that chat inside the lease runs on
it (advisory locks are re-entrant within a session). Leaving the lease runs
`pg_advisory_unlock_all(); RESET ALL` (or, when that fails, drops the connection), and a
connection that dies or sits idle for SECTION_IDLE_SECONDS (`idle_session_timeout`)
takes the lock with it. Leases use at most POOL_MAX_SIZE - RESERVED_CONNECTIONS
connections at once.

Advisory lock keys are shared by everything in the database: the chat locks use
the one-bigint form; migrations use the two-integer form, whose key space is
separate, so they never collide with a chat id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext, suppress
from datetime import datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import asyncpg.exceptions as pgerr  # type: ignore[import-untyped]

from .base import (
    LOCK_WAIT_SECONDS,
    PROCESSED_UPDATES_TTL,
    SECTION_IDLE_SECONDS,
    STORE_UPDATE_SECONDS,
    BaseSession,
    ChatRecord,
    Lease,
    Reminder,
    StoreBase,
    StoreUnavailable,
    load_migrations,
    locked,
)
from .crypto import StateCodec

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5.0
# Any one statement (asyncpg's command_timeout): longer than a lock wait, which it may contain.
COMMAND_TIMEOUT_SECONDS = LOCK_WAIT_SECONDS + 15
# Leases keep a connection while the replies go out, so the pool bounds how many chats
# one process serves at the same moment (the others wait their turn, LOCK_WAIT_SECONDS).
POOL_MAX_SIZE = 20
# Of those, leases may hold all but these: storing an incoming update (the webhook's 200 waits
# for it) and the other single statements never queue behind chats being answered.
RESERVED_CONNECTIONS = 4
_MIGRATION_LOCK = (0x6D617373, 1)  # ("mass", 1): two-int advisory key, see module doc

# Errors that mean "the database is not usable right now", not "this query is wrong".
_OUTAGES = (
    OSError,  # refused, reset, unreachable
    TimeoutError,  # connect or command timeout
    pgerr.PostgresConnectionError,  # connection lost / cannot connect
    pgerr.OperatorInterventionError,  # shutting down, starting up, query cancelled
    pgerr.InsufficientResourcesError,  # too many connections, disk full
    pgerr.LockNotAvailableError,  # lock_timeout: another process kept the chat too long
    pgerr.IdleInTransactionSessionTimeoutError,
    pgerr.TransactionRollbackError,  # deadlock detected, serialization failure
    # asyncpg's protocol gets confused when the server's "terminating connection"
    # message arrives on an idle pooled connection before the socket closes.
    pgerr.InternalClientError,
)


# A chat some process holds (its lease or a section: `pg_advisory_lock(chat_id)` or the
# transaction's `pg_advisory_xact_lock(chat_id)`) is being applied, whatever the age of its stored
# updates (a slow Bot API): only the others are left behind. pg_locks shows a one-bigint advisory
# key as classid (high 32 bits) and objid (low 32 bits), both unsigned, with objsubid 1.
_WAITING_CHATS = """
SELECT DISTINCT i.chat_id FROM inbox i
WHERE i.received_at < now() - $1::interval
  AND NOT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = ((i.chat_id >> 32) & 4294967295)
      AND l.objid::bigint = (i.chat_id & 4294967295))
"""


@contextmanager
def _translate() -> Iterator[None]:
    try:
        yield
    except _OUTAGES as exc:
        raise StoreUnavailable(f"PostgreSQL unavailable: {type(exc).__name__}: {exc}") from exc
    except pgerr.InterfaceError as exc:
        # asyncpg reports use of a connection the server already dropped this way
        # (it may have handed the dead connection back to the pool by itself).
        if "closed" not in str(exc) and "released back to the pool" not in str(exc):
            raise
        raise StoreUnavailable(f"PostgreSQL unavailable: {exc}") from exc


async def _rolled_back(conn: asyncpg.Connection) -> bool:
    try:
        await asyncio.shield(conn.execute("ROLLBACK"))  # even when the task is cancelled
        return True
    except Exception:
        return False


def _terminate(conn: asyncpg.Connection) -> None:
    # asyncpg itself hands a connection that died back to the pool, after which the
    # proxy refuses every call: then there is nothing left to do.
    with suppress(pgerr.InterfaceError):
        conn.terminate()


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset on release, which by default costs a round trip per use: nothing to
    undo here. Transactions end before release and only SET LOCAL; a lease undoes its lock
    and settings itself (or terminates the connection)."""


_REMINDER = "id, chat_id, user_id, kind, language, due_at"


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])  # "DELETE 3" -> 3


class PostgresStore(StoreBase):
    def __init__(self, dsn: str, codec: StateCodec) -> None:
        super().__init__()
        self._dsn = dsn
        self._codec = codec
        self._pool: asyncpg.Pool | None = None
        self._lease_slots = asyncio.Semaphore(POOL_MAX_SIZE - RESERVED_CONNECTIONS)

    # -- lifecycle -------------------------------------------------------------

    async def open(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")
        if self._pool is None:
            with _translate():
                # The pool replaces connections the server dropped, which is what
                # makes the store work again after an outage without a restart.
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=POOL_MAX_SIZE,
                    reset=_keep_session,
                    timeout=CONNECT_TIMEOUT_SECONDS,
                    command_timeout=COMMAND_TIMEOUT_SECONDS,
                )
        self._opened = True
        async with self._transaction() as conn:
            self.applied_migrations = await self._migrate(conn)
        for name in self.applied_migrations:
            log.info("applied PostgreSQL migration %s", name)

    async def close(self) -> None:
        self._closed = True
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), 10)
            except (TimeoutError, *_OUTAGES):
                pool.terminate()

    async def ping(self) -> bool:
        if self._pool is None or self._closed:
            return False
        try:
            async with asyncio.timeout(5), self._pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
            return True
        except Exception:
            return False

    # -- chat sections -----------------------------------------------------------

    @asynccontextmanager
    async def chat(self, chat_id: int) -> AsyncIterator[_Session]:
        self._check_usable()
        self._guard.refuse_nesting()
        leased = self._lease_for(chat_id) is not None  # then this task holds the chat already
        async with (
            nullcontext() if leased else self._chat_locks.hold(chat_id, LOCK_WAIT_SECONDS),
            self._transaction() as conn,
        ):
            with _translate():
                if not leased:
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", chat_id)
                row = await conn.fetchrow(
                    "SELECT user_id, state, language, updated_at FROM chats WHERE chat_id = $1",
                    chat_id,
                )
            record = None
            if row is not None:
                record = ChatRecord(
                    chat_id, row["user_id"], self._codec.decode(row["state"], chat_id),
                    row["language"], row["updated_at"],
                )
            session = _Session(self, conn, chat_id, record)
            self._guard.enter(session)
            try:
                yield session
            finally:
                self._guard.leave(session)

    @asynccontextmanager
    async def _hold(self, chat_id: int) -> AsyncIterator[Lease]:
        # SET (not SET LOCAL: there is no transaction) lasts until the RESET ALL below.
        hold = (
            f"SET lock_timeout = '{int(LOCK_WAIT_SECONDS * 1000)}ms'; "
            f"SET idle_session_timeout = '{int(SECTION_IDLE_SECONDS * 1000)}ms'; "
            f"SELECT pg_advisory_lock({int(chat_id)})"
        )
        async with locked(self._lease_slots, LOCK_WAIT_SECONDS, "a database connection"):
            async with self._held(chat_id, hold) as lease:
                yield lease

    @asynccontextmanager
    async def _held(self, chat_id: int, hold: str) -> AsyncIterator[Lease]:
        conn, _ = await self._connected(lambda conn: conn.execute(hold))
        clean = False
        try:
            yield Lease(chat_id, conn)
            with suppress(Exception):
                await asyncio.shield(conn.execute("SELECT pg_advisory_unlock_all(); RESET ALL"))
                clean = True
        finally:
            if not clean:
                _terminate(conn)  # the lock and the settings go with the connection
            await self._release(conn)

    # -- the inbox ---------------------------------------------------------------

    async def enqueue(self, chat_id: int, update_id: int, update: dict[str, Any]) -> bool:
        try:
            async with asyncio.timeout(STORE_UPDATE_SECONDS):
                status = await self._statement(
                    "execute",
                    "INSERT INTO inbox (chat_id, update_id, payload) SELECT $1, $2, $3 "
                    "WHERE NOT EXISTS (SELECT 1 FROM processed_updates "
                    "WHERE chat_id = $1 AND update_id = $2) ON CONFLICT DO NOTHING",
                    chat_id, update_id, self._codec.encode(update),
                )
        except TimeoutError:
            # A hung server: its other pooled connections are likely stuck too.
            if self._pool is not None:
                await self._pool.expire_connections()
            raise StoreUnavailable(
                f"PostgreSQL did not store the update within {STORE_UPDATE_SECONDS:g} s"
            ) from None
        return _count(status) == 1

    async def next_stored(
        self, chat_id: int, done: int | None = None
    ) -> tuple[int, dict[str, Any] | None] | None:
        # The CTE's DELETE is invisible to the SELECT (one snapshot): hence `<> done`.
        row = await self._statement(
            "fetchrow",
            "WITH gone AS (DELETE FROM inbox WHERE chat_id = $1 AND update_id = $2) "
            "SELECT update_id, payload FROM inbox WHERE chat_id = $1 "
            "AND update_id IS DISTINCT FROM $2 ORDER BY update_id LIMIT 1",
            chat_id, done,
        )
        return None if row is None else (row["update_id"], self._readable(row["payload"], chat_id))

    async def waiting_chats(self, older_than: timedelta) -> list[int]:
        rows = await self._statement("fetch", _WAITING_CHATS, older_than)
        return [row["chat_id"] for row in rows]

    # -- reminders -----------------------------------------------------------------

    async def add_reminder(
        self, chat_id: int, user_id: int | None, kind: str, language: str, due_at: datetime
    ) -> bool:
        async with self._joined_or_new() as conn:
            with _translate():
                status = await conn.execute(
                    "INSERT INTO reminders (chat_id, user_id, kind, language, due_at) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    chat_id, user_id, kind, language, due_at,
                )
        return _count(status) == 1

    async def reminders(self, chat_id: int) -> list[Reminder]:
        async with self._joined_or_new() as conn:
            with _translate():
                rows = await conn.fetch(
                    f"SELECT {_REMINDER} FROM reminders WHERE chat_id = $1 ORDER BY due_at, id",
                    chat_id,
                )
        return [Reminder(*row) for row in rows]

    async def cancel_reminder(self, chat_id: int, reminder_id: int) -> bool:
        async with self._joined_or_new() as conn:
            with _translate():
                status = await conn.execute(
                    "DELETE FROM reminders WHERE chat_id = $1 AND id = $2", chat_id, reminder_id
                )
        return _count(status) == 1

    async def claim_reminders(
        self, now: datetime, claimer: str, hold: timedelta, limit: int
    ) -> list[Reminder]:
        # SKIP LOCKED: workers claiming at the same moment take different rows, none waits.
        async with self._joined_or_new() as conn:
            with _translate():
                rows = await conn.fetch(
                    "UPDATE reminders SET claimed_by = $2, claimed_until = $1 + $3::interval "
                    "WHERE id IN (SELECT id FROM reminders WHERE due_at <= $1 AND "
                    "(claimed_until IS NULL OR claimed_until <= $1) ORDER BY due_at, id "
                    f"LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING {_REMINDER}",
                    now, claimer, hold, limit,
                )
        return sorted((Reminder(*row) for row in rows), key=lambda r: (r.due_at, r.id))

    async def reminder_claimed(self, reminder_id: int, claimer: str) -> bool:
        async with self._joined_or_new() as conn:
            with _translate():
                found: bool = await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM reminders WHERE id = $1 AND claimed_by = $2)",
                    reminder_id, claimer,
                )
        return found

    async def finish_reminder(self, reminder_id: int, claimer: str) -> bool:
        async with self._joined_or_new() as conn:
            with _translate():
                status = await conn.execute(
                    "DELETE FROM reminders WHERE id = $1 AND claimed_by = $2",
                    reminder_id, claimer,
                )
        return _count(status) == 1

    # -- store-wide operations ---------------------------------------------------

    async def forget_user(self, user_id: int) -> int:
        # chat_id = user_id too: a private chat's id is the user's id, so that chat
        # is about them even if it was saved without a user id.
        async with self._joined_or_new() as conn:
            with _translate():
                chat_ids = await conn.fetch(
                    "SELECT chat_id FROM chats WHERE user_id = $1 OR chat_id = $1 "
                    "ORDER BY chat_id",
                    user_id,
                )
                # Wait for sections already working on these chats (in a fixed
                # order, against deadlocks): otherwise one that loaded the state
                # before we delete it could write it back afterwards.
                for row in chat_ids:
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", row["chat_id"])
                updates = await conn.execute(
                    "DELETE FROM processed_updates WHERE chat_id = $1 OR chat_id IN "
                    "(SELECT chat_id FROM chats WHERE user_id = $1)",
                    user_id,
                )
                await conn.execute(
                    "DELETE FROM inbox WHERE chat_id = $1 OR chat_id IN "
                    "(SELECT chat_id FROM chats WHERE user_id = $1)",
                    user_id,
                )
                reminders = await conn.execute(
                    "DELETE FROM reminders WHERE user_id = $1 OR chat_id = $1 OR chat_id IN "
                    "(SELECT chat_id FROM chats WHERE user_id = $1)",
                    user_id,
                )
                chats = await conn.execute(
                    "DELETE FROM chats WHERE user_id = $1 OR chat_id = $1", user_id
                )
        self._forget_in_current_section({row["chat_id"] for row in chat_ids})
        return _count(updates) + _count(reminders) + _count(chats)

    async def purge_inactive(self, older_than: timedelta) -> int:
        # No chat locks needed: a chat saved meanwhile is active, not idle, and keeps
        # its row (PostgreSQL re-checks updated_at on a row changed under the DELETE,
        # and a save after the DELETE simply inserts it again).
        async with self._joined_or_new() as conn:
            with _translate():
                await conn.execute(
                    "DELETE FROM processed_updates WHERE at < now() - $2::interval "
                    "OR chat_id IN (SELECT chat_id FROM chats "
                    "WHERE updated_at < now() - $1::interval)",
                    older_than, PROCESSED_UPDATES_TTL,
                )
                # Updates nobody could apply for that long are as stale as idle chats.
                await conn.execute(
                    "DELETE FROM inbox WHERE received_at < now() - $1::interval", older_than
                )
                # A reminder outlives its chat's answers until it is sent; one that could not be
                # sent for that long after it was due never will be.
                await conn.execute(
                    "DELETE FROM reminders WHERE due_at < now() - $1::interval", older_than
                )
                chats = await conn.execute(
                    "DELETE FROM chats WHERE updated_at < now() - $1::interval", older_than
                )
        return _count(chats)

    async def rotate(self, batch_size: int = 500) -> int:
        if not self._codec.encrypts:
            raise RuntimeError("rotate() needs an encryption key")
        rotated, after = 0, None
        while True:
            async with self._joined_or_new() as conn:
                with _translate():
                    rows = await conn.fetch(
                        "SELECT chat_id, state FROM chats WHERE state IS NOT NULL "
                        "AND ($1::bigint IS NULL OR chat_id > $1) ORDER BY chat_id LIMIT $2",
                        after, batch_size,
                    )
                    for row in rows:
                        # Compare-and-set: a section that saved since our SELECT wrote
                        # with the first key already; do not put the old state back.
                        status = await conn.execute(
                            "UPDATE chats SET state = $1 WHERE chat_id = $2 AND state = $3",
                            self._codec.rotated(row["state"], row["chat_id"]),
                            row["chat_id"], row["state"],
                        )
                        rotated += _count(status)
            if len(rows) < batch_size:
                log.info("re-encrypted %d chat states with the first key", rotated)
                return rotated
            after = rows[-1]["chat_id"]

    # -- plumbing ----------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction: on this task's lease connection when it holds one (a new
        connection would wait for the lease's own lock), else on a pooled one."""
        self._check_usable()
        lease = self._leases.get(asyncio.current_task())
        if lease is not None:
            conn = lease.conn
            await self._begin(conn)
        else:
            conn, _ = await self._connected(self._begin)
        try:
            yield conn
            with _translate():
                await conn.execute("COMMIT")
        except BaseException as exc:
            # After an outage the connection may be dead: never hand it out again.
            if isinstance(exc, StoreUnavailable) or not await _rolled_back(conn):
                _terminate(conn)
            raise
        finally:
            if lease is None:
                await self._release(conn)

    @staticmethod
    async def _begin(conn: asyncpg.Connection) -> None:
        # One round trip. SET LOCAL ends with the transaction: pooled connections stay clean.
        with _translate():  # _connected() relies on this to tell an outage
            await conn.execute(
                "BEGIN; "
                f"SET LOCAL lock_timeout = '{int(LOCK_WAIT_SECONDS * 1000)}ms'; "
                "SET LOCAL idle_in_transaction_session_timeout = "
                f"'{int(SECTION_IDLE_SECONDS * 1000)}ms'"
            )

    async def _statement(self, method: str, query: str, *args: Any) -> Any:
        """One statement in a transaction of its own (on the lease connection inside one)."""
        self._check_usable()
        lease = self._leases.get(asyncio.current_task())
        if lease is not None:
            with _translate():
                return await getattr(lease.conn, method)(query, *args)
        # Retrying on a fresh connection is safe: each statement here is idempotent.
        conn, result = await self._connected(lambda conn: getattr(conn, method)(query, *args))
        await self._release(conn)
        return result

    async def _connected(self, first_step) -> tuple[asyncpg.Connection, Any]:
        """A pooled connection on which `first_step(conn)` succeeded, and what it returned.

        When the server restarted, every idle pooled connection is dead but may not
        know it yet. Failing in the first step means nothing was done, so retrying
        once on a new connection is safe, and expiring the rest spares the next
        callers. A lock wait that timed out is not retried: it would only wait again.
        """
        self._check_usable()
        pool = self._pool
        assert pool is not None  # opened and not closed (checked above)
        for attempt in (1, 2):
            conn = None
            try:
                with _translate():
                    conn = await pool.acquire(timeout=LOCK_WAIT_SECONDS)  # pool exhausted
                    result = await first_step(conn)
                return conn, result
            except StoreUnavailable as exc:
                if conn is not None:
                    _terminate(conn)
                    await self._release(conn)
                busy = isinstance(exc.__cause__, pgerr.LockNotAvailableError)
                if conn is None or busy or attempt == 2:
                    raise  # could not even connect, waited long enough, or failed twice
                await pool.expire_connections()
            except BaseException:  # cancelled (a caller's timeout) mid-statement: not reusable
                if conn is not None:
                    _terminate(conn)
                    await self._release(conn)
                raise
        raise AssertionError("unreachable")

    async def _release(self, conn: asyncpg.Connection) -> None:
        try:
            if self._pool is not None:  # else closed: the connection went with the pool
                await self._pool.release(conn)
        except Exception:
            log.debug("discarded a broken PostgreSQL connection", exc_info=True)

    async def _migrate(self, conn: asyncpg.Connection) -> list[str]:
        # One transaction under a database-wide advisory lock: processes starting
        # together apply each migration once; a failed one leaves nothing behind.
        with _translate():
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", *_MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            rows = await conn.fetch("SELECT version FROM schema_version")
            done = {row["version"] for row in rows}
            applied = []
            for version, name, sql in load_migrations("postgres"):
                if version in done:
                    continue
                await conn.execute(sql)  # no arguments: may hold several statements
                await conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES ($1, $2)", version, name
                )
                applied.append(name)
        return applied


class _Session(BaseSession):
    def __init__(self, store: PostgresStore, conn, chat_id, record) -> None:
        super().__init__(conn, chat_id, record)
        self._store = store

    async def _seen(self, update_id: int) -> bool:
        with _translate():
            return await self.conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM processed_updates "
                "WHERE chat_id = $1 AND update_id = $2)",
                self.chat_id, update_id,
            )

    async def _save(self, user_id, state, language, update_id) -> None:
        stored = self._store._codec.encode(state)
        with _translate():
            # One round trip: the state, the update's id, and (cheap: a primary key range)
            # the pruning of this chat's old ids.
            updated_at = await self.conn.fetchval(
                "WITH saved AS (INSERT INTO chats (chat_id, user_id, state, language, "
                "updated_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (chat_id) DO UPDATE SET "
                "user_id = excluded.user_id, state = excluded.state, "
                "language = excluded.language, updated_at = excluded.updated_at "
                "RETURNING updated_at), "
                "done AS (INSERT INTO processed_updates (chat_id, update_id) "
                "SELECT $1, $5 WHERE $5::bigint IS NOT NULL ON CONFLICT DO NOTHING), "
                "pruned AS (DELETE FROM processed_updates "
                "WHERE chat_id = $1 AND at < now() - $6::interval) "
                "SELECT updated_at FROM saved",
                self.chat_id, user_id, stored, language, update_id, PROCESSED_UPDATES_TTL,
            )
        self.record = ChatRecord(self.chat_id, user_id, state, language, updated_at)
