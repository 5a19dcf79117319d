"""The retention job: chats idle for RETENTION_DAYS are deleted, at start-up and every hour.

Both long-running commands (`polling` and `serve`) run it beside the bot.
"""

import asyncio
import logging
from datetime import timedelta

from .base import Store, StoreError

PURGE_EVERY_SECONDS = 3600.0

log = logging.getLogger(__name__)


async def purge_idle_chats_forever(store: Store, days: int) -> None:
    """Delete chats idle for `days` days or more, now and every hour, until cancelled."""
    while True:
        try:
            purged = await store.purge_inactive(timedelta(days=days))
            if purged:
                log.info("deleted %d chats idle for %d days or more", purged, days)
        except StoreError as error:
            log.warning("retention purge skipped: %s", type(error).__name__)
        await asyncio.sleep(PURGE_EVERY_SECONDS)
