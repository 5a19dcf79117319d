"""`massage-bot migrate`: create or migrate the database named by DATABASE_URL, then exit."""

import argparse
import asyncio
import sys

from bot.settings import SettingsError, load_settings

from . import StoreUnavailable, migrate


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
