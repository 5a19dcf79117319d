"""Logging for the long-running commands (`polling`, `serve`).

Patients' answers are health and money data: our own log lines carry a hashed chat id, the
question id and timings only. Third-party loggers are kept at WARNING whatever LOG_LEVEL says:
httpx and python-telegram-bot log request URLs (which contain the bot token) and, at DEBUG, the
texts they send and receive; aiosqlite logs every SQL parameter (the stored answers) at DEBUG.
"""

import logging
import traceback

from .settings import Settings

CHATTY = ("httpx", "httpcore", "telegram", "hpack", "asyncio", "aiosqlite", "asyncpg")

log = logging.getLogger("bot")


def quiet_third_party_loggers() -> None:
    """Keep the libraries that log tokens and texts at WARNING or above."""
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.root.level))


class NoThirdPartyTracebacks(logging.Filter):
    """A library's failure logged as its exception type only: asyncpg's pool logs a full
    traceback every few seconds while PostgreSQL is down, and a traceback's message can quote a
    stored value. Our own failures go through `log_failure`, which keeps the frames."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in CHATTY and record.exc_info:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} [{type(error).__name__}]"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.root.handlers:
        handler.addFilter(NoThirdPartyTracebacks())
    quiet_third_party_loggers()
    if settings.data_encryption_key is None:
        log.warning("DATA_ENCRYPTION_KEY is not set: patients' answers are stored unencrypted "
                    "(see docs/deploy.md, Secrets)")


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """`what` failed with `error`: its type and where, never its message (which may quote an
    answer or a stored update)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = "".join(traceback.format_list(frames[-6:]))
    logger.error("%s with %s:\n%s", what, type(error).__name__, where.rstrip())
