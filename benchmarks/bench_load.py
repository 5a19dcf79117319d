"""The bot under load through its webhook: N patients at once, PostgreSQL with two `serve`
workers beside SQLite with one, in one run.

    python benchmarks/bench_load.py --quick            # 10 patients, both setups (~1 min)
    python benchmarks/bench_load.py                    # 50, 500 and 2000 patients
    python benchmarks/bench_load.py --n 500 --think 2  # patients who pause ~2 s per answer
    python benchmarks/bench_load.py --setups pg2 pg1 sqlite1 --n 500

This process is Telegram: it runs the fake Bot API (tests/fakes), which the workers send their
replies to, and N simulated patients, each going through a whole interview
(tests/fakes/patients.py: 23 updates, by buttons and typed answers) and acting as soon as the
bot answered (after `--think` seconds on average, 0 by default: N is then the number of updates
in flight). Every update is POSTed to /telegram of the next worker in turn (as a load balancer
would), and `--retry` of them also to the other worker at the same time (Telegram
re-delivering). The workers are real `massage-bot serve` processes (`python -m bot.cli serve`,
LOG_LEVEL=WARNING; tests/fakes/workers.py), started once per setup:

    pg2      PostgreSQL (a schema of its own in --postgres-url, dropped after), two workers
    pg1      the same, one worker (not run by default: for the "second worker" comparison)
    sqlite1  SQLite in a temporary directory, one worker

Reported per setup and N (one line each, then the CPU and where the limit is):

    upd       updates POSTed (re-deliveries not counted); upd/s: over the wall time
    p50, p99  from a POST to the bot's reply arriving at the fake (next question or result)
    errors    POSTs not answered 200, replies that never came (REPLY_TIMEOUT), apologies
              ("cannot reach my records": a patient sends the answer again), patients gone
              off the script, the fake's own errors, workers not idle at the end
    logW      worker log lines at WARNING or above (a sample is printed)
    lost, dup, wrong   chats whose stored interview, checked afterwards, misses an accepted
              update (or a save was overwritten), applied one twice, or has answers in the
              wrong order or on the wrong question (only the script's answers, in order, pass)
    reask     the bot showed the same question again: a button pressed on the question it had
              just sent, refused as stale (it should stay 0: a chat's lease is held until the
              new message is recorded, on every worker)
    CPU       seconds of this harness (patients + fake Bot API), each worker and PostgreSQL's
              backends serving the workers (from /proc/<pid>/stat), and the machine's busy
              cores (/proc/stat, every process: other work on the machine shows there)

The limit line says which it is: the machine's cores (shared by all of them), one worker's
single core (one Python process), or neither (waiting: locks, the database, think time).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.patients import (  # noqa: E402
    INTERVIEW,
    NARROW_DATA,
    can_narrow,
    expected_outcome,
    interview_view,
    is_result,
    question_of,
    steps,
)
from tests.fakes.workers import WebhookFake, Worker, fresh_schema, serve_workers  # noqa: E402

TOKEN = "123456:" + "L" * 35
SECRET = "bench-load_secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PG_URL = "postgresql://127.0.0.1:5432/test"
START_SECONDS = 120.0
REPLY_TIMEOUT = 120.0
ALERT_POLL_SECONDS = 5.0  # a refused press gets an alert, not a message: looked for this often
IDLE_TIMEOUT = 120.0
CLIENT_CONNECTIONS = 100  # keep-alive connections to the workers, like a proxy's upstream pool
CLK_TCK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

UPDATES_PER_PATIENT = len(steps(INTERVIEW))  # with /start and "Narrow it down"
MAX_ACTIONS = 3 * UPDATES_PER_PATIENT  # a patient gives up after this many (re-asks included)
SETUPS = {"pg2": ("postgres", 2), "pg1": ("postgres", 1), "sqlite1": ("sqlite", 1)}


# --------------------------------------------------------------------------- measuring CPU


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far (None once it is gone)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()  # the name may hold spaces and parentheses
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every process of every user."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / CLK_TCK, total / CLK_TCK


# --------------------------------------------------------------------------- the setups


@dataclass
class Setup:
    """A database and its workers, started once and used for every N."""

    name: str
    backend: str
    workers: list[Worker]
    database_url: str
    http: aiohttp.ClientSession
    fake: WebhookFake
    schema: str | None = None
    admin: Any = None  # asyncpg connection (PostgreSQL)
    accepted: int = 0
    http_errors: int = 0
    turn: int = 0

    def next_worker(self) -> Worker:
        self.turn += 1
        return self.workers[self.turn % len(self.workers)]

    def other(self, worker: Worker) -> Worker:
        return self.workers[(self.workers.index(worker) + 1) % len(self.workers)]

    async def post(self, worker: Worker, update: dict[str, Any]) -> bool:
        try:
            async with self.http.post(f"{worker.url}/telegram", json=update,
                                      headers={SECRET_HEADER: SECRET}) as response:
                await response.read()
                if response.status == 200:
                    self.accepted += 1
                    return True
        except (aiohttp.ClientError, TimeoutError):
            pass
        self.http_errors += 1
        return False

    async def processed(self) -> int:
        """Accepted POSTs the workers are done with: applied, or recognised as re-deliveries."""
        total = 0
        for worker in self.workers:
            async with self.http.get(f"{worker.url}/metrics") as response:
                for line in (await response.text()).splitlines():
                    if line.startswith(("massage_bot_update_seconds_count",
                                        "massage_bot_updates_repeated_total")):
                        total += int(float(line.split()[-1]))
        return total

    async def idle(self) -> bool:
        """Wait until every accepted POST was processed (False after IDLE_TIMEOUT)."""
        deadline = time.monotonic() + IDLE_TIMEOUT
        while await self.processed() < self.accepted:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def backend_pids(self) -> list[int]:
        """PostgreSQL server processes serving the workers' connections."""
        if self.admin is None:
            return []
        rows = await self.admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1", self.schema)
        return [row["pid"] for row in rows]

    async def processed_ids(self, first: int, last: int) -> dict[int, list[int]]:
        query = ("SELECT chat_id, update_id FROM processed_updates WHERE chat_id BETWEEN {0} "
                 "AND {1} ORDER BY chat_id, update_id")
        if self.admin is not None:
            rows = await self.admin.fetch(
                query.format("$1", "$2").replace("processed_updates",
                                                 f"{self.schema}.processed_updates"),
                first, last)
            pairs = [(row["chat_id"], row["update_id"]) for row in rows]
        else:
            path = self.database_url.removeprefix("sqlite:///")
            with sqlite3.connect(path, timeout=30) as db:
                pairs = db.execute(query.format("?", "?"), (first, last)).fetchall()
        found: dict[int, list[int]] = {}
        for chat_id, update_id in pairs:
            found.setdefault(chat_id, []).append(update_id)
        return found


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    setup: str
    workers: int
    patients: int
    think: float
    posts: int = 0  # distinct updates POSTed (re-deliveries not counted)
    retries: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    completed: int = 0  # patients who reached the result
    timeouts: int = 0
    off_script: int = 0
    reasked: int = 0
    refused: int = 0  # updates the bot answered with an apology (store busy, failure)
    http_errors: int = 0
    log_problems: int = 0
    log_sample: list[str] = field(default_factory=list)
    fake_errors: int = 0
    not_idle: bool = False
    lost: int = 0  # chats with an answer missing, or an update not applied
    duplicated: int = 0  # chats with an update applied more than once
    wrong: int = 0  # chats whose answers differ otherwise (order, values)
    cpu: dict[str, float] = field(default_factory=dict)
    machine_busy: float = 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return self.posts / self.wall if self.wall else 0.0

    @property
    def errors(self) -> int:
        return (self.http_errors + self.timeouts + self.off_script + self.refused
                + self.fake_errors + int(self.not_idle))


def _refusal(message) -> bool:
    """The bot's apology: "I cannot reach my records right now..." or "Sorry, something went
    wrong..." (English: the patients' language)."""
    from bot.telegram import texts

    return not message.buttons and message.text.startswith(
        (texts.UNAVAILABLE[:30], texts.FAILED[:30]))


async def patient(s: Setup, run: Run, chat: int, think: float, retry: float,
                  rng: random.Random, sent: list[int], refused: set[int]) -> None:
    """One whole interview; one latency per update. A refused update (the bot apologised) is
    sent again, like a patient would; a press refused as stale is pressed again."""
    fake = s.fake

    async def deliver(update: dict[str, Any], moved: Callable[[Any], bool]) -> Any | None:
        """POST the update; the bot's reply: a view, or None when it refused."""
        sent.append(update["update_id"])
        run.posts += 1
        worker = s.next_worker()
        posts: list[Awaitable[bool]] = [s.post(worker, update)]
        if retry and rng.random() < retry:
            run.retries += 1
            posts.append(s.post(s.other(worker), update))
            rng.shuffle(posts)
        query_id = (update.get("callback_query") or {}).get("id")
        started = time.perf_counter()
        await asyncio.gather(*posts)
        deadline = started + REPLY_TIMEOUT
        while True:
            try:
                reply = await fake.wait_for_bot(chat, lambda m: moved(m) or _refusal(m),
                                                timeout=ALERT_POLL_SECONDS)
                break
            except AssertionError:
                # A refused press gets only an alert, no message.
                if query_id and (fake.answered_callbacks.get(query_id) or {}).get("show_alert"):
                    reply = None
                    break
                if time.perf_counter() > deadline:
                    raise
        run.latencies.append(time.perf_counter() - started)
        if reply is None or _refusal(reply):
            run.refused += 1
            refused.add(update["update_id"])  # nothing saved (unless a re-delivery was)
            return None
        return reply

    try:
        view = None
        for _ in range(MAX_ACTIONS):
            if view is not None and is_result(view) and not can_narrow(view):
                run.completed += 1
                return
            if think:  # before /start too: patients arrive spread out, not all at once
                await asyncio.sleep(rng.expovariate(1 / think))
            if view is None:
                view = await deliver(await fake.text(chat, "/start"), interview_view)
                continue
            question = question_of(view)
            if is_result(view):  # the first estimate: narrowed down with the rest of the script
                question, (kind, value) = None, ("narrow", NARROW_DATA)
            elif question not in INTERVIEW:
                run.off_script += 1
                return
            else:
                kind, value = INTERVIEW[question]
            if kind == "narrow":
                update = await fake.press(chat, view.message_id, value)
            elif kind == "choice":
                update = await fake.press(chat, view.message_id, f"a|{question}|{value}")
            else:
                update = await fake.text(chat, value)

            def moved(message, question=question, shown=view.message_id) -> bool:
                # The next question or the result; or the same question in a new message: a
                # press refused as stale, or a typed answer refused (never, with this script).
                if question is None:  # narrowing: the first question comes below the estimate
                    return question_of(message) is not None
                return interview_view(message) and (
                    is_result(message) or question_of(message) != question
                    or message.message_id != shown)

            reply = await deliver(update, moved)
            if reply is None:
                continue  # refused: the same answer again
            if not is_result(reply) and question_of(reply) == question:
                run.reasked += 1
            view = reply
        run.off_script += 1  # gave up
    except AssertionError:  # no reply within REPLY_TIMEOUT
        run.timeouts += 1


async def verify(s: Setup, run: Run, chats: dict[int, list[int]], refused: dict[int, set[int]],
                 expected: tuple[dict[str, Any], list[str]]) -> None:
    """Every chat's stored interview against the script, and its applied updates against those
    sent: the answers, in order, each once."""
    from bot.store import open_store

    answers, history = expected
    first, last = min(chats), max(chats)
    processed = await s.processed_ids(first, last)
    store = open_store(s.database_url)
    await store.open()
    try:
        for chat, sent in chats.items():
            applied = processed.get(chat, [])
            async with store.chat(chat) as session:
                state = session.record.state if session.record else None
            interview = (state or {}).get("interview") or {}
            saves = ((state or {}).get("telegram") or {}).get("seq", 0)
            if saves > len(applied) or not set(applied) <= set(sent):
                run.duplicated += 1  # an update applied twice (or one never sent)
            elif saves < len(applied) or not set(sent) - refused[chat] <= set(applied):
                run.lost += 1  # an accepted update not applied, or a save overwritten
            elif interview.get("answers") != answers or interview.get("history") != history:
                run.wrong += 1  # in the wrong order, or to the wrong question
    finally:
        await store.close()


async def measure(s: Setup, patients: int, first_chat: int, think: float, retry: float,
                  max_seconds: float, expected: tuple[dict[str, Any], list[str]]) -> Run:
    run = Run(s.name, len(s.workers), patients, think)
    processes = {"harness (patients + fake Bot API)": os.getpid()}
    processes.update({w.name: w.process.pid for w in s.workers})
    log_marks = {w.name: w.log_size() for w in s.workers}
    http_errors, fake_errors = s.http_errors, len(s.fake.internal_errors)
    backends_before = {pid: cpu_seconds(pid) or 0.0 for pid in await s.backend_pids()}
    before = {name: cpu_seconds(pid) or 0.0 for name, pid in processes.items()}
    busy_before, total_before = machine_busy()
    rng = random.Random(first_chat)
    sent: dict[int, list[int]] = {first_chat + i: [] for i in range(patients)}
    refused: dict[int, set[int]] = {chat: set() for chat in sent}
    started = time.perf_counter()
    tasks = [asyncio.create_task(patient(s, run, chat, think, retry,
                                         random.Random(rng.random()), ids, refused[chat]))
             for chat, ids in sent.items()]
    done, pending = await asyncio.wait(tasks, timeout=max_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    run.timeouts += len(pending)
    run.not_idle = not await s.idle()
    run.wall = time.perf_counter() - started
    busy_after, total_after = machine_busy()
    for name, pid in processes.items():
        run.cpu[name] = (cpu_seconds(pid) or before[name]) - before[name]
    backends_after = {pid: cpu_seconds(pid) for pid in await s.backend_pids()}
    if s.admin is not None:
        run.cpu["postgres backends"] = sum(
            cpu - backends_before.get(pid, 0.0)
            for pid, cpu in backends_after.items() if cpu is not None)
    run.machine_busy = (busy_after - busy_before) / max(total_after - total_before, 1e-9) * CORES
    run.http_errors = s.http_errors - http_errors
    run.fake_errors = len(s.fake.internal_errors) - fake_errors
    for worker in s.workers:
        lines = [line for line in worker.log_lines(log_marks[worker.name])
                 if " WARNING " in line or " ERROR " in line or " CRITICAL " in line]
        run.log_problems += len(lines)
        run.log_sample += [f"{worker.name}: {line[:200]}" for line in lines[:3]]
    await verify(s, run, sent, refused, expected)
    # Forget what the fake queued for getUpdates (nobody polls): memory for the next run.
    async with s.http.post(f"{s.fake.url}/bot{TOKEN}/deleteWebhook",
                           json={"drop_pending_updates": True}):
        pass
    return run


# --------------------------------------------------------------------------- reporting


def report_line(r: Run) -> str:
    cpu = "  ".join(f"{name.split(' (')[0]} {seconds:.1f}s" for name, seconds in r.cpu.items())
    return (f"{r.setup:<8} {r.workers:>2} {r.patients:>5} {r.think:>5.1f} {r.posts:>6} "
            f"{r.wall:>7.1f} {r.rate:>7.1f} {r.quantile(0.5):>8.1f} {r.quantile(0.99):>8.1f} "
            f"{r.errors:>6} {r.log_problems:>4} {r.lost:>4} {r.duplicated:>4} {r.wrong:>5} "
            f"{r.reasked:>5}   {cpu}")


HEADER = (f"{'setup':<8} {'wk':>2} {'pat.':>5} {'think':>5} {'upd':>6} {'wall s':>7} "
          f"{'upd/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'logW':>4} {'lost':>4} "
          f"{'dup':>4} {'wrong':>5} {'reask':>5}   CPU seconds")


def limit(r: Run) -> str:
    """Where the limit of this run is, from the CPU figures."""
    ours = sum(r.cpu.values()) / r.wall
    shares = ", ".join(f"{name} {seconds / r.wall:.2f}" for name, seconds in r.cpu.items())
    busiest = max((name for name in r.cpu if name.startswith("worker")),
                  key=lambda name: r.cpu[name])
    worker_cores = r.cpu[busiest] / r.wall
    if r.machine_busy >= 0.9 * CORES:
        where = (f"the {CORES} cores are saturated ({r.machine_busy:.2f} busy, {ours:.2f} of "
                 f"them this benchmark's)")
        if r.machine_busy - ours > 0.2:
            where += f"; {r.machine_busy - ours:.2f} core(s) went to other processes"
    elif worker_cores >= 0.85:
        where = (f"one worker's event loop ({busiest} used {worker_cores:.2f} of its one core), "
                 f"with cores to spare ({r.machine_busy:.2f} of {CORES} busy)")
    else:
        where = (f"not the CPU ({r.machine_busy:.2f} of {CORES} cores busy): waiting on locks "
                 f"or I/O (SQLite's single writer, the pool, the patients' think time)")
    return f"    cores used: {shares} (sum {ours:.2f}); limit: {where}"


def report(runs: list[Run]) -> None:
    print(HEADER)
    for r in runs:
        print(report_line(r))
        print(limit(r))
        if r.completed != r.patients or r.errors or r.log_problems:
            print(f"    {r.completed} of {r.patients} patients finished; timeouts {r.timeouts}, "
                  f"off script {r.off_script}, refused {r.refused}, HTTP errors "
                  f"{r.http_errors}, worker log "
                  f"warnings {r.log_problems}, fake errors {r.fake_errors}, "
                  f"{'NOT idle at the end' if r.not_idle else 'idle at the end'}")
            for line in r.log_sample:
                print(f"      {line}")
    by = {(r.setup, r.patients, r.think): r for r in runs}
    for r in runs:
        other = by.get(("sqlite1", r.patients, r.think))
        if r.setup.startswith("pg") and other is not None:
            print(f"{r.patients} patients: {r.setup}/sqlite1 throughput {r.rate / other.rate:.2f}x"
                  f", p99 {r.quantile(0.99):.0f} vs {other.quantile(0.99):.0f} ms")
        one = by.get(("pg1", r.patients, r.think))
        if r.setup == "pg2" and one is not None:
            print(f"{r.patients} patients: the second PostgreSQL worker gives "
                  f"{r.rate / one.rate:.2f}x the throughput of one")


# --------------------------------------------------------------------------- main


async def run_setup(name: str, args: argparse.Namespace, fake: WebhookFake,
                    http: aiohttp.ClientSession, folder: Path,
                    expected: tuple[dict[str, Any], list[str]], chat: int) -> list[Run]:
    backend, count = SETUPS[name]
    admin = schema = None
    async with AsyncExitStack() as stack:
        if backend == "postgres":
            import asyncpg

            try:
                admin = await asyncpg.connect(args.postgres_url, timeout=3)
            except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                print(f"{name}: skipped, PostgreSQL not reachable at {args.postgres_url} "
                      f"({type(exc).__name__})", flush=True)
                return []
            stack.push_async_callback(admin.close)
            schema, database_url = await stack.enter_async_context(
                fresh_schema(admin, args.postgres_url, "bench"))
        else:
            database_url = f"sqlite:///{folder / f'{name}.sqlite3'}"
        workers = await stack.enter_async_context(serve_workers(
            count, folder=folder, http=http, database_url=database_url, token=TOKEN,
            secret=SECRET, api_base_url=f"{fake.url}/bot", start_seconds=START_SECONDS,
            label=name))
        s = Setup(name, backend, workers, database_url, http, fake, schema, admin)
        runs = []
        for patients in args.n:
            run = await measure(s, patients, chat, args.think, args.retry, args.max_seconds,
                                expected)
            chat += patients
            runs.append(run)
            print(report_line(run), flush=True)
        return runs


async def main(args: argparse.Namespace) -> None:
    # The answers and their order the script leaves in the store (the interview engine's);
    # the ICD-10 set loads here, before anything is timed.
    answers, history, _ = expected_outcome(steps(INTERVIEW))
    expected = (answers, history)
    print(f"{CORES} cores, shared by this harness, the workers and PostgreSQL; "
          f"{UPDATES_PER_PATIENT} updates per patient, retry {args.retry:.0%}, "
          f"think {args.think:g} s", flush=True)
    print(HEADER, flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench_load_") as folder:
        async with WebhookFake(token=TOKEN) as fake, aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CLIENT_CONNECTIONS),
            timeout=aiohttp.ClientTimeout(total=60),
        ) as http:
            chat = 20_000_000
            for name in args.setups:
                runs += await run_setup(name, args, fake, http, Path(folder), expected, chat)
                chat += sum(args.n)
    print()
    report(runs)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[50, 500, 2000],
                        help="patients at once, one run each (default: 50 500 2000)")
    parser.add_argument("--quick", action="store_true", help="10 patients only")
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=["pg2", "sqlite1"])
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a patient pauses before each answer (default 0)")
    parser.add_argument("--retry", type=float, default=0.05,
                        help="share of updates also POSTed to the other worker (default 0.05)")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="a run stops after this long (default 900)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", PG_URL))
    args = parser.parse_args()
    if args.quick:
        args.n = [10]
    return args


if __name__ == "__main__":
    asyncio.run(main(_arguments()))
