"""Scenario files from staff, checked in a child process with CPU-time and memory limits.

    checked = await check_file(text, "cases.yaml")
    checked.results      # one estimator.cases.Result per case, when the file could be run
    checked.problem      # else why the file cannot be read (CaseFileError's message), or
    checked.over         # "time" or "memory": the check went over LIMITS and was stopped

A file a member of staff sends is untrusted input. `estimator.cases` bounds what it reads
(size, cases, values once aliases are expanded, nesting) and what it reports, but a file
within those bounds can still ask for MAX_CASES of the heaviest estimates, and whatever a
check costs must not be paid by the worker that answers everyone else: Python code run in a
thread still holds the GIL (a 474-byte file once froze the event loop for 36 s). So the
worker never runs a file itself. `check_file` starts `python -m bot.staff_files`, which
limits itself (RLIMIT_CPU, RLIMIT_AS) before it imports the estimator, reads the file from
standard input and writes the results to standard output as JSON; the worker's event loop
only waits for it, at most LIMITS.wall_seconds, and kills it then. At most
LIMITS.concurrent checks run at once per worker; further ones wait their turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import signal
import sys
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from estimator.cases import Result

__all__ = ["LIMITS", "FileCheck", "Limits", "check_file"]

log = logging.getLogger(__name__)

EXIT_MEMORY = 3  # the child ran out of its address space (MemoryError)


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 15  # the child's CPU time, loading the ICD-10 code set (~2 s) included
    memory_bytes: int = 512 * 1024 * 1024  # the child's address space (RLIMIT_AS)
    wall_seconds: float = 30.0  # killed after this long whatever it did
    concurrent: int = 2  # checks running at once per worker process


LIMITS = Limits()


@dataclass(frozen=True)
class FileCheck:
    results: list[Result] = field(default_factory=list)
    problem: str | None = None
    over: Literal["time", "memory"] | None = None
    failed: bool = False  # the child failed otherwise (a bug: logged by type)


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slot(limits: Limits) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(limits.concurrent)
    return _slots[loop]


async def check_file(text: str, name: str, limits: Limits | None = None) -> FileCheck:
    """Run the scenario file `text` (named `name` in messages) in a child process bounded by
    `limits` (LIMITS when not given); see the module's docstring."""
    limits = limits or LIMITS
    async with _slot(limits):
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.staff_files",
                str(limits.cpu_seconds), str(limits.memory_bytes),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:  # no process to be had (EAGAIN, ENOMEM): never run it here
            log.warning("a scenario file check could not start: %s", type(error).__name__)
            return FileCheck(failed=True)
        request = json.dumps({"name": name, "text": text}).encode()
        try:
            async with asyncio.timeout(limits.wall_seconds):
                out, err = await child.communicate(request)
        except TimeoutError:
            return FileCheck(over="time")
        finally:
            if child.returncode is None:  # timed out or cancelled: never left running
                child.kill()
                await child.wait()
    return _outcome(child.returncode, out, err)


def _outcome(code: int | None, out: bytes, err: bytes) -> FileCheck:
    from estimator.cases import Result

    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return FileCheck(over="time")
    if code == EXIT_MEMORY or (code == -signal.SIGABRT and _fatal_memory_error(err)):
        return FileCheck(over="memory")
    if code == 0:
        try:
            answer = json.loads(out)
            if "problem" in answer:
                return FileCheck(problem=str(answer["problem"]))
            return FileCheck(results=[Result(r["name"], r["passed"], r["differences"])
                                      for r in answer["results"]])
        except (ValueError, KeyError, TypeError):
            pass
    # The child's last line names the error type (it never prints the file's content).
    last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["nothing"]
    log.warning("a scenario file check failed: exit %s, %s", code, last[0][:200])
    return FileCheck(failed=True)


def _fatal_memory_error(err: bytes) -> bool:
    """The interpreter itself gave up at the memory limit: raising the MemoryError took memory
    too ("Fatal Python error: _PyErr_NormalizeException: Cannot recover from MemoryErrors"), so
    it aborted before the child could say so."""
    return b"Fatal Python error" in err and (b"MemoryError" in err or b"memory" in err.lower())


# --- the child ------------------------------------------------------------------------------


def _limit(which: int, soft: int, hard: int) -> None:
    """Lower the child's own limit (never above what it already has)."""
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _run(request: dict[str, Any]) -> dict[str, Any]:
    from estimator.cases import CaseFileError, load_cases, run_case

    try:
        cases = load_cases(request["text"], request["name"])
    except CaseFileError as error:
        return {"problem": str(error)}
    results = [run_case(case) for case in cases]
    return {"results": [{"name": r.name, "passed": r.passed, "differences": r.differences}
                        for r in results]}


def main(argv: list[str]) -> int:
    """`python -m bot.staff_files CPU_SECONDS MEMORY_BYTES` < {"name", "text"} as JSON."""
    cpu_seconds, memory_bytes = int(argv[0]), int(argv[1])
    # Before anything else is imported: the limits hold for all the child does.
    # At the soft CPU limit the kernel sends SIGXCPU, which ends the process; SIGKILL a second
    # later, at the hard one. Past the address space, allocations fail: MemoryError.
    _limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    _limit(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    try:
        answer = _run(json.loads(sys.stdin.buffer.read()))
        sys.stdout.write(json.dumps(answer))
        sys.stdout.flush()
    except MemoryError:
        os._exit(EXIT_MEMORY)  # nothing more is allocated, not even a traceback
    except Exception as error:
        # A failed allocation inside a C extension may surface as another error (SystemError).
        if _out_of_memory(memory_bytes):
            os._exit(EXIT_MEMORY)
        print(f"{type(error).__name__}", file=sys.stderr)  # a bug: its type (never the file)
        return 1
    return 0


def _out_of_memory(limit: int) -> bool:
    """Whether this process is at its address-space limit: its peak within a fifth of it, or
    not even 16 MB more to be had."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status
                        if line.startswith("VmPeak:"))
        if peak >= limit * 0.8:
            return True
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    try:
        bytearray(16 * 2**20)
    except MemoryError:
        return True
    return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
