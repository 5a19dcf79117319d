"""The API's estimates, computed in worker processes, and the API's per-client limit.

An estimate is pure CPU: the largest scenario the contract allows (365 sessions, PIP then a
plan, every amount unknown) takes on the order of 0.1 s (benchmarks/bench_estimate.py), and the
webhook shares the event loop with the API. So the API validates, estimates and explains in a
process pool (`EstimatePool`: API_ESTIMATE_PROCESSES processes, spawned, not forked: the server
holds threads and sockets), and the loop only waits. At most API_ESTIMATE_QUEUE requests wait
for a free process beyond those being computed; the next gets 503 with Retry-After at once
instead of a place in an unbounded line.

`ClientLimits` is the per-client limit (API_RATE_LIMIT_REQUESTS per API_RATE_LIMIT_SECONDS, the
sliding window of `bot.ratelimit`), kept in the worker's memory: a client is its API key, or
the peer address when the server has no keys (behind nginx that is nginx's own address, so the
clients without a key share one window: a bound on the open API as a whole).

This module is what the pool's processes import: it needs the estimator, the explanation and
the catalogs, not aiohttp.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pydantic import ValidationError

from ..ratelimit import Window, check

__all__ = ["Busy", "ClientLimits", "EstimatePool", "compute", "field_errors"]

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_CLIENTS = 10_000  # windows kept; the least recently seen client is forgotten first
# pydantic puts the member of a union it tried into the location: ("plan", "copay", "decimal").
_TYPE_TAGS = frozenset({"decimal", "int", "bool", "str", "float", "none", "list", "dict"})


def _is_type_tag(part: object) -> bool:
    return isinstance(part, str) and (part in _TYPE_TAGS or "[" in part)


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as `{loc, msg, type}`, the location without union member tags."""
    return [
        {
            "loc": [part for part in error["loc"] if not _is_type_tag(part)],
            "msg": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _warm() -> None:
    """Each process loads the ICD-10 code set once, before its first estimate."""
    from estimator import icd10

    icd10.load()


def compute(data: Any, lang: str | None) -> tuple[int, dict[str, Any]]:
    """In a pool process: the status and JSON body for the parsed request `data`, with the
    explanation in `lang` (None: without one). 422 for a scenario the model refuses."""
    from estimator import Scenario, estimate
    from estimator.cases import describe

    from ..i18n import translator
    from ..render import explain

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return 422, {"error": "invalid_scenario", "message": describe(exc),
                     "errors": field_errors(exc)}
    result = estimate(scenario)
    out = result.model_dump(mode="json")
    if lang is not None:
        out["explanation"] = explain(result, scenario, translator(lang))
    return 200, out


class Busy(Exception):
    """Every process is computing and the line is full: try again in `retry_after` seconds."""

    retry_after = 1


# One pool of each size per process, shared by the applications in it (one in production; the
# tests make many): spawning a process and loading the code set takes seconds.
_executors: dict[int, ProcessPoolExecutor] = {}


def _executor(processes: int) -> ProcessPoolExecutor:
    if processes not in _executors:
        _executors[processes] = ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("spawn"), initializer=_warm)
    return _executors[processes]


def _discard(executor: ProcessPoolExecutor) -> None:
    for size, known in list(_executors.items()):
        if known is executor:
            del _executors[size]
    executor.shutdown(wait=False, cancel_futures=True)


class EstimatePool:
    """`compute` in `processes` spawned processes, with at most `queue` requests waiting."""

    def __init__(self, processes: int, queue: int) -> None:
        self.processes = processes
        self.capacity = processes + queue
        self.in_flight = 0

    async def warm(self) -> None:
        """Start the processes and load what they need, so that the first requests do not
        wait for it (seconds)."""
        loop = asyncio.get_running_loop()
        executor = _executor(self.processes)
        await asyncio.gather(*(loop.run_in_executor(executor, _warm)
                               for _ in range(self.processes)))

    async def run(self, data: Any, lang: str | None) -> tuple[int, dict[str, Any]]:
        """`compute(data, lang)` in a pool process; Busy when the line is full."""
        return await self.call(compute, data, lang)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a pool process (a module-level function, its arguments and
        result picklable); Busy when the line is full."""
        if self.in_flight >= self.capacity:
            raise Busy
        self.in_flight += 1
        executor = _executor(self.processes)
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
        except BrokenProcessPool:
            # A process died (killed for memory, say): the pool refuses everything after that,
            # so the next request gets a new one; this one is told to try again.
            log.warning("an estimate process died; starting new ones")
            _discard(executor)
            raise Busy from None
        finally:
            self.in_flight -= 1


class ClientLimits:
    """At most `limit` requests per `period` seconds per client (a sliding window each)."""

    def __init__(self, limit: int, period: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.period, self.clock = limit, period, clock
        self._windows: OrderedDict[str, Window] = OrderedDict()

    def retry_after(self, client: str) -> int | None:
        """Record a request of `client`: None when it is allowed, else the whole seconds until
        the window lets one through again."""
        now = self.clock()
        window = self._windows.pop(client, None) or Window()
        verdict = check(window, now, self.limit, self.period)
        self._windows[client] = window
        while len(self._windows) > MAX_CLIENTS:
            self._windows.popitem(last=False)
        if verdict == "allow":
            return None
        return max(1, math.ceil(window.times[0] + self.period - now))
