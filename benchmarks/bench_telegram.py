"""The Telegram bot under load, beside a bare PTB echo bot, on the same harness in the same run.

    python benchmarks/bench_telegram.py                  # 1, 50 and 500 patients
    python benchmarks/bench_telegram.py --patients 50 --pool-size 8 16 256

The harness (this process) runs the fake Bot API server (tests/fakes) and N simulated patients.
Each patient goes through a whole interview (tests/fakes/patients.py: by buttons and typed
answers, 23 updates) and acts as soon as the bot has answered, so N is the number of patients
talking at once. The bot runs in a child process, exactly as `massage-bot polling` builds it
(SQLite store in a temporary directory, INFO logging to /dev/null, the aiohttp transport),
long-polling the fake. The echo bot ("echo") is a bare PTB Application (PTB's own httpx
transport) with the same concurrency settings that answers each of the same number of text
messages with one message; "echo-aio" is the same echo bot on the bot's aiohttp transport, to
show what the transport alone is worth.

Reported per run: updates per second (all patients' updates over the wall time), p50 and p99 of
the time from injecting an update to the bot's reply arriving at the fake (for the interview: the
next question or the result; for the echo: the echo), and the CPU seconds of the harness and of
the bot process, and the 1-minute load average when the run started. The machine's cores are
shared by both processes (and by whatever else runs), so the harness's CPU use is part of the
picture, and figures from a busy machine are worse: `--repeat` interleaves the bots and compares
medians.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes import FakeTelegramAPI  # noqa: E402
from tests.fakes.patients import (  # noqa: E402
    INTERVIEW,
    NARROW_DATA,
    can_narrow,
    interview_view,
    is_result,
    question_of,
    steps,
)

TOKEN = "123456:" + "B" * 35
CONCURRENT_UPDATES = 128
REPLY_TIMEOUT = 300.0

UPDATES_PER_PATIENT = len(steps(INTERVIEW))  # with /start and "Narrow it down"
KINDS = ("echo", "echo-aio", "bot", "bot-httpx")


# --------------------------------------------------------------------------- the bot process


async def serve(kind: str, url: str, database: str, pool_size: int, poll_interval: float) -> None:
    """Run the bot (or the echo bot) against the fake until SIGTERM."""
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    store = None
    if kind.startswith("bot"):
        from bot.clinics import load_clinics
        from bot.settings import Settings
        from bot.store import open_store
        from bot.telegram import ALLOWED_UPDATES, build_application

        settings = Settings(_env_file=None, telegram_bot_token=TOKEN,
                            database_url=f"sqlite:///{database}", rate_limit_updates=1_000_000)
        store = open_store(settings.database_url)
        await store.open()
        app = build_application(
            settings, store=store, clinics=load_clinics(), base_url=f"{url}/bot",
            concurrent_updates=CONCURRENT_UPDATES, connection_pool_size=pool_size,
            rate_limiter=False, transport="httpx" if kind == "bot-httpx" else "aiohttp",
        )
        allowed = ALLOWED_UPDATES
    else:
        builder = (
            Application.builder().token(TOKEN).base_url(f"{url}/bot")
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if kind == "echo-aio":
            from bot.telegram.transport import AiohttpRequest

            builder = builder.request(AiohttpRequest(pool_size, pool_timeout=30))
            builder = builder.get_updates_request(AiohttpRequest(1))
        else:
            builder = builder.connection_pool_size(pool_size).pool_timeout(30)
        app = builder.build()

        async def echo(update: Update, context) -> None:
            await update.effective_message.reply_text(f"echo: {update.effective_message.text}",
                                                      do_quote=False)

        app.add_handler(MessageHandler(filters.TEXT, echo))
        allowed = [Update.MESSAGE]
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=poll_interval, timeout=timedelta(seconds=1),
                                    allowed_updates=allowed)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if store is not None:
        await store.close()


# --------------------------------------------------------------------------- the harness


async def patient(fake: FakeTelegramAPI, chat: int, latencies: list[float]) -> None:
    """A whole interview; one latency per update."""
    started = time.perf_counter()
    await fake.user_sends(chat, "/start")
    view = await fake.wait_for_bot(chat, interview_view, timeout=REPLY_TIMEOUT)
    latencies.append(time.perf_counter() - started)
    narrowed = 0
    while not is_result(view) or (can_narrow(view) and narrowed < len(INTERVIEW)):
        question = question_of(view)
        kind, value = INTERVIEW.get(question, ("narrow", NARROW_DATA))
        started = time.perf_counter()
        if kind == "narrow":  # the first estimate: narrow it down with the rest of the answers
            narrowed += 1
            await fake.press_button(chat, lambda text, data: data == NARROW_DATA)
        elif kind == "choice":
            wanted = f"a|{question}|{value}"
            await fake.press_button(chat, lambda text, data, wanted=wanted: data == wanted)
        else:
            await fake.user_sends(chat, value)

        def moved(message, question=question, narrowing=kind == "narrow") -> bool:
            if narrowing:  # the estimate stays; the first question narrowing it comes below
                return question_of(message) is not None
            return interview_view(message) and (
                is_result(message) or question_of(message) != question)

        view = await fake.wait_for_bot(chat, moved, timeout=REPLY_TIMEOUT)
        latencies.append(time.perf_counter() - started)


async def echo_patient(fake: FakeTelegramAPI, chat: int, latencies: list[float]) -> None:
    """As many messages as an interview has updates, each waiting for its echo."""
    for number in range(UPDATES_PER_PATIENT):
        text = f"m{number}"
        started = time.perf_counter()
        await fake.user_sends(chat, text)
        await fake.wait_for_bot(chat, lambda m, text=text: m.text == f"echo: {text}",
                                timeout=REPLY_TIMEOUT)
        latencies.append(time.perf_counter() - started)


@dataclass
class Run:
    kind: str
    patients: int
    pool_size: int
    poll: float
    updates: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    harness_cpu: float = 0.0
    bot_cpu: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    load: float = 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return self.updates / self.wall


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def _wait_until_polling(fake: FakeTelegramAPI, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not fake.calls_to("getUpdates"):
        if process.poll() is not None:
            raise RuntimeError(f"the bot process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError("the bot process did not start polling within 120 s")
        await asyncio.sleep(0.05)


async def run(kind: str, patients: int, pool_size: int, poll: float, first_chat: int) -> Run:
    result = Run(kind, patients, pool_size, poll, load=os.getloadavg()[0])
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegramAPI(token=TOKEN) as fake:
            children_before = _cpu(resource.RUSAGE_CHILDREN)
            process = subprocess.Popen(
                [sys.executable, __file__, "--serve", kind, "--url", fake.url,
                 "--db", str(Path(folder) / "bench.db"), "--pool-size", str(pool_size),
                 "--poll-interval", str(poll)],
                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=subprocess.DEVNULL,
            )
            try:
                await _wait_until_polling(fake, process)
                drive = patient if kind.startswith("bot") else echo_patient
                cpu_before, started = _cpu(resource.RUSAGE_SELF), time.perf_counter()
                await asyncio.gather(*(drive(fake, first_chat + i, result.latencies)
                                       for i in range(patients)))
                result.wall = time.perf_counter() - started
                result.harness_cpu = _cpu(resource.RUSAGE_SELF) - cpu_before
                result.updates = len(result.latencies)
                assert result.updates == patients * UPDATES_PER_PATIENT
                assert fake.internal_errors == []
                result.calls = dict(Counter(call.method for call in fake.calls))
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(process.wait, 60)
            result.bot_cpu = _cpu(resource.RUSAGE_CHILDREN) - children_before
    return result


def _report(runs: list[Run], verbose: bool = False) -> None:
    print(f"{'bot':<9} {'pool':>4} {'poll':>5} {'patients':>8} {'updates':>7} {'wall s':>7} "
          f"{'upd/s':>7} {'p50 ms':>7} {'p99 ms':>8} {'harness cpu':>12} {'bot cpu':>8} "
          f"{'load':>5}")
    for r in runs:
        share = 100 * r.harness_cpu / r.wall
        print(f"{r.kind:<9} {r.pool_size:>4} {r.poll:>5.2f} {r.patients:>8} {r.updates:>7} "
              f"{r.wall:>7.2f} {r.rate:>7.1f} {r.quantile(0.5):>7.1f} {r.quantile(0.99):>8.1f} "
              f"{r.harness_cpu:>6.1f}s {share:>3.0f}% {r.bot_cpu:>7.1f}s {r.load:>5.1f}",
              flush=True)
        if verbose:
            calls = ", ".join(f"{name} {count / r.updates:.2f}"
                              for name, count in sorted(r.calls.items(), key=lambda c: -c[1]))
            print(f"      Bot API calls per update: {calls}")
    _compare(runs)


def _compare(runs: list[Run]) -> None:
    """Each bot against the bare echo bot: medians over repeats of the same configuration."""
    groups: dict[tuple, list[Run]] = {}
    for r in runs:
        groups.setdefault((r.kind, r.patients, r.pool_size, r.poll), []).append(r)
    for (kind, patients, pool, poll), mine in groups.items():
        echo = groups.get(("echo", patients, pool, poll))
        if kind == "echo" or echo is None:
            continue
        rate = statistics.median(r.rate for r in mine) / statistics.median(r.rate for r in echo)
        p99 = statistics.median(r.quantile(0.99) for r in mine)
        echo_p99 = statistics.median(r.quantile(0.99) for r in echo)
        print(f"  {patients} patients, pool {pool}, poll {poll:g} s ({len(mine)} runs): "
              f"{kind}/echo throughput {rate:.2f} (target >= 0.5), p99 {p99:.0f} vs "
              f"{echo_p99:.0f} ms = {p99 / echo_p99:.2f}x (target <= 2)")


async def main(args: argparse.Namespace) -> None:
    runs: list[Run] = []
    chat = 10_000
    for poll in args.poll_interval:
        for pool_size in args.pool_size:
            for patients in args.patients:
                for _ in range(args.repeat):
                    for kind in args.bots:
                        runs.append(await run(kind, patients, pool_size, poll, chat))
                        chat += patients
                        _report(runs[-1:], verbose=True)
    print()
    _report(runs)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[1, 50, 500])
    parser.add_argument("--pool-size", type=int, nargs="+", default=[16],
                        help="HTTP connection pool sizes to compare (default: 16)")
    parser.add_argument("--poll-interval", type=float, nargs="+", default=[0.0],
                        help="seconds between getUpdates calls, for both bots (default: 0)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each configuration this many times, interleaved (default: 1)")
    parser.add_argument("--bots", nargs="+", default=["echo", "echo-aio", "bot"], choices=KINDS,
                        help="which bots to run (default: all but bot-httpx, the bot on PTB's "
                        "own transport")
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    if arguments.serve:
        logging.basicConfig(level=logging.INFO, filename=os.devnull)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        asyncio.run(serve(arguments.serve, arguments.url, arguments.db, arguments.pool_size[0],
                          arguments.poll_interval[0]))
    else:
        asyncio.run(main(arguments))
