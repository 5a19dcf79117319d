"""The database's one-off commands; each does its job and exits.

    massage-bot migrate   create or migrate the database named by DATABASE_URL
    massage-bot rekey     re-encrypt every saved chat state with the first key of
                          DATA_ENCRYPTION_KEY, after a key change (see bot.store.crypto)

`migrate` exits 0 when done (printing the migrations it applied, or that the database is up
to date). `rekey` exits 0 when done (printing how many chat states it re-encrypted). Both exit
2 for a configuration problem (a bad setting, a DATABASE_URL that cannot be read; for rekey
also DATA_ENCRYPTION_KEY unset or malformed, or a state no configured key decrypts) and 1 when
the database cannot be used: unreachable, or refusing the connection (no such database, wrong
password...). Messages are one line per problem, with no traceback, and never repeat a key or
a password.
"""

import argparse
import asyncio
import sqlite3
import sys

from bot.settings import SettingsError, load_settings

from . import StateDecryptionError, Store, StoreUnavailable, open_store
from .crypto import StateCodec


def run(args: argparse.Namespace) -> int:
    """`massage-bot migrate`: `store.open()` over DATABASE_URL, which applies pending
    migrations (the same as every worker does when it starts)."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail("migrate", str(exc))
    try:
        store = open_store(settings.database_url)
    except ValueError as exc:
        return _fail("migrate", f"DATABASE_URL: {exc}")
    try:
        applied = asyncio.run(_migrate(store))
    except Exception as exc:
        return _database_failure("migrate", exc)
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
        return _fail("rekey", str(exc))
    if settings.data_encryption_key is None:
        return _fail(
            "rekey",
            "DATA_ENCRYPTION_KEY is not set: rekey re-encrypts with its first key "
            "(while rotating, set it to NEW,OLD: the new key first, the old one after it)",
        )
    key = settings.data_encryption_key.get_secret_value()
    try:
        StateCodec(key)  # a malformed key is named here, before the URL is looked at
    except ValueError as exc:
        return _fail("rekey", f"DATA_ENCRYPTION_KEY: {exc}")
    try:
        store = open_store(settings.database_url, encryption_key=key)
    except ValueError as exc:
        return _fail("rekey", f"DATABASE_URL: {exc}")
    try:
        count = asyncio.run(_rotate(store))
    except StateDecryptionError as exc:
        return _fail(
            "rekey",
            f"DATA_ENCRYPTION_KEY: {exc}. Add the key it was written with after the first "
            "one and run again (the states re-encrypted before it stay re-encrypted)",
        )
    except Exception as exc:
        return _database_failure("rekey", exc)
    noun = "chat state" if count == 1 else "chat states"
    print(f"re-encrypted {count} {noun} with the first key of DATA_ENCRYPTION_KEY")
    return 0


async def _migrate(store: Store) -> list[str]:
    try:
        await store.open()  # applies pending migrations
        return list(store.applied_migrations)
    finally:
        await store.close()  # also after a failed open: no connection left behind


async def _rotate(store: Store) -> int:
    try:
        await store.open()  # also applies pending migrations, as every worker does
        return await store.rotate()
    finally:
        await store.close()


def _database_failure(command: str, exc: Exception) -> int:
    """Exit 1 (or 2 for a DATABASE_URL the driver cannot read) with one line for an error met
    while using the database; anything else is a bug and keeps its traceback."""
    import asyncpg  # type: ignore[import-untyped]

    if isinstance(exc, StoreUnavailable):
        return _fail(command, f"the database is not available: {_one_line(exc)}", 1)
    if isinstance(exc, asyncpg.ClientConfigurationError):  # also a ValueError: check it first
        return _fail(command, f"DATABASE_URL: {_one_line(exc)}")
    if isinstance(exc, ValueError):
        # The driver could not parse the URL; its message may quote a piece of the password.
        return _fail(
            command,
            f"DATABASE_URL cannot be read ({type(exc).__name__}): check the port, and "
            "percent-encode special characters in the user name and password",
        )
    if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | sqlite3.Error):
        # Connected, but the server refused (wrong password, no such database...) or the
        # file is unusable: not worth a traceback.
        return _fail(command, f"cannot use the database ({type(exc).__name__}): "
                              f"{_one_line(exc)}", 1)
    raise exc


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _fail(command: str, message: str, code: int = 2) -> int:
    print(f"massage-bot {command}: {message}", file=sys.stderr)
    return code
