"""python-telegram-bot's HTTP seam on aiohttp instead of httpx.

PTB talks to the Bot API through a `BaseRequest`; its default, `HTTPXRequest`, costs several
times the CPU of aiohttp's client per call (measured against the fake Bot API: about 3 ms
against 0.5 ms per sendMessage on the benchmark machine), and a Telegram bot's work is mostly
those calls. aiohttp is already a dependency (the web server), so the bot uses it for the Bot
API too. Same contract as HTTPXRequest: form-encoded parameters, multipart for uploads, GET for
file downloads, `TimedOut` for timeouts (the pool wait included), `NetworkError` for the rest.
aiohttp has no write timeout: a stalled upload ends with the read timeout instead.
"""

from __future__ import annotations

import asyncio

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]


def _value(given: object, default: float | None) -> float | None:
    return default if given is BaseRequest.DEFAULT_NONE else given  # type: ignore[return-value]


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one aiohttp ClientSession with a bounded connection pool."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session")

    def __init__(
        self,
        connection_pool_size: int = 16,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        body: aiohttp.FormData | dict[str, str] | None = fields
        read = _value(read_timeout, self._read)
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            body = form
            media = _value(write_timeout, self._media_write)
            read = None if read is None or media is None else read + media
        connect, pool = _value(connect_timeout, self._connect), _value(pool_timeout, self._pool)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are asyncio (= builtin) TimeoutErrors
            raise TimedOut from error
        except (aiohttp.ClientError, asyncio.IncompleteReadError, OSError) as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
