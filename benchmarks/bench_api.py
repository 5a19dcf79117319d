"""The event loop while the estimate API computes: /healthz beside heavy estimates, with the
estimates in the process pool (now) and on the event loop (before issue 12), in one run.

    python benchmarks/bench_api.py [--requests 24] [--concurrency 8]

The server runs in this process (aiohttp's test server), like one `massage-bot serve` worker
without Telegram. While `--requests` estimates of the largest allowed scenario
(tests/fakes/scenarios.py, WORST) run `--concurrency` at a time, /healthz is asked one
after the other; its latency stands for the webhook's, which shares the loop. The machine is
shared and noisy, so the figures that matter are ratios to the baseline measured in the same
run: /healthz with nothing else to do.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.clinics import load_clinics  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web import estimates  # noqa: E402
from bot.web.openapi import ESTIMATE_PATH  # noqa: E402
from bot.web.server import create_app  # noqa: E402
from tests.fakes.scenarios import WORST  # noqa: E402
from tests.test_web_hardening import SMALL  # noqa: E402


async def _inline(self: estimates.EstimatePool, data: object, lang: str | None):
    """Before issue 12: the estimate computed by the handler itself, on the loop."""
    return estimates.compute(data, lang)


async def measure(client: TestClient, requests: int, concurrency: int) -> tuple[list[float],
                                                                                float]:
    """/healthz latencies (ms) while the estimates run, and the estimates' wall time (s)."""
    gate = asyncio.Semaphore(concurrency)
    done = asyncio.Event()

    async def one() -> None:
        async with gate:
            response = await client.post(f"{ESTIMATE_PATH}?explain=true", json=WORST)
            assert response.status == 200, response.status
            await response.read()

    async def probe() -> list[float]:
        latencies = []
        while not done.is_set():
            start = time.perf_counter()
            assert (await client.get("/healthz")).status == 200
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.01)
        return latencies

    prober = asyncio.create_task(probe())
    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    wall = time.perf_counter() - start
    done.set()
    return await prober, wall


async def main(requests: int, concurrency: int) -> None:
    settings = Settings(_env_file=None, telegram_bot_token=None, webhook_url=None,
                        api_keys=[], api_rate_limit_requests=1_000_000,
                        api_estimate_queue=requests)
    async with TestClient(TestServer(create_app(settings, clinics=load_clinics()))) as client:
        assert (await client.post(ESTIMATE_PATH, json=SMALL)).status == 200  # pool up
        from estimator import icd10

        icd10.load()  # for the on-the-loop run
        idle = []
        for _ in range(100):
            start = time.perf_counter()
            await client.get("/healthz")
            idle.append((time.perf_counter() - start) * 1000)
        base = statistics.median(idle)
        rows = [("baseline: /healthz, idle", idle, None)]
        pooled, pooled_wall = await measure(client, requests, concurrency)
        rows.append(("/healthz beside estimates, pool (now)", pooled, pooled_wall))
        original = estimates.EstimatePool.run
        estimates.EstimatePool.run = _inline  # type: ignore[method-assign]
        try:
            inline, inline_wall = await measure(client, requests, concurrency)
        finally:
            estimates.EstimatePool.run = original  # type: ignore[method-assign]
        rows.append(("/healthz beside estimates, on the loop (before)", inline, inline_wall))
    print(f"{requests} estimates of the largest scenario, {concurrency} at a time")
    print(f"{'case':48} {'probes':>6} {'p50 ×base':>10} {'max ×base':>10} {'estimates s':>12}")
    for name, latencies, wall in rows:
        print(f"{name:48} {len(latencies):6d} {statistics.median(latencies) / base:10.1f} "
              f"{max(latencies) / base:10.1f} {'' if wall is None else f'{wall:12.2f}'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=8)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.concurrency))
