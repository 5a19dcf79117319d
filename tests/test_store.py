"""The state store, against both backends.

Every test taking `db` runs twice: on an SQLite file in tmp_path and on PostgreSQL
(in a fresh schema per test, dropped afterwards). The PostgreSQL half is skipped,
with the reason shown, only when no server answers at STORE_TEST_POSTGRES_URL
(default postgresql://127.0.0.1:5432/test).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from bot.store import (
    StateDecryptionError,
    StoreUnavailable,
    migrate,
    open_store,
)
from bot.store import postgres as postgres_backend
from bot.store import sqlite as sqlite_backend
from bot.store.crypto import StateCodec

PG_URL = os.environ.get("STORE_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REPO_ROOT = Path(__file__).resolve().parent.parent
DIAGNOSIS = "M54.50"  # low back pain: the kind of thing that must not sit in plain text
KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()


def _with_query(url: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


class Db:
    """A test database plus raw SQL access that bypasses the store."""

    def __init__(self, kind: str, url: str, schema: str | None = None) -> None:
        self.kind, self.url, self.schema = kind, url, schema

    @property
    def path(self) -> str:
        return self.url.removeprefix("sqlite:///")

    async def fetch(self, sql: str) -> list[tuple]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as conn:
                return conn.execute(sql).fetchall()
        conn = await asyncpg.connect(self.url)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    async def execute(self, sql: str) -> None:
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as conn:
                conn.execute(sql)
            return
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def age(self, table: str, column: str, where: str, days: int) -> None:
        """Pretend rows were written `days` ago."""
        if self.kind == "sqlite":
            shift = f"{column} - {days * 86400}"
        else:
            shift = f"{column} - interval '{days} days'"
        await self.execute(f"UPDATE {table} SET {column} = {shift} WHERE {where}")

    async def tables(self) -> dict[str, set[str]]:
        """Every table of the store and its columns."""
        if self.kind == "sqlite":
            rows = await self.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")
            names = [r[0] for r in rows]
            return {
                n: {r[1] for r in await self.fetch(f"PRAGMA table_info({n})")} for n in names
            }
        rows = await self.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        result: dict[str, set[str]] = {}
        for table, column in rows:
            result.setdefault(table, set()).add(column)
        return result


async def _postgres_or_skip() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.skip(
            f"PostgreSQL not reachable at {PG_URL} ({exc!r}); start one "
            "(CI does) or set STORE_TEST_POSTGRES_URL to run the postgres half"
        )


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request, tmp_path):
    if request.param == "sqlite":
        yield Db("sqlite", f"sqlite:///{tmp_path}/store.db")
        return
    admin = await _postgres_or_skip()
    schema = f"store_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        # search_path in the URL: asyncpg passes unknown query keys as server settings.
        url = _with_query(PG_URL, search_path=schema, application_name=schema)
        yield Db("postgres", url, schema)
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


# Narrows the `db` fixture's parameters to the PostgreSQL one.
postgres_only = pytest.mark.parametrize("db", ["postgres"], indirect=True)


@pytest.fixture
async def store(db):
    store = open_store(db.url)
    await store.open()
    yield store
    await store.close()


async def _save(store, chat_id, state, *, user_id=None, language=None, update_id=None):
    async with store.chat(chat_id) as s:
        await s.save(user_id=user_id, state=state, language=language, update_id=update_id)


async def _load(store, chat_id):
    async with store.chat(chat_id) as s:
        return s.record


async def _increment(store, chat_id, pause=0.001):
    """Read-modify-write of a counter: loses updates unless sections are exclusive."""
    async with store.chat(chat_id) as s:
        count = s.record.state["count"] if s.record else 0
        await asyncio.sleep(pause)  # give a competing writer every chance to interleave
        await s.save(user_id=None, state={"count": count + 1}, language=None, update_id=None)


# -- basics ---------------------------------------------------------------------


async def test_round_trip_survives_reopening(db, store):
    state = {"answers": {"icd10": DIAGNOSIS, "visits": 8, "copay": "25.00"}, "note": "Rücken ü"}
    before = datetime.now(UTC)
    await _save(store, 42, state, user_id=7, language="de", update_id=1)

    again = open_store(db.url)
    await again.open()
    try:
        record = await _load(again, 42)
    finally:
        await again.close()
    assert (record.chat_id, record.user_id, record.state, record.language) == (42, 7, state, "de")
    assert record.updated_at.tzinfo is not None
    slack = timedelta(seconds=5)  # PostgreSQL's clock, not ours
    assert before - slack <= record.updated_at <= datetime.now(UTC) + slack


async def test_missing_chat_has_no_record(store):
    async with store.chat(123) as s:
        assert s.record is None
        assert await s.seen(1) is False


async def test_save_updates_record_and_allows_empty_state(store):
    async with store.chat(5) as s:
        await s.save(user_id=None, state=None, language=None, update_id=None)
        assert s.record.state is None
    record = await _load(store, 5)
    assert record is not None and record.state is None and record.language is None


async def test_update_ids_are_remembered_per_chat(store):
    async with store.chat(1) as s:
        assert not await s.seen(10)
        await s.save(user_id=1, state={"step": 1}, language="en", update_id=10)
        assert await s.seen(10)  # visible inside the same section already
    async with store.chat(1) as s:
        assert await s.seen(10)
        assert not await s.seen(11)
        await s.save(user_id=1, state={"step": 1}, language="en", update_id=None)
    async with store.chat(2) as s:
        assert not await s.seen(10)  # another chat


async def test_exception_in_section_rolls_back_state_and_update_id(store):
    await _save(store, 3, {"step": 1}, update_id=1)
    with pytest.raises(ZeroDivisionError):
        async with store.chat(3) as s:
            await s.save(user_id=None, state={"step": 2}, language=None, update_id=2)
            raise ZeroDivisionError
    async with store.chat(3) as s:
        assert s.record.state == {"step": 1}
        assert not await s.seen(2)  # so Telegram's retry of update 2 gets processed


async def test_session_is_unusable_after_the_block_and_sections_do_not_nest(store):
    async with store.chat(1) as s:
        with pytest.raises(RuntimeError, match="cannot be nested"):
            async with store.chat(2):
                pass
    with pytest.raises(RuntimeError, match="outside"):
        await s.seen(1)


async def test_per_chat_locks_are_evicted(store):
    await asyncio.gather(*(_increment(store, chat_id % 5, 0) for chat_id in range(20)))
    assert len(store._chat_locks) == 0


async def test_ping(db):
    store = open_store(db.url)
    assert await store.ping() is False  # not opened yet
    await store.open()
    assert await store.ping() is True
    await store.close()
    assert await store.ping() is False


# -- migrations -------------------------------------------------------------------


MIGRATIONS = ["0001_chats_and_processed_updates", "0002_inbox", "0003_reminders",
              "0004_clinics"]


async def test_migrate_applies_once_and_records_versions(db):
    assert await migrate(db.url) == MIGRATIONS
    assert await migrate(db.url) == []
    rows = await db.fetch("SELECT version, name FROM schema_version ORDER BY version")
    assert rows == [(int(name[:4]), name) for name in MIGRATIONS]


async def test_concurrent_first_start_applies_migrations_once(db):
    stores = [open_store(db.url) for _ in range(3)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        applied = [name for s in stores for name in s.applied_migrations]
        assert applied == MIGRATIONS
    finally:
        for s in stores:
            await s.close()


# -- privacy: forget and retention --------------------------------------------------


async def test_forget_user_deletes_every_row_about_them(db, store):
    await _save(store, 100, {"icd10": DIAGNOSIS}, user_id=1, update_id=1)
    await _save(store, -500, {"group": True}, user_id=1, update_id=2)  # a group chat
    await _save(store, 1, {"private": True}, user_id=None, update_id=3)  # chat id == user id
    await _save(store, 200, {"other": True}, user_id=2, update_id=4)
    assert await store.enqueue(100, 5, {"message": {"text": DIAGNOSIS}})
    assert await store.enqueue(200, 6, {"message": {"text": "other"}})

    deleted = await store.forget_user(1)

    assert deleted == 6  # three chats and their three processed update ids
    tables = await db.tables()
    assert {"chats", "processed_updates", "inbox"} <= set(tables)
    for table, columns in tables.items():
        if "chat_id" in columns:
            rows = await db.fetch(f"SELECT * FROM {table} WHERE chat_id IN (1, 100, -500)")
            assert rows == [], table
        if "user_id" in columns:
            assert await db.fetch(f"SELECT * FROM {table} WHERE user_id = 1") == [], table
    assert (await _load(store, 200)).state == {"other": True}
    assert await store.next_stored(200) == (6, {"message": {"text": "other"}})
    assert await store.forget_user(1) == 0


async def test_forget_user_inside_that_users_section_does_not_deadlock(store):
    await _save(store, 100, {"icd10": DIAGNOSIS}, user_id=1, update_id=1)
    async with asyncio.timeout(10), store.chat(100) as s:
        assert s.record is not None
        assert await store.forget_user(1) == 2
        assert s.record is None
    assert await _load(store, 100) is None


async def test_forget_user_waits_for_a_section_in_progress(store):
    await _save(store, 100, {"count": 1}, user_id=1)
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow_section():
        async with store.chat(100) as s:
            entered.set()
            await release.wait()
            await s.save(user_id=1, state={"count": 2}, language=None, update_id=None)

    task = asyncio.create_task(slow_section())
    await entered.wait()
    forget = asyncio.create_task(store.forget_user(1))
    await asyncio.sleep(0.2)
    release.set()
    await task
    await forget
    assert await _load(store, 100) is None  # not resurrected by the section's save


async def test_purge_inactive_deletes_idle_chats_and_old_update_ids(db, store):
    await _save(store, 1, {"idle": True}, update_id=11)
    await _save(store, 2, {"active": True}, update_id=21)
    await _save(store, 2, {"active": True}, update_id=22)
    await db.age("chats", "updated_at", "chat_id = 1", days=40)
    await db.age("processed_updates", "at", "chat_id = 1", days=40)
    await db.age("processed_updates", "at", "update_id = 21", days=2)
    await store.enqueue(3, 31, {"never": "applied"})
    await store.enqueue(3, 32, {"just": "arrived"})
    await db.age("inbox", "received_at", "update_id = 31", days=40)

    assert await store.purge_inactive(timedelta(days=30)) == 1

    assert await db.fetch("SELECT chat_id FROM chats") == [(2,)]
    assert await db.fetch("SELECT chat_id, update_id FROM processed_updates") == [(2, 22)]
    assert await db.fetch("SELECT update_id FROM inbox") == [(32,)]
    assert await store.purge_inactive(timedelta(days=30)) == 0


# -- encryption ---------------------------------------------------------------------


async def test_state_is_encrypted_at_rest(db):
    async with open_store(db.url, encryption_key=KEY_OLD) as store:
        await _save(store, 9, {"icd10": DIAGNOSIS}, user_id=9, language="en")
        assert (await _load(store, 9)).state == {"icd10": DIAGNOSIS}
    [(stored,)] = await db.fetch("SELECT state FROM chats WHERE chat_id = 9")
    assert DIAGNOSIS not in stored and not stored.startswith("{")


async def test_wrong_or_missing_key_is_a_clear_error(db):
    async with open_store(db.url, encryption_key=KEY_OLD) as store:
        await _save(store, 9, {"icd10": DIAGNOSIS})
    async with open_store(db.url, encryption_key=KEY_NEW) as store:
        with pytest.raises(StateDecryptionError, match="chat 9 cannot be decrypted"):
            await _load(store, 9)
    async with open_store(db.url) as store:
        with pytest.raises(StateDecryptionError, match="no encryption key"):
            await _load(store, 9)


async def test_key_rotation(db):
    async with open_store(db.url) as store:  # written before encryption was turned on
        await _save(store, 1, {"icd10": DIAGNOSIS})
    async with open_store(db.url, encryption_key=KEY_OLD) as store:
        await _save(store, 2, {"icd10": "M79.1"})
        await _save(store, 3, None)  # nothing to encrypt
    async with open_store(db.url, encryption_key=f"{KEY_NEW}, {KEY_OLD}") as store:
        assert (await _load(store, 1)).state == {"icd10": DIAGNOSIS}  # plain rows still read
        assert (await _load(store, 2)).state == {"icd10": "M79.1"}  # old key still decrypts
        assert await store.rotate(batch_size=1) == 2  # small batches: exercise paging
    async with open_store(db.url, encryption_key=KEY_NEW) as store:  # old key dropped
        assert (await _load(store, 1)).state == {"icd10": DIAGNOSIS}
        assert (await _load(store, 2)).state == {"icd10": "M79.1"}
    async with open_store(db.url, encryption_key=KEY_OLD) as store:
        with pytest.raises(StateDecryptionError):
            await _load(store, 2)
    assert all(DIAGNOSIS not in (s or "") for (s,) in await db.fetch("SELECT state FROM chats"))


async def test_rotate_without_a_key_is_refused(store):
    with pytest.raises(RuntimeError, match="encryption key"):
        await store.rotate()


def test_malformed_key_is_rejected_without_echoing_it():
    with pytest.raises(ValueError, match="key #2 is not a Fernet key") as caught:
        open_store("sqlite:///:memory:", encryption_key=f"{KEY_OLD},not-a-real-key-xyz")
    assert "not-a-real-key-xyz" not in str(caught.value)


async def test_state_never_reaches_the_logs(db, caplog):
    caplog.set_level(logging.DEBUG)
    async with open_store(db.url, encryption_key=f"{KEY_NEW},{KEY_OLD}") as store:
        await _save(store, 1, {"icd10": DIAGNOSIS}, user_id=1, update_id=1)
        await _load(store, 1)
        await store.rotate()
        await store.forget_user(1)
    assert DIAGNOSIS not in caplog.text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(state=st.dictionaries(st.text(), json_values, max_size=5), encrypted=st.booleans())
def test_codec_round_trips_any_json_state(state, encrypted):
    codec = StateCodec(KEY_OLD if encrypted else None)
    assert codec.decode(codec.encode(state), chat_id=1) == state


# -- ordering and exclusivity -------------------------------------------------------


async def test_concurrent_updates_of_one_chat_lose_nothing(store):
    await asyncio.gather(*(_increment(store, 77) for _ in range(40)))
    assert (await _load(store, 77)).state == {"count": 40}


async def test_updates_of_one_chat_run_in_arrival_order(store):
    async def append(i):
        async with store.chat(8) as s:
            seen = s.record.state["order"] if s.record else []
            await asyncio.sleep(0)
            await s.save(user_id=None, state={"order": [*seen, i]}, language=None, update_id=i)

    await asyncio.gather(*(append(i) for i in range(30)))
    assert (await _load(store, 8)).state == {"order": list(range(30))}


async def test_two_store_instances_on_one_database_lose_nothing(db, store):
    other = open_store(db.url)
    await other.open()
    try:
        await asyncio.gather(*(_increment(s, 77) for _ in range(25) for s in (store, other)))
    finally:
        await other.close()
    assert (await _load(store, 77)).state == {"count": 50}


async def test_a_chat_held_by_another_instance_waits(db, store):
    other = open_store(db.url)
    await other.open()
    try:
        async with store.chat(5) as s:
            waiting = asyncio.create_task(_increment(other, 5, 0))
            await asyncio.sleep(0.3)
            assert not waiting.done()
            await s.save(user_id=None, state={"count": 10}, language=None, update_id=None)
        await asyncio.wait_for(waiting, 10)
    finally:
        await other.close()
    assert (await _load(store, 5)).state == {"count": 11}


@postgres_only  # SQLite has one writer at a time by design
async def test_postgres_runs_different_chats_in_parallel(db, store):
    async with store.chat(1):
        await asyncio.wait_for(_increment(store, 2, 0), 5)


WORKER = """
import asyncio, sys
from bot.store import open_store

async def main(url, chat_id, rounds):
    store = open_store(url)
    await store.open()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for _ in range(rounds):
        async with store.chat(chat_id) as s:
            count = s.record.state["count"] if s.record else 0
            await asyncio.sleep(0.002)
            await s.save(user_id=None, state={"count": count + 1}, language=None, update_id=None)
    await store.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


async def test_two_processes_lose_nothing(db, store):
    rounds = 30
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, db.url, "66", str(rounds),
            cwd=REPO_ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        for worker in workers:  # both connected before either starts: real contention
            assert await asyncio.wait_for(worker.stdout.readline(), 30) == b"ready\n"
        for worker in workers:
            worker.stdin.write(b"go\n")
            await worker.stdin.drain()
        codes = [await asyncio.wait_for(worker.wait(), 60) for worker in workers]
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
    assert codes == [0, 0]
    assert (await _load(store, 66)).state == {"count": 2 * rounds}


# -- outages --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_unreachable_database_raises_store_unavailable_then_recovers(kind, tmp_path):
    if kind == "sqlite":
        folder = tmp_path / "not-yet"
        store = open_store(f"sqlite:///{folder}/store.db")
        with pytest.raises(StoreUnavailable):
            await store.open()
        folder.mkdir()  # "the database is back": the same object now works
        await store.open()
        await _save(store, 1, {"ok": True})
        assert (await _load(store, 1)).state == {"ok": True}
        await store.close()
    else:
        store = open_store("postgresql://127.0.0.1:1/test")
        with pytest.raises(StoreUnavailable):
            await store.open()
        assert await store.ping() is False


@postgres_only  # an SQLite file has no server connection to drop
async def test_dropped_connections_are_replaced(db, store):
    # Several sections at once, so the pool holds several connections to kill.
    await asyncio.gather(*(_increment(store, chat_id, 0.05) for chat_id in range(1, 5)))
    admin = await asyncpg.connect(PG_URL)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = $1",
            db.schema,
        )
    finally:
        await admin.close()
    assert killed >= 2
    # Dead pooled connections are noticed before a section starts, and replaced.
    await asyncio.gather(*(_increment(store, chat_id, 0) for chat_id in range(1, 5)))
    assert (await _load(store, 1)).state == {"count": 2}
    assert await store.ping()


async def test_chat_locked_too_long_elsewhere_is_store_unavailable(db, store, monkeypatch):
    monkeypatch.setattr(sqlite_backend, "LOCK_WAIT_SECONDS", 0.3)
    monkeypatch.setattr(postgres_backend, "LOCK_WAIT_SECONDS", 0.3)
    await store.close()  # reopen so the SQLite busy timeout picks up the short wait
    store = open_store(db.url)
    await store.open()
    try:
        if db.kind == "sqlite":
            holder = sqlite3.connect(db.path, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            release = holder.rollback
        else:
            holder = await asyncpg.connect(db.url)
            await holder.execute("BEGIN; SELECT pg_advisory_xact_lock(4)")
            release = holder.close
        with pytest.raises(StoreUnavailable):
            await _increment(store, 4, 0)
        result = release()
        if asyncio.iscoroutine(result):
            await result
        await _increment(store, 4, 0)  # works again once the other side lets go
        assert (await _load(store, 4)).state == {"count": 1}
    finally:
        await store.close()


async def test_waiting_inside_the_process_is_bounded_too(store, monkeypatch):
    monkeypatch.setattr(sqlite_backend, "LOCK_WAIT_SECONDS", 0.3)
    monkeypatch.setattr(postgres_backend, "LOCK_WAIT_SECONDS", 0.3)
    async with store.chat(1):
        # A task started here is not inside the section; awaiting it while it
        # waits for the same chat would hang forever without the bound.
        with pytest.raises(StoreUnavailable, match="waited more than"):
            await asyncio.wait_for(_increment(store, 1, 0), 10)


# -- leases: one chat held across sections and the sends between them -----------------


async def test_a_lease_keeps_other_tasks_and_instances_out_until_it_ends(db, store):
    other = open_store(db.url)
    await other.open()
    # Other processes too on PostgreSQL; SQLite is for one bot process (its lease is local).
    kept_out = (store, other) if db.kind == "postgres" else (store,)
    try:
        async with store.lease(6):
            await _increment(store, 6, 0)  # sections inside the lease do not wait
            outsiders = [asyncio.create_task(_increment(s, 6, 0)) for s in kept_out]
            await asyncio.sleep(0.3)  # a reply going out, say
            assert not any(task.done() for task in outsiders)
            await _increment(store, 6, 0)
            assert (await _load(store, 6)).state == {"count": 2}
        await asyncio.wait_for(asyncio.gather(*outsiders), 10)
    finally:
        await other.close()
    assert (await _load(store, 6)).state == {"count": 2 + len(kept_out)}


async def test_leases_of_one_chat_run_in_arrival_order(store):
    order = []

    async def update(i):
        async with store.lease(8):
            async with store.chat(8) as s:
                seen = s.record.state["order"] if s.record else []
                await s.save(user_id=None, state={"order": [*seen, i]}, language=None,
                             update_id=i)
            await asyncio.sleep(0)  # the send
            order.append(i)

    await asyncio.gather(*(update(i) for i in range(20)))
    assert order == list(range(20))
    assert (await _load(store, 8)).state == {"order": list(range(20))}


async def test_a_lease_is_reentrant_for_its_chat_only(store):
    async with store.lease(1):
        async with store.lease(1):
            await _increment(store, 1, 0)
        with pytest.raises(RuntimeError, match="one chat"):
            async with store.lease(2):
                pass
        with pytest.raises(RuntimeError, match="another chat"):
            await _increment(store, 2, 0)
    async with store.chat(1):
        with pytest.raises(RuntimeError, match="nested"):
            async with store.lease(1):
                pass
    assert len(store._chat_locks) == 0 and not store._leases


async def test_forget_user_inside_a_lease_does_not_deadlock(store):
    await _save(store, 100, {"icd10": DIAGNOSIS}, user_id=1, update_id=1)
    async with asyncio.timeout(10), store.lease(100):
        assert await store.forget_user(1) == 2
        async with store.chat(100) as s:
            assert s.record is None
            await store.forget_user(1)  # inside a section inside the lease, too


@postgres_only
async def test_a_lease_ends_with_its_connection(db, store, monkeypatch):
    monkeypatch.setattr(postgres_backend, "LOCK_WAIT_SECONDS", 0.3)
    other = open_store(db.url)
    await other.open()
    try:
        async with store.lease(4):
            with pytest.raises(StoreUnavailable):  # held elsewhere: bounded wait
                await _increment(other, 4, 0)
            pid = store._leases[asyncio.current_task()].conn.get_server_pid()
            await db.execute(f"SELECT pg_terminate_backend({pid})")
            await asyncio.sleep(0.2)
            await _increment(other, 4, 0)  # the lock went with the connection
            with pytest.raises(StoreUnavailable):
                await _increment(store, 4, 0)  # and the lease knows it is gone
        await _increment(store, 4, 0)  # the next lease or section gets a new connection
    finally:
        await other.close()
    assert (await _load(store, 4)).state == {"count": 2}


@postgres_only
async def test_leases_leave_connections_for_storing_incoming_updates(store):
    slots = postgres_backend.POOL_MAX_SIZE - postgres_backend.RESERVED_CONNECTIONS
    release = asyncio.Event()
    held = 0

    async def hold(chat_id):
        nonlocal held
        async with store.lease(chat_id):
            held += 1
            await release.wait()

    holders = [asyncio.create_task(hold(chat_id)) for chat_id in range(1, slots + 2)]
    try:
        for _ in range(200):
            if held == slots:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        assert held == slots  # one more chat waits for a free slot...
        # ...while an incoming update is stored at once.
        assert await asyncio.wait_for(store.enqueue(99, 1, {"update_id": 1}), 5)
    finally:
        release.set()
        await asyncio.gather(*holders)
    assert held == slots + 1


# -- the inbox: updates stored before Telegram gets its 200 ----------------------------


async def test_the_inbox_keeps_an_update_once_and_hands_them_out_in_order(store):
    assert await store.enqueue(5, 12, {"update_id": 12})
    assert await store.enqueue(5, 11, {"update_id": 11})
    assert not await store.enqueue(5, 12, {"update_id": 12})  # Telegram re-delivered it
    assert await store.enqueue(6, 13, {"update_id": 13})
    assert await store.next_stored(5) == (11, {"update_id": 11})
    assert await store.next_stored(5) == (11, {"update_id": 11})  # until it is done

    await _save(store, 5, {"step": 1}, update_id=11)
    assert await store.next_stored(5, done=11) == (12, {"update_id": 12})
    assert not await store.enqueue(5, 11, {"update_id": 11})  # applied: not again
    assert await store.enqueue(5, 10, {"update_id": 10})  # late, but lower: it comes first
    assert await store.next_stored(5, done=11) == (10, {"update_id": 10})
    assert await store.next_stored(5, done=10) == (12, {"update_id": 12})
    assert await store.next_stored(5, done=12) is None
    assert await store.next_stored(7) is None
    assert await store.next_stored(6) == (13, {"update_id": 13})  # other chats untouched


async def test_waiting_chats_are_those_with_updates_left_behind(db, store):
    await store.enqueue(5, 11, {"update_id": 11})
    await store.enqueue(6, 12, {"update_id": 12})
    await store.enqueue(6, 13, {"update_id": 13})
    assert await store.waiting_chats(timedelta(seconds=30)) == []
    await db.age("inbox", "received_at", "chat_id = 6", days=1)
    assert await store.waiting_chats(timedelta(seconds=30)) == [6]


@postgres_only
async def test_a_chat_some_process_holds_is_not_left_behind(db, store):
    """However old its stored update, a chat another process holds (a worker applying it while
    Telegram is slow) is not waiting for the sweep; once the holder is gone (a killed worker's
    connection closes), it is. Chat ids past 32 bits too (pg_locks splits the key)."""
    big = 7_000_000_123  # above 2^32
    for chat_id, update_id in ((5, 11), (big, 12)):
        await store.enqueue(chat_id, update_id, {"update_id": update_id})
    await db.age("inbox", "received_at", "true", days=1)
    other = open_store(db.url)
    await other.open()
    held, release = asyncio.Event(), asyncio.Event()

    async def hold(chat_id: int) -> None:  # another worker, applying the chat
        async with other.lease(chat_id):
            held.set()
            await release.wait()

    try:
        holder = asyncio.create_task(hold(big))
        await held.wait()
        assert await store.waiting_chats(timedelta(seconds=1)) == [5]
        release.set()
        await holder
    finally:
        await other.close()
    assert sorted(await store.waiting_chats(timedelta(seconds=1))) == [5, big]


async def test_inbox_updates_are_encrypted_at_rest_and_unreadable_ones_say_so(db):
    async with open_store(db.url, encryption_key=KEY_OLD) as store:
        await store.enqueue(9, 1, {"message": {"text": DIAGNOSIS}})
        assert await store.next_stored(9) == (1, {"message": {"text": DIAGNOSIS}})
    [(stored,)] = await db.fetch("SELECT payload FROM inbox")
    assert DIAGNOSIS not in stored
    async with open_store(db.url, encryption_key=KEY_NEW) as store:
        assert await store.next_stored(9) == (1, None)


def test_unsupported_urls_name_the_accepted_forms():
    for url in ["mysql://user:hunter2@db/x", "sqlite://relative.db", "", "sqlite:///"]:
        with pytest.raises(ValueError, match="sqlite:///.*postgresql://") as caught:
            open_store(url)
        assert "hunter2" not in str(caught.value)
