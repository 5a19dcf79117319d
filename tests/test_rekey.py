"""`massage-bot rekey`, run as a real process against a real store: it re-encrypts the saved chat
states with the first key of DATA_ENCRYPTION_KEY, prints how many, and fails with one clear line
(exit 2: the key setting; exit 1: the database) without ever echoing a key.

The PostgreSQL case runs in a schema of its own (dropped afterwards) and is skipped, with the
reason, when no server answers at STORE_TEST_POSTGRES_URL (default
postgresql://127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet, InvalidToken

from bot.settings import Settings
from bot.store import open_store

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("STORE_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
DIAGNOSIS = "M54.50"
DONE = "re-encrypted {count} with the first key of DATA_ENCRYPTION_KEY"
_SETTINGS = {name.upper() for name in Settings.model_fields}


def rekey(database_url: str, key: str | None, cwd: Path) -> subprocess.CompletedProcess:
    """`massage-bot rekey` with only these settings (none inherited from this environment)."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SETTINGS}
    env.update(DATABASE_URL=database_url,
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    if key is not None:
        env["DATA_ENCRYPTION_KEY"] = key
    return subprocess.run([sys.executable, "-m", "bot.cli", "rekey"], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


async def save(database_url: str, key: str | None, states: dict[int, dict | None]) -> None:
    async with open_store(database_url, encryption_key=key) as store:
        for chat_id, state in states.items():
            async with store.chat(chat_id) as session:
                await session.save(user_id=chat_id, state=state, language="en", update_id=None)


async def load(database_url: str, key: str | None, chat_ids: list[int]) -> dict[int, dict | None]:
    async with open_store(database_url, encryption_key=key) as store:
        found = {}
        for chat_id in chat_ids:
            async with store.chat(chat_id) as session:
                found[chat_id] = session.record.state
        return found


def stored_states(database: Path) -> dict[int, str | None]:
    with sqlite3.connect(database) as conn:
        return dict(conn.execute("SELECT chat_id, state FROM chats").fetchall())


def decrypts(key: str, token: str) -> bool:
    try:
        Fernet(key).decrypt(token.encode())
        return True
    except InvalidToken:
        return False


@pytest.fixture
def sqlite_db(tmp_path) -> tuple[str, Path]:
    database = tmp_path / "bot.sqlite3"
    return f"sqlite:///{database}", database


# --- SQLite ------------------------------------------------------------------------------------


async def test_rekey_moves_every_state_to_the_new_key(sqlite_db, tmp_path):
    url, database = sqlite_db
    states = {1: {"icd10": DIAGNOSIS}, 2: {"copay": "25.00"}}
    await save(url, OLD, {**states, 3: None})  # a chat without a state: nothing to encrypt

    done = rekey(url, f"{NEW},{OLD}", tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == DONE.format(count="2 chat states")
    assert done.stderr == ""
    rows = stored_states(database)
    assert rows[3] is None
    for chat_id in states:
        assert decrypts(NEW, rows[chat_id]) and not decrypts(OLD, rows[chat_id])
    assert await load(url, NEW, [1, 2]) == states  # the old key is no longer needed


async def test_rekey_encrypts_plain_rows_when_encryption_is_turned_on(sqlite_db, tmp_path):
    url, database = sqlite_db
    await save(url, None, {5: {"icd10": DIAGNOSIS}})

    done = rekey(url, NEW, tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == DONE.format(count="1 chat state")
    stored = stored_states(database)[5]
    assert DIAGNOSIS not in stored and decrypts(NEW, stored)


def test_rekey_without_a_key_exits_2_naming_the_setting(sqlite_db, tmp_path):
    url, _ = sqlite_db
    done = rekey(url, None, tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("massage-bot rekey: DATA_ENCRYPTION_KEY is not set")


@pytest.mark.parametrize("bad", ["not-a-fernet-key-but-a-secret", "{new},sec-ret-second-key"])
def test_rekey_with_a_malformed_key_exits_2_without_echoing_it(sqlite_db, tmp_path, bad):
    url, database = sqlite_db
    key = bad.format(new=NEW)
    done = rekey(url, key, tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("massage-bot rekey: DATA_ENCRYPTION_KEY: encryption key #")
    assert "not a Fernet key" in line
    for part in key.split(","):
        assert part not in done.stderr and part not in done.stdout
    assert not database.exists()  # refused before touching the database


async def test_a_state_no_key_decrypts_exits_2_and_keeps_it(sqlite_db, tmp_path):
    url, database = sqlite_db
    await save(url, OLD, {7: {"icd10": DIAGNOSIS}})
    before = stored_states(database)

    done = rekey(url, NEW, tmp_path)  # the old key forgotten in the setting

    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("massage-bot rekey: DATA_ENCRYPTION_KEY: ")
    assert "cannot be decrypted" in line and "Traceback" not in done.stderr
    assert OLD not in done.stderr and NEW not in done.stderr
    assert stored_states(database) == before
    assert rekey(url, f"{NEW},{OLD}", tmp_path).returncode == 0  # fixed by the setting


def test_rekey_with_the_database_down_exits_1_in_one_line(tmp_path):
    done = rekey("postgresql://127.0.0.1:1/none", NEW, tmp_path)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("massage-bot rekey: the database is not available")
    assert NEW not in done.stderr


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql://bot:pa/ss@127.0.0.1:5432/bot", "DATABASE_URL cannot be read"),
        ("postgresql://bot@127.0.0.1:5432/bot?sslmode=bogus", "DATABASE_URL: `sslmode`"),
    ],
    ids=["unencoded-password", "driver-parameter"],
)
def test_rekey_with_a_database_url_the_driver_refuses_exits_2_in_one_line(tmp_path, url, says):
    done = rekey(url, NEW, tmp_path)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"massage-bot rekey: {says}")
    assert "pa/ss" not in line and "'pa'" not in line and NEW not in done.stderr


# --- PostgreSQL ----------------------------------------------------------------------------------


async def test_rekey_on_postgresql(tmp_path):
    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}: {exc}); "
                    "start one (.ci/run does) or set STORE_TEST_POSTGRES_URL")
    # Its own schema: rekey rewrites every row of `chats`, so it must not see other tests' rows.
    schema = f"rekey_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        separator = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{separator}search_path={schema}&application_name={schema}"
        states = {880001: {"icd10": DIAGNOSIS}, 880002: {"visits": 8}}
        await save(url, OLD, states)

        done = rekey(url, f"{NEW},{OLD}", tmp_path)

        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == DONE.format(count="2 chat states")
        rows = await admin.fetch(f"SELECT chat_id, state FROM {schema}.chats ORDER BY chat_id")
        assert [row["chat_id"] for row in rows] == sorted(states)
        for row in rows:
            assert decrypts(NEW, row["state"]) and not decrypts(OLD, row["state"])
        assert await load(url, NEW, sorted(states)) == states
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


async def test_rekey_refused_by_postgresql_exits_1_in_one_line(tmp_path):
    url = "postgresql://127.0.0.1:5432/no_such_db_for_tests"
    try:
        await (await asyncpg.connect(url, timeout=3)).close()
    except asyncpg.InvalidCatalogNameError:
        pass  # the server answers, and refuses: what this test needs
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no PostgreSQL answers at 127.0.0.1:5432 ({type(exc).__name__}: {exc})")
    else:
        pytest.skip(f"{url} exists on this server: it must not, for this test")
    done = rekey(url, NEW, tmp_path)
    assert done.returncode == 1, done.stderr
    [line] = done.stderr.splitlines()
    assert line == ("massage-bot rekey: cannot use the database (InvalidCatalogNameError): "
                    'database "no_such_db_for_tests" does not exist')
