"""The database's one-off commands; each does its job and exits.

    massage-bot migrate   create or migrate the database named by DATABASE_URL
    massage-bot rekey     re-encrypt every saved chat state with the first key of
                          DATA_ENCRYPTION_KEY, after a key change (see bot.store.crypto)

`rekey` exits 0 when done (printing how many chat states it re-encrypted), 2 for a
configuration problem (DATA_ENCRYPTION_KEY unset or malformed, a state no configured key
decrypts, a bad setting), 1 when the database cannot be used. Messages are one line per
problem and never repeat a key.
"""

import argparse
import asyncio
import sqlite3
import sys

from bot.settings import SettingsError, load_settings

from . import StateDecryptionError, Store, StoreUnavailable, migrate, open_store
from .crypto import StateCodec


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        applied = asyncio.run(migrate(settings.database_url))
    except (SettingsError, StoreUnavailable, ValueError) as exc:
        print(f"massage-bot migrate: {exc}", file=sys.stderr)
        return 2
    if applied:
        print("applied: " + ", ".join(applied))
    else:
        print("the database is up to date")
    return 0


def rekey(args: argparse.Namespace) -> int:
    """`massage-bot rekey`: `store.rotate()` over DATABASE_URL with DATA_ENCRYPTION_KEY."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc))
    if settings.data_encryption_key is None:
        return _fail(
            "DATA_ENCRYPTION_KEY is not set: rekey re-encrypts with its first key "
            "(while rotating, set it to NEW,OLD: the new key first, the old one after it)"
        )
    key = settings.data_encryption_key.get_secret_value()
    try:
        StateCodec(key)  # a malformed key is named here, before the URL is looked at
    except ValueError as exc:
        return _fail(f"DATA_ENCRYPTION_KEY: {exc}")
    try:
        store = open_store(settings.database_url, encryption_key=key)
    except ValueError as exc:
        return _fail(f"DATABASE_URL: {exc}")
    try:
        count = asyncio.run(_rotate(store))
    except StoreUnavailable as exc:
        return _fail(f"the database is not available: {exc}", 1)
    except StateDecryptionError as exc:
        return _fail(
            f"DATA_ENCRYPTION_KEY: {exc}. Add the key it was written with after the first "
            "one and run again (the states re-encrypted before it stay re-encrypted)"
        )
    except _database_errors() as exc:
        # Connected, but the server refused (wrong password, no such database...) or the
        # file is unusable: not worth a traceback.
        return _fail(f"cannot use the database ({type(exc).__name__}): {exc}", 1)
    noun = "chat state" if count == 1 else "chat states"
    print(f"re-encrypted {count} {noun} with the first key of DATA_ENCRYPTION_KEY")
    return 0


async def _rotate(store: Store) -> int:
    try:
        await store.open()  # also applies pending migrations, as every worker does
        return await store.rotate()
    finally:
        await store.close()


def _database_errors() -> tuple[type[Exception], ...]:
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error)


def _fail(message: str, code: int = 2) -> int:
    print(f"massage-bot rekey: {message}", file=sys.stderr)
    return code
