"""The JSON estimate API: `POST /api/v1/estimate`, the same contract as `massage-estimate`.

    curl -H 'Content-Type: application/json' --data @scenarios/example.json \\
         'http://127.0.0.1:8080/api/v1/estimate?explain=true' -H 'Accept-Language: es'

- 200: the estimate (`Estimate.model_dump(mode="json")`), plus `explanation` when asked for
  (`explain=true`), in the language of Accept-Language (en, es, ru; English otherwise);
- 400: the body is not JSON (`not_json`), names a key twice in one object (`duplicate_key`,
  the message names the key), cannot be read (`unreadable_body`: not in the
  Content-Encoding it names, or cut short), or `explain` is not a boolean (`bad_parameter`);
- 401: API_KEYS is set and the request has no `Authorization: Bearer <one of them>` (a key
  with characters no key has, raw bytes included, is a wrong key);
- 413: the body is over the server's limit (1 MB);
- 422: the JSON is not a valid scenario: `errors` lists each field (`loc`, `msg`, `type`) and
  `message` is the one-line description the command line prints;
- 429: the client (its API key, or its address when the server has no keys) sent more than
  API_RATE_LIMIT_REQUESTS requests in API_RATE_LIMIT_SECONDS; `Retry-After` says when to;
- 503 (`busy`): every estimate process is computing and API_ESTIMATE_QUEUE requests wait
  already; `Retry-After: 1`.

The scenario is validated, estimated and explained in a worker process (`bot.web.estimates`):
the event loop, which the webhook shares, only waits for it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import HttpVersion11, web
from aiohttp.web_protocol import RequestPayloadError

from ..metrics import Metrics
from ..settings import Settings
from ..strict_json import DuplicateKey
from ..strict_json import loads as strict_loads
from . import openapi
from .estimates import Busy, ClientLimits, EstimatePool, field_errors
from .lang import choose

__all__ = ["EstimateAPI", "UnreadableBody", "expect_continue", "field_errors", "read_body"]

log = logging.getLogger(__name__)

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


def problem(status: int, error: str, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": error, "message": message}, status=status, headers=headers)


async def json_body(request: web.Request) -> Any:
    """The request's JSON body, or the problem response that says why it cannot be read."""
    try:
        body = await read_body(request)
    except web.HTTPRequestEntityTooLarge as exc:
        return problem(413, "too_large", exc.text or "the body is too large")
    except UnreadableBody:
        response = problem(400, "unreadable_body", "the body cannot be read: it is not "
                           "in the Content-Encoding it names, or it ended early")
        response.force_close()
        return response
    try:
        return parse_json(body)
    except DuplicateKey as exc:
        return problem(400, "duplicate_key", f"the body names a key twice: {exc}")
    except ValueError as exc:
        return problem(400, "not_json", f"the body is not valid JSON ({exc})")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON")


def parse_json(body: bytes) -> Any:
    """The JSON value of `body`; ValueError when it is not JSON (NaN and Infinity are not),
    DuplicateKey (a ValueError) when an object names a key twice."""
    try:
        return strict_loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class UnreadableBody(Exception):
    """The request's body cannot be read: it is not in the Content-Encoding it names (aiohttp
    decodes gzip and deflate), or the client left before its end. The client's fault: a 400."""


async def read_body(request: web.Request) -> bytes:
    """`request.read()`, with a body that cannot be read raised as UnreadableBody (its message
    names the error type only, never the bytes); HTTPRequestEntityTooLarge passes through."""
    try:
        return await request.read()
    except RequestPayloadError as error:
        # aiohttp left the payload unfinished: told it ended, aiohttp does not try to read the
        # rest after the response (which would log the same error again, with a traceback).
        request.content.feed_eof()
        raise UnreadableBody(type(error.__cause__ or error).__name__) from None
    except (ConnectionError, EOFError) as error:
        raise UnreadableBody(type(error).__name__) from None


async def expect_continue(request: web.Request) -> None:
    """The `Expect` header of the routes that take a body, as aiohttp's default handler does it
    but for the client's faults: an unknown expectation (raw bytes included, which aiohttp's
    own handler cannot echo in its 417 and turns into a 500) gets 417, and a client gone before
    the "100 Continue" is simply gone, not a traceback."""
    if request.version != HttpVersion11:
        return
    if request.headers.get("Expect", "").strip().lower() != "100-continue":
        raise web.HTTPExpectationFailed(text="the only Expect known here is 100-continue")
    try:
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    except ConnectionError:
        raise web.HTTPBadRequest(text="the client left") from None
    request.writer.output_size = 0  # the response proper has not started (as aiohttp does)


class EstimateAPI:
    """The handlers of the JSON API for one application."""

    def __init__(self, settings: Settings, metrics: Metrics, pool: EstimatePool) -> None:
        self.settings = settings
        self.metrics = metrics
        self.pool = pool
        self.limits = ClientLimits(settings.api_rate_limit_requests,
                                   settings.api_rate_limit_seconds)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.post(openapi.ESTIMATE_PATH, self.estimate, expect_handler=expect_continue),
            web.get(openapi.OPENAPI_PATH, self.document),
        ]

    async def document(self, request: web.Request) -> web.Response:
        secured = bool(self.settings.api_keys)
        return web.json_response(openapi.document(secured=secured))

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if not self.settings.api_keys:
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.strip().partition(" ")
        if scheme.lower() == "bearer" and self.settings.is_api_key(key.strip()):
            return None
        challenge = 'Bearer realm="massage-cost-bot"'
        if header:
            challenge += ', error="invalid_token"'
        return problem(
            401,
            "unauthorized",
            "send one of the server's API keys as 'Authorization: Bearer <key>'",
            **{"WWW-Authenticate": challenge},
        )

    def _client(self, request: web.Request) -> str:
        """Whose window a request counts in: its API key (checked already), or the address
        it came from when the server has no keys."""
        if self.settings.api_keys:
            key = request.headers.get("Authorization", "").strip().partition(" ")[2]
            return "key " + key.strip()
        return "address " + (request.remote or "")

    def _limited(self, request: web.Request) -> web.Response | None:
        wait = self.limits.retry_after(self._client(request))
        if wait is None:
            return None
        return problem(
            429, "rate_limited",
            f"more than {self.limits.limit} estimates in {self.limits.period:g} seconds from "
            f"this client; try again in {wait} seconds", **{"Retry-After": str(wait)},
        )

    async def estimate(self, request: web.Request) -> web.Response:
        refused = self._unauthorized(request) or self._limited(request)
        if refused is not None:
            return refused
        flag = request.query.get("explain", "false").strip().lower()
        if flag not in _TRUE | _FALSE:
            return problem(400, "bad_parameter", "explain must be true or false")
        data = await json_body(request)
        if isinstance(data, web.Response):
            return data
        lang = choose(None, request.headers.get("Accept-Language")) if flag in _TRUE else None
        started = time.perf_counter()
        try:
            status, out = await self.pool.run(data, lang)
        except Busy:
            return problem(503, "busy", "every estimate process is busy and the line is full; "
                           "try again in a moment", **{"Retry-After": str(Busy.retry_after)})
        except Exception:
            log.exception("the estimate failed")
            self.metrics.error("api")
            return problem(500, "internal_error", "the estimate failed; this is a bug")
        if status != 200:
            return web.json_response(out, status=status)
        self.metrics.estimate_given("api", time.perf_counter() - started)
        headers = {"Content-Language": lang, "Vary": "Accept-Language"} if lang else {}
        return web.json_response(out, headers=headers)
