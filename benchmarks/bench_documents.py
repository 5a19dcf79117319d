"""Time to make each document, beside the estimate it is made from, in the same run.

    python benchmarks/bench_documents.py

The baseline is the estimate itself (the 20-session course with all answers known, as in
bench_estimate.py): every document starts from one, so "× estimate" says what a document adds
to the answer a patient already waited for. The first document of a process also parses the
embedded font (ReportLab keeps it); that cost is printed apart, then each document is timed
after that warm-up. Target (issue 13): under 50 ms per PDF after warm-up.
"""

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.clinics import load_clinics
from bot.documents import Patient, make_gfe, make_gfe_fhir, make_lmn, make_summary
from estimator import Scenario, estimate, icd10

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_estimate import KNOWN  # noqa: E402

# The HSA patient without a prescription: the letter applies (and the GFE, for its cash part).
SCENARIO = {**KNOWN, "prescription": False}
TARGET_MS = 50.0


def per_call_ms(fn: Callable[[], object], repeat: int = 5, number: int = 10) -> float:
    """The median of `repeat` runs of `number` calls, in milliseconds per call."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e3)
    return statistics.median(runs)


def main() -> None:
    icd10.load()  # the code set's one-off load is not part of an estimate
    clinic = load_clinics().get("demo-clinic")
    scenario = Scenario.model_validate(SCENARIO)
    result = estimate(scenario)
    patient = Patient("Мария Лопес", date(1984, 11, 23))
    today = date(2026, 3, 2)
    started = time.perf_counter()
    first = make_summary(scenario, result, clinic, "ru", today=today)
    warm_up = (time.perf_counter() - started) * 1e3
    rows: list[tuple[str, Callable[[], bytes | object]]] = [
        ("baseline: the estimate (20 sessions, known)", lambda: estimate(scenario)),
        ("Good Faith Estimate, PDF", lambda: make_gfe(scenario, result, clinic, patient, "ru",
                                                      today=today)),
        ("Good Faith Estimate, FHIR JSON", lambda: make_gfe_fhir(scenario, result, clinic,
                                                                 patient, "ru", today=today)),
        ("letter of medical necessity, PDF", lambda: make_lmn(scenario, result, clinic, "ru",
                                                              today=today)),
        ("estimate summary, PDF (20 sessions)", lambda: make_summary(scenario, result, clinic,
                                                                     "ru", today=today)),
    ]
    print(f"first document of the process (font parsed): {warm_up:.1f} ms, "
          f"{len(first) / 1024:.0f} kB")
    print(f"{'case':46} {'median ms':>10} {'× estimate':>11} {'kB':>6}")
    base = None
    missed = []
    for name, fn in rows:
        median = per_call_ms(fn)
        base = base or median
        size = fn()
        kb = f"{len(size) / 1024:6.0f}" if isinstance(size, bytes) else ""
        print(f"{name:46} {median:10.2f} {median / base:11.1f} {kb}")
        if "PDF" in name and median > TARGET_MS:
            missed.append(name)
    print(f"target: every PDF under {TARGET_MS:.0f} ms after warm-up"
          + (f"; missed: {', '.join(missed)}" if missed else "; met"))


if __name__ == "__main__":
    main()
