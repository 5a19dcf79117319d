"""Time to estimate a 20-session course, beside a baseline measured in the same run.

    python benchmarks/bench_estimate.py

The machine is shared and noisy, so the figures that matter are ratios to the baseline: parsing
and validating the same scenario JSON with pydantic (work every channel does anyway). Targets,
on one core once the ICD-10 set is loaded: a known 20-session estimate well under 1 ms, and one
with 10 unknowns (the range found jointly, `widened_by` ranked by minimax) under 2 ms.
"""

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from estimator import Scenario, estimate, icd10
from estimator.domains import unknowns

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fakes.scenarios import WORST  # noqa: E402

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
# Ten unknowns: the network, and in and out of network what is met, the price and the share.
TEN = {**KNOWN, "network": "unknown",
       "fees": {"billed_per_unit": "40.00"},
       "plan": {**KNOWN["plan"], "deductible_met": None, "oop_met": None, "visits_used": None,
                "coinsurance_pct": None, "deductible_applies": None,
                "oon_deductible": "2000.00", "oon_deductible_met": None,
                "oon_coinsurance_pct": None, "oon_oop_max": "8000.00", "oon_oop_met": "0"}}

# With dates (issue 14): twice a week from a day, the plan year starting January 1.
DATED = {**KNOWN, "sessions_per_week": 2, "start_date": "2026-09-07"}  # all in 2026
CROSSING = {**KNOWN, "sessions_per_week": 2, "start_date": "2026-12-07"}  # 8 in 2026, 12 in 2027
TEN_CROSSING = {**TEN, "sessions_per_week": 2, "start_date": "2026-12-07"}
YEAR_UNKNOWN = {**CROSSING, "plan": {**KNOWN["plan"], "year_start": None}}


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
    ten = Scenario.model_validate(TEN)
    worst = Scenario.model_validate(WORST)
    # PIP and the plan behind it both open: every candidate is walked.
    assert {r.route for r in estimate(worst).routes if r.available} >= {"auto_pip_then_insurance"}
    assert len(unknowns(ten)) == 10 and estimate(ten).range is not None
    estimate(known)
    dated, crossing = Scenario.model_validate(DATED), Scenario.model_validate(CROSSING)
    ten_crossing = Scenario.model_validate(TEN_CROSSING)
    year_unknown = Scenario.model_validate(YEAR_UNKNOWN)
    assert len(estimate(crossing).totals.by_plan_year) == 2
    rows = [
        ("baseline: parse + validate scenario JSON", lambda: Scenario.model_validate_json(text)),
        ("estimate, 20 sessions, all answers known", lambda: estimate(known)),
        ("estimate, 20 sessions, 3 unknowns (range)", lambda: estimate(unknown)),
        ("estimate, 20 sessions, 10 unknowns (range)", lambda: estimate(ten)),
        ("dated, 20 sessions, all known, no reset", lambda: estimate(dated)),
        ("dated, 20 sessions, all known, crossing Jan 1", lambda: estimate(crossing)),
        ("dated, 10 unknowns, crossing Jan 1", lambda: estimate(ten_crossing)),
        ("dated, plan-year start unknown (range)", lambda: estimate(year_unknown)),
    ]
    slow = [("worst input: 365 sessions, PIP then a plan, 19 unknowns", lambda: estimate(worst))]
    base = None
    print(f"{'case':46} {'median µs':>10} {'best µs':>9} {'× baseline':>11}")
    for name, fn in rows:
        median, best = per_call_us(fn)
        base = base or median
        print(f"{name:46} {median:10.1f} {best:9.1f} {median / base:11.1f}")
    for name, fn in slow:
        median, best = per_call_us(fn, repeat=5, number=3)
        print(f"{name:46} {median:10.1f} {best:9.1f} {median / base:11.1f}")
    print("targets: known 20 sessions well under 1 ms; 10 unknowns (range, widened_by) under 2 ms"
          " (dated or not)")


if __name__ == "__main__":
    main()
