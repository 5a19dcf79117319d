"""`massage-bot serve`: one aiohttp server for the webhook, the pages, the API and health.

    POST /telegram             Telegram updates (X-Telegram-Bot-Api-Secret-Token = WEBHOOK_SECRET)
    GET  /healthz              the process is alive
    GET  /readyz               the store answers and the bot is initialised (503 otherwise)
    GET  /metrics              Prometheus text format
    POST /api/v1/estimate      the JSON API (bot.web.api), /api/v1/openapi.json its document
    GET  /c/<slug>             a clinic's page (bot.web.pages), POST /c/<slug>/estimate its form
    GET  /static/...           the pages' stylesheet

The python-telegram-bot Application runs without its updater: the server initialises and
starts it and registers the webhook when WEBHOOK_URL is set. An update of a private chat is
stored in the inbox (`bot.telegram.inbox`) before the 200 goes back, then applied in its chat's
update_id order by whichever worker holds the chat (when the store cannot take it, the answer
is 503 and Telegram sends it again later); any other update is answered with 200 at once and
processed in a task through the Application's update processor. On shutdown
the server finishes the updates in flight before stopping the Application. Polling (`massage-bot
polling`) and the webhook share the same Application and handlers.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from estimator import icd10

from ..clinics import ClinicDirectory, ClinicFileError, load_clinics
from ..logs import configure_logging
from ..metrics import CONTENT_TYPE_LATEST, Metrics, activate, update_kind
from ..onboarding.live import LiveClinics
from ..settings import Settings, SettingsError, load_settings
from ..store import StoreError
from ..store.retention import purge_idle_chats_forever
from ..telegram import reminder_sender
from ..telegram.inbox import Inbox
from .api import EstimateAPI, UnreadableBody, expect_continue, parse_json, problem, read_body
from .clinic_stats import ClinicStatsPage
from .documents_api import DocumentAPI
from .estimates import EstimatePool
from .pages import ClinicPages

__all__ = ["MAX_BODY_BYTES", "WEBHOOK_PATH", "TelegramWebhook", "create_app", "run"]

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024
DRAIN_SECONDS = 25.0
READY_TIMEOUT_SECONDS = 5.0
# The ids the store keeps (update, chat and user ids: PostgreSQL BIGINT, SQLite INTEGER) are
# signed 64-bit; Telegram's own fit in 52 bits. An update with an integer outside this range
# did not come from Telegram.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# The Update fields that hold a Message, whose `chat` every handler relies on.
MESSAGE_FIELDS = ("message", "edited_message", "channel_post", "edited_channel_post",
                  "business_message", "edited_business_message")
STATIC = Path(__file__).parent / "static"

METRICS_KEY = web.AppKey("metrics", Metrics)
POOL_KEY = web.AppKey("estimate_pool", EstimatePool)


class TelegramWebhook:
    """Receives updates on POST /telegram and runs them through the PTB Application."""

    def __init__(
        self,
        application: Any,
        settings: Settings,
        metrics: Metrics,
        allowed_updates: list[str] | None = None,
        store: Any | None = None,
    ) -> None:
        if settings.webhook_secret is None:
            raise SettingsError(
                "WEBHOOK_SECRET is not set: the webhook accepts only requests that carry it "
                "(1 to 256 characters: A-Z, a-z, 0-9, _ and -)"
            )
        self.application = application
        self.settings = settings
        self.metrics = metrics
        self.allowed_updates = allowed_updates
        self._secret = settings.webhook_secret.get_secret_value().encode()
        self._tasks: set[asyncio.Task[None]] = set()
        # Without a store (tests of the web layer alone) updates are processed as they come.
        self.inbox = Inbox(application, store, metrics) if store is not None else None
        self._sweep: asyncio.Task[None] | None = None
        self._reminders: reminder_sender.Sender | None = None
        self.accepting = False
        # Count the errors of the handlers. PTB logs them itself only while no error handler is
        # registered, so this one logs them too unless the Application has its own.
        self._log_handler_errors = not application.error_handlers
        application.add_error_handler(self._handler_failed)

    async def _handler_failed(self, update: object, context: Any) -> None:
        self.metrics.error("handler")
        if self._log_handler_errors:
            error = context.error
            log.error("a handler failed: %s", type(error).__name__,
                      exc_info=(type(error), error, error.__traceback__))

    @property
    def in_flight(self) -> int:
        return len(self._tasks) + (self.inbox.in_flight if self.inbox else 0)

    async def lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: start the Application, then stop it after draining."""
        application = self.application
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            url = self.settings.webhook_url
            if url:
                if not url.rstrip("/").endswith(WEBHOOK_PATH):
                    log.warning("WEBHOOK_URL does not end in %s, where this server listens; "
                                "a proxy must forward it there", WEBHOOK_PATH)
                await application.bot.set_webhook(
                    url=url, secret_token=self._secret.decode(),
                    allowed_updates=self.allowed_updates,
                )
                log.info("webhook registered")
        except BaseException:
            await self._stop()
            raise
        self.accepting = True
        if self.inbox is not None:
            self._sweep = asyncio.create_task(self.inbox.sweep_forever(), name="inbox-sweep")
            self._reminders = reminder_sender.start(application, self.inbox.store)
        try:
            yield
        finally:
            self.accepting = False
            if self._sweep is not None:
                self._sweep.cancel()
                await asyncio.gather(self._sweep, return_exceptions=True)
            if self._reminders is not None:
                await self._reminders.stop()
            await self.drain()
            await self._stop()

    async def _stop(self) -> None:
        application = self.application
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Wait for the updates in flight (at most `timeout` seconds, then cancel them; stored
        ones not yet applied stay stored for the next process)."""
        if self.in_flight:
            log.info("finishing %d update(s) in flight", self.in_flight)
        started = time.monotonic()
        if self.inbox is not None:
            await self.inbox.finish(timeout)
        if not self._tasks:
            return
        left = max(0.0, timeout - (time.monotonic() - started))
        _, pending = await asyncio.wait(set(self._tasks), timeout=left)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled %d update(s) still running after %g s", len(pending), timeout)
            await asyncio.gather(*pending, return_exceptions=True)

    def _secret_matches(self, given: str) -> bool:
        """The secret header, compared in constant time. WEBHOOK_SECRET is ASCII (the setting
        allows A-Z, a-z, 0-9, _ and -), so a header with anything else (aiohttp hands raw
        non-UTF-8 bytes over as surrogates) is simply a wrong secret."""
        if not given.isascii():
            return False
        return hmac.compare_digest(given.encode("ascii"), self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self._secret_matches(request.headers.get(SECRET_HEADER, "")):
            self.metrics.rejected("secret")
            return web.Response(status=403, text="forbidden")
        if not self.accepting:
            return web.Response(status=503, text="not ready", headers={"Retry-After": "1"})
        if (request.content_length or 0) > MAX_BODY_BYTES:
            self.metrics.rejected("too_large")
            return web.Response(status=413, text="too large")
        try:
            body = await read_body(request)
        except web.HTTPRequestEntityTooLarge:
            self.metrics.rejected("too_large")
            return web.Response(status=413, text="too large")
        except UnreadableBody:
            self.metrics.rejected("unreadable")
            return web.Response(status=400, text="the body cannot be read")
        try:
            data = parse_json(body)
        except ValueError:
            self.metrics.rejected("not_json")
            return web.Response(status=400, text="not JSON")
        if not is_update(data):
            self.metrics.rejected("not_an_update")
            return web.Response(status=400, text="not an update")
        from telegram import Update

        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:  # PTB raises various errors for malformed objects
            self.metrics.rejected("not_an_update")
            return web.Response(status=400, text="not an update")
        self.metrics.update_received(update_kind(data))
        if self.inbox is not None:
            try:
                accepted = await self.inbox.accept(update, data)
                if accepted == "repeated":
                    self.metrics.updates_repeated.inc()
                if accepted != "direct":
                    return web.Response(status=200)
            except StoreError:
                # Not stored: Telegram re-sends an update that got no 2xx, and the store keeps
                # it once. Applied now with an apology, it could be stored all the same (a
                # timeout after the commit) and applied again later.
                return web.Response(status=503, text="store unavailable",
                                    headers={"Retry-After": "5"})
        task = asyncio.create_task(self._process(update), name=f"update-{update.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=200)

    async def _process(self, update: Any) -> None:
        application = self.application
        start = time.perf_counter()
        try:
            # What Application does with an update from its queue; errors inside handlers go to
            # the Application's error handlers, so what arrives here is the framework's own.
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            self.metrics.error("webhook")
            log.exception("update %s failed", update.update_id)
        finally:
            self.metrics.update_seconds.observe(time.perf_counter() - start)


WEBHOOK_KEY = web.AppKey("webhook", TelegramWebhook)


def _int64_only(value: Any) -> bool:
    """Every integer in the JSON `value` fits a signed 64-bit column (walked without
    recursion: the body may nest as deep as the JSON parser allowed)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is int:
            if not INT64_MIN <= item <= INT64_MAX:
                return False
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _has_chat(message: Any) -> bool:
    chat = message.get("chat") if isinstance(message, dict) else None
    return (isinstance(chat, dict) and type(chat.get("id")) is int
            and isinstance(chat.get("type"), str))


def is_update(data: Any) -> bool:
    """Whether the parsed body can be a Telegram update: an object with an integer
    `update_id`, no integer outside the signed 64-bit range anywhere (update, chat and user ids
    go to the store), and a `chat` with an id and a type in every message it carries."""
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return False
    if not _int64_only(data):
        return False
    messages = [data[name] for name in MESSAGE_FIELDS if name in data]
    query = data.get("callback_query")
    if isinstance(query, dict) and query.get("message") is not None:
        messages.append(query["message"])
    return all(_has_chat(message) for message in messages)


def _bot_username(settings: Settings, telegram_app: Any | None) -> Callable[[], str | None]:
    def username() -> str | None:
        if telegram_app is not None:
            try:
                return telegram_app.bot.username  # known after initialize() (getMe)
            except RuntimeError:
                pass
        return settings.bot_username

    return username


@web.middleware
async def _errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except (UnreadableBody, RequestPayloadError) as error:
        # A body that does not decode, or a client gone mid-body (raised by a handler that
        # reads the body itself, as the pages' form does): the client's fault, a 400 (that
        # nobody may be left to read), with nothing worth a traceback.
        if isinstance(error, RequestPayloadError):
            request.content.feed_eof()  # see read_body
        log.info("%s %s: the body cannot be read", request.method, request.path)
        return _unreadable(request)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        where = "api" if request.path.startswith("/api/") else "page"
        request.app[METRICS_KEY].error(where)
        if where == "api":
            return problem(500, "internal_error", "the server failed; this is a bug")
        return web.Response(status=500, text="Internal Server Error")


def _unreadable(request: web.Request) -> web.Response:
    if request.path.startswith("/api/"):
        response = problem(400, "unreadable_body", "the body cannot be read: it is not in "
                           "the Content-Encoding it names, or it ended early")
    else:
        response = web.Response(status=400, text="the body cannot be read")
    response.force_close()
    return response


class _ProtocolLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's server logger, minus the tracebacks of requests the client got wrong.

    aiohttp answers a request it cannot parse (a malformed header, a Content-Encoding it does
    not know, a body that does not decode) with 400 itself, and logs it with
    `logger.exception`: a traceback at ERROR for every probe. Those become one INFO line naming
    the error type; anything else is logged as aiohttp logs it.
    """

    def exception(self, msg: object, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        error = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if _client_error(error):
            self.logger.info("refused a malformed request: %s", type(error).__name__)
            return
        self.logger.exception(msg, *args, exc_info=exc_info, **kwargs)


def _client_error(error: BaseException | None) -> bool:
    """A 4xx of aiohttp's HTTP parser, possibly wrapped (RequestPayloadError)."""
    for _ in range(3):
        if isinstance(error, HttpProcessingError):
            return 400 <= (error.code or 0) < 500
        if error is None:
            return False
        error = error.__cause__
    return False


async def _nosniff(request: web.Request, response: web.StreamResponse) -> None:
    """Every response the application sends (aiohttp's own 404, 405 and 413 pages, the JSON,
    the static files) tells browsers not to guess another content type than the one it names.
    A request aiohttp's HTTP parser refuses (a malformed request line or header) never reaches
    the application: its plain-text 400 goes without it."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")


def create_app(
    settings: Settings,
    *,
    clinics: ClinicDirectory,
    store: Any | None = None,
    telegram_app: Any | None = None,
    allowed_updates: list[str] | None = None,
) -> web.Application:
    """The web application. With `telegram_app`, it serves the webhook and starts and stops
    that Application with itself (WEBHOOK_SECRET is then required), registering the webhook
    for `allowed_updates` (None: Telegram's default) when WEBHOOK_URL is set. The `store` holds
    the webhook's inbox and answers the readiness check: whoever made it opens and closes it
    (`run` does)."""
    metrics = activate(Metrics())
    app = web.Application(
        client_max_size=MAX_BODY_BYTES, middlewares=[_errors],
        handler_args={"logger": _ProtocolLog(logging.getLogger("aiohttp.server"), {})},
    )
    app[METRICS_KEY] = metrics
    app.on_response_prepare.append(_nosniff)
    webhook = None
    if telegram_app is not None:
        webhook = TelegramWebhook(telegram_app, settings, metrics, allowed_updates, store)
        app[WEBHOOK_KEY] = webhook
        app.cleanup_ctx.append(webhook.lifecycle)
        app.router.add_post(WEBHOOK_PATH, webhook.handle, expect_handler=expect_continue)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})

    async def readyz(request: web.Request) -> web.Response:
        checks: dict[str, bool] = {}
        if store is not None:
            try:
                async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                    checks["store"] = bool(await store.ping())
            except Exception:
                checks["store"] = False
        if telegram_app is not None:
            checks["telegram"] = bool(
                webhook is not None and webhook.accepting and telegram_app.running
            )
        ready = all(checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def metrics_page(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
    # The clinic pages name each diagnosis code's title: load the code set (seconds) before the
    # first visitor, not on the loop while others wait.
    icd10.load()
    pool = EstimatePool(settings.api_estimate_processes, settings.api_estimate_queue)
    app[POOL_KEY] = pool
    app.cleanup_ctx.append(_warm_context(pool))
    api = EstimateAPI(settings, metrics, pool)
    app.router.add_routes(api.routes())
    live = LiveClinics(clinics, store, settings.clinic_refresh_seconds)
    app.router.add_routes(DocumentAPI(api, clinics, live).routes())
    app.router.add_routes(
        ClinicPages(clinics, metrics, _bot_username(settings, telegram_app), pool, live).routes()
    )
    app.router.add_routes(ClinicStatsPage(live).routes())  # owners' and staff's figures
    app.router.add_static("/static", STATIC, append_version=False)
    return app


def _warm_context(pool: EstimatePool) -> Callable[[web.Application], AsyncIterator[None]]:
    """Start the estimate processes in the background as the server starts (requests that
    come first wait for them)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        warming = asyncio.create_task(pool.warm(), name="estimate-pool")
        yield
        warming.cancel()
        await asyncio.gather(warming, return_exceptions=True)

    return context


def _store_context(
    store: Any, retention_days: int
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        await store.open()
        purge = asyncio.create_task(purge_idle_chats_forever(store, retention_days))
        try:
            yield
        finally:
            purge.cancel()
            await asyncio.gather(purge, return_exceptions=True)
            await store.close()

    return context


def _fail(message: str, code: int = 2) -> int:
    print(f"massage-bot serve: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """`massage-bot serve`: HOST and PORT, Telegram when TELEGRAM_BOT_TOKEN is set."""
    try:
        settings = load_settings()
        clinics = load_clinics(settings.clinics_file)
    except (SettingsError, ClinicFileError) as exc:
        return _fail(str(exc))
    configure_logging(settings)
    from ..store import open_store

    key = settings.data_encryption_key
    try:
        store = open_store(settings.database_url,
                           encryption_key=key.get_secret_value() if key else None)
    except ValueError as exc:
        return _fail(f"DATABASE_URL or DATA_ENCRYPTION_KEY: {exc}")
    telegram_app = None
    allowed_updates = None
    if settings.telegram_bot_token is not None:
        if settings.webhook_secret is None:
            return _fail("WEBHOOK_SECRET is not set: the webhook needs it (1 to 256 characters: "
                         "A-Z, a-z, 0-9, _ and -)")
        from ..telegram.app import ALLOWED_UPDATES, build_application

        telegram_app = build_application(settings, store=store, clinics=clinics)
        allowed_updates = list(ALLOWED_UPDATES)
    elif settings.webhook_url:
        return _fail("WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not")
    else:
        log.info("no TELEGRAM_BOT_TOKEN: serving the pages and the API only")
    app = create_app(settings, clinics=clinics, store=store, telegram_app=telegram_app,
                     allowed_updates=allowed_updates)
    app.cleanup_ctx.insert(0, _store_context(store, settings.retention_days))
    from telegram.error import InvalidToken, TelegramError

    try:
        web.run_app(app, host=settings.host, port=settings.port, shutdown_timeout=DRAIN_SECONDS,
                    print=lambda text: log.info("%s", text))
    except StoreError as exc:
        return _fail(f"the database cannot be used: {exc}", 1)
    except InvalidToken:
        return _fail("Telegram does not accept TELEGRAM_BOT_TOKEN: check it with @BotFather", 2)
    except TelegramError as exc:
        return _fail(f"cannot reach Telegram ({type(exc).__name__}: {exc})", 1)
    except OSError as exc:
        return _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", 1)
    return 0
