"""The python-telegram-bot Application, built once for polling (`bot.telegram.run`) and for
webhooks (the web server): the same handlers either way.

    store = open_store(settings.database_url, encryption_key=...)
    await store.open()
    app = build_application(settings, store=store, clinics=load_clinics(settings.clinics_file))
    await app.initialize()
    await app.post_init(app)      # PTB's run_polling/run_webhook call it; call it if you do not
    await app.start()

`post_init` registers the command menu and the bot's description with Telegram, in English
(the default, for every other language) and once per other language.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application

from estimator import icd10

from ..clinics import ClinicDirectory
from ..i18n import DEFAULT, SUPPORTED, translator
from ..interview import parsing
from ..logs import quiet_third_party_loggers
from ..settings import Settings
from ..store import Store
from . import handlers, texts
from .outbox import quiet_wrapper_warnings
from .pipeline import Pipeline
from .transport import AiohttpRequest

log = logging.getLogger(__name__)

# What the bot asks Telegram for (edited messages, reactions etc. are not read).
ALLOWED_UPDATES: list[str] = [Update.MESSAGE, Update.CALLBACK_QUERY]
# Updates handled at the same time (across chats; one chat's updates still wait in turn).
CONCURRENT_UPDATES = 128
# HTTP connections to the Bot API. One update needs one or two calls, and a big pool costs more
# than it gives (with httpx especially): a small pool with a generous wait serves hundreds of
# patients at once (see benchmarks/bench_telegram.py).
CONNECTION_POOL_SIZE = 16
POOL_TIMEOUT_SECONDS = 30.0
TRANSPORTS = ("aiohttp", "httpx")
TELEGRAM_HOST = "api.telegram.org"


def build_application(
    settings: Settings,
    *,
    store: Store,
    clinics: ClinicDirectory,
    base_url: str | None = None,
    base_file_url: str | None = None,
    concurrent_updates: int = CONCURRENT_UPDATES,
    connection_pool_size: int = CONNECTION_POOL_SIZE,
    rate_limiter: bool | None = None,
    log_salt: bytes | None = None,
    transport: str = "aiohttp",
) -> Application:
    """The bot's Application (not yet initialized). `store` must be opened by the caller.

    `base_url` overrides TELEGRAM_API_BASE_URL (e.g. a fake server in tests); the file URL
    follows it unless given. `rate_limiter`: PTB's AIORateLimiter, which keeps within
    Telegram's flood limits and retries after a RetryAfter; by default on when talking to
    api.telegram.org. `log_salt` salts the chat ids in logs (default: LOG_SALT, so that every
    worker sharing it hashes a chat alike; without it, random per process).
    `transport`: "aiohttp" (`bot.telegram.transport`, the default: far less CPU per call) or
    "httpx" (PTB's own). Raises SettingsError when the token is missing.
    """
    token = settings.require_token()
    if log_salt is None and settings.log_salt is not None:
        log_salt = settings.log_salt.get_secret_value().encode()
    quiet_third_party_loggers()  # PTB logs the token and every text it sends at DEBUG
    api = (base_url or settings.telegram_api_base_url).rstrip("/")
    files = base_file_url or (api.removesuffix("/bot") + "/file/bot")
    if rate_limiter is None:
        rate_limiter = TELEGRAM_HOST in api
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, not {transport!r}")
    builder = (
        Application.builder()
        .token(token)
        .base_url(api)
        .base_file_url(files)
        .concurrent_updates(concurrent_updates)
        .post_init(register_profile)
    )
    if transport == "aiohttp":
        builder = builder.request(
            AiohttpRequest(connection_pool_size, pool_timeout=POOL_TIMEOUT_SECONDS)
        ).get_updates_request(AiohttpRequest(1))
    else:
        builder = builder.connection_pool_size(connection_pool_size).pool_timeout(
            POOL_TIMEOUT_SECONDS
        )
    if rate_limiter:
        # PTB types the builder by its rate limiter's argument type; AIORateLimiter's differs.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]
    app = builder.build()
    _warm_up()
    quiet_wrapper_warnings()
    handlers.register(app, Pipeline(settings, store, clinics, log_salt=log_salt))
    return app


def _warm_up() -> None:
    """Load now what the first patients would otherwise wait for: the ICD-10 code set (seconds),
    each language's catalog and Babel's number and currency data (tens of milliseconds)."""
    icd10.load()
    for lang in SUPPORTED:
        t = translator(lang)
        t.money(Decimal("1234.5"))
        t.percent(Decimal(20))
        parsing.parse_amount("1 234,50", lang)
        parsing.parse_percent("20%", lang)
        parsing.parse_count("12", lang)


async def register_profile(app: Application) -> None:
    """setMyCommands, setMyDescription and setMyShortDescription, once per language."""
    for lang in SUPPORTED:
        t = translator(lang)
        code = None if lang == DEFAULT else lang
        commands = [BotCommand(name, t.gettext(text)) for name, text in texts.COMMANDS]
        try:
            await app.bot.set_my_commands(commands, language_code=code)
            await app.bot.set_my_description(t.gettext(texts.DESCRIPTION), language_code=code)
            await app.bot.set_my_short_description(
                t.gettext(texts.SHORT_DESCRIPTION), language_code=code
            )
        except TelegramError as error:  # the bot works without its menu: say so, go on
            log.warning("could not register the %s command menu: %s", lang, error)
