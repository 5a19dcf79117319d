"""`massage-bot polling`: the Telegram bot by long polling.

Configuration comes from the environment (or `.env`): see `bot.settings`. A configuration
problem (no token, a malformed one, a bad clinic file or database URL) is one line on stderr and
exit code 2, never a traceback. Stopping the bot (Ctrl-C, SIGTERM) mid-interview loses nothing:
the state is in the store, and the next start continues where each patient was.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from ..clinics import ClinicFileError, load_clinics
from ..logs import configure_logging
from ..settings import Settings, SettingsError, load_settings
from ..store import Store, StoreError, open_store
from ..store.retention import purge_idle_chats_forever
from . import reminder_sender
from .app import ALLOWED_UPDATES, build_application

log = logging.getLogger(__name__)

def _fail(message: str, code: int = 2) -> int:
    print(f"massage-bot: {message}", file=sys.stderr)
    return code


def _with_lifecycle(app: Application, store: Store, settings: Settings) -> None:
    """Open the store before the bot starts and close it after; purge idle chats and send the
    reminders due meanwhile."""
    register_profile = app.post_init
    tasks: list[asyncio.Task] = []
    senders: list[reminder_sender.Sender] = []

    async def startup(application: Application) -> None:
        await store.open()
        tasks.append(asyncio.create_task(purge_idle_chats_forever(store, settings.retention_days)))
        senders.append(reminder_sender.start(application, store))
        if register_profile is not None:
            await register_profile(application)

    async def stop_sending(application: Application) -> None:
        # Before the bot shuts down: a reminder being sent is sent and deleted first.
        for sender in senders:
            await sender.stop()

    async def shutdown(application: Application) -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.close()

    app.post_init = startup
    app.post_stop = stop_sending
    app.post_shutdown = shutdown


def run_polling(args: argparse.Namespace | None = None) -> int:
    try:
        settings = load_settings()
        settings.require_token()
    except SettingsError as error:
        return _fail(str(error).splitlines()[0] if str(error) else "invalid settings")
    configure_logging(settings)
    try:
        clinics = load_clinics(settings.clinics_file)
    except ClinicFileError as error:
        return _fail(str(error).splitlines()[0])
    key = settings.data_encryption_key.get_secret_value() if settings.data_encryption_key else None
    try:
        store = open_store(settings.database_url, encryption_key=key)
    except ValueError as error:
        return _fail(str(error))
    app = build_application(settings, store=store, clinics=clinics)
    _with_lifecycle(app, store, settings)
    try:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        return _fail("Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped); get one from "
                     "@BotFather")
    except StoreError as error:
        return _fail(f"the database is not available ({type(error).__name__}): {error}", 1)
    except TelegramError as error:
        return _fail(f"Telegram: {error}", 1)
    return 0
