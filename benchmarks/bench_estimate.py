"""Time to estimate a 20-session course, beside a baseline measured in the same run.

    python benchmarks/bench_estimate.py

The machine is shared and noisy, so the figures that matter are ratios to the baseline: parsing
and validating the same scenario JSON with pydantic (work every channel does anyway). Target:
under 200 µs per estimate on one core once the ICD-10 set is loaded.
"""

import json
import statistics
import time
from collections.abc import Callable

from estimator import Scenario, estimate, icd10

KNOWN = {
    "payer": "commercial", "network": "in", "prescription": True, "diagnosis_codes": ["M54.50"],
    "preauth": "not_required", "sessions": 20, "session_minutes": 60,
    "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "30.00", "cash_per_session": "90.00"},
    "plan": {"deductible": "1000.00", "deductible_met": "200.00", "coinsurance_pct": "20",
             "oop_max": "5000.00", "oop_met": "200.00", "visit_limit": 20, "visits_used": 4},
    "hsa_fsa": "hsa", "tax_rate_pct": "22",
}
# The same course with the answers patients most often do not know.
UNKNOWN = {**KNOWN, "network": "unknown",
           "plan": {**KNOWN["plan"], "deductible_met": None, "visits_used": None}}


def per_call_us(fn: Callable[[], object], repeat=7, number=300) -> tuple[float, float]:
    """Median and best of `repeat` runs of `number` calls, in microseconds per call."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(runs), min(runs)


def main() -> None:
    icd10.load()  # the one-off cost of the code set is not part of an estimate
    text = json.dumps(KNOWN)
    known, unknown = Scenario.model_validate(KNOWN), Scenario.model_validate(UNKNOWN)
    estimate(known)
    rows = [
        ("baseline: parse + validate scenario JSON", lambda: Scenario.model_validate_json(text)),
        ("estimate, 20 sessions, all answers known", lambda: estimate(known)),
        ("estimate, 20 sessions, 3 unknowns (range)", lambda: estimate(unknown)),
    ]
    base = None
    print(f"{'case':46} {'median µs':>10} {'best µs':>9} {'× baseline':>11}")
    for name, fn in rows:
        median, best = per_call_us(fn)
        base = base or median
        print(f"{name:46} {median:10.1f} {best:9.1f} {median / base:11.1f}")
    print("target: a known 20-session estimate under 200 µs on one core")


if __name__ == "__main__":
    main()
