"""Scenarios the tests and benchmarks share."""

# The most work an allowed scenario asks for: the longest course, the PIP benefit unknown (every
# session is a place where it may run out) and a plan behind it with every amount unknown.
_UNKNOWN_PLAN = ("deductible", "deductible_met", "copay", "coinsurance_pct", "oop_max", "oop_met",
                 "visit_limit", "visits_used", "deductible_applies", "oon_covered",
                 "oon_deductible", "oon_deductible_met", "oon_coinsurance_pct", "oon_oop_max",
                 "oon_oop_met")
WORST = {"payer": "auto", "state": "NY", "sessions": 365, "session_minutes": 240,
         "prescription": True, "diagnosis_codes": ["S13.4XXA"],
         "fallback_payer": "commercial", "network": None,
         "fees": {"billed_per_unit": "40.00", "cash_per_session": "90.00"},
         "plan": dict.fromkeys(_UNKNOWN_PLAN),
         "auto": {"pip_remaining": None, "pip_deductible": "250", "pip_copay_pct": "20",
                  "pip_copay_limit": "5000"}}
