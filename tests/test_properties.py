"""Invariants of the cost walk over random scenarios (hypothesis)."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from estimator import Scenario, estimate
from estimator.calendar import fsa_grace_end
from estimator.money import share

money = st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False, allow_infinity=False)
unit_money = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False,
                         allow_infinity=False)
pct = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def scenarios(draw):
    billed = draw(st.decimals(min_value=1, max_value=200, places=2))
    limit = draw(st.one_of(st.just("none"), st.integers(0, 40)))
    used = draw(maybe(st.integers(0, limit if isinstance(limit, int) else 40)))
    sessions = draw(st.integers(1, 40))
    minutes = draw(st.integers(8, 240))
    units = (minutes + 7) // 15
    data = {
        "payer": draw(st.sampled_from(["commercial", "medicare", "medicare_advantage",
                                       "medicaid", "workers_comp", "auto", "self_pay"])),
        "plan_type": draw(st.sampled_from(["ppo", "hmo", "epo", "pos", "hdhp"])),
        "network": draw(st.sampled_from(["in", "out", "unknown", None])),
        "purpose": draw(st.sampled_from(["medical", "medical", "relaxation"])),
        "prescription": draw(st.sampled_from([True, True, False, None])),
        "diagnosis_codes": draw(st.sampled_from([["M54.50"], ["M54.5"], [], None])),
        "preauth": draw(st.sampled_from(["obtained", "required", "not_required", "unknown"])),
        "provider_type": draw(st.sampled_from(["massage_therapist", "physical_therapist",
                                               "chiropractor"])),
        "state": draw(st.sampled_from([None, "WA", "FL", "NY"])),
        "sessions": sessions,
        "session_minutes": minutes,
        "fees": {
            "billed_per_unit": str(billed),
            "allowed_per_unit": draw(maybe(unit_money.map(str))),
            "oon_allowed_per_unit": draw(maybe(unit_money.map(str))),
            # Clinics' cash rates are discounts: at most the session's billed charge.
            "cash_per_session": draw(maybe(st.decimals(min_value=0, max_value=billed * units,
                                                       places=2).map(str))),
        },
        "plan": {
            "deductible": draw(maybe(money)), "deductible_met": draw(maybe(money)),
            "deductible_applies": draw(maybe(st.booleans())), "copay": draw(maybe(money)),
            "coinsurance_pct": draw(maybe(pct)),
            "oop_max": draw(st.one_of(st.just("none"), money, st.none())),
            "oop_met": draw(maybe(money)), "visit_limit": limit, "visits_used": used,
            "covers_massage_therapists": draw(maybe(st.booleans())),
            "oon_deductible": draw(maybe(money)), "oon_coinsurance_pct": draw(maybe(pct)),
            "oon_oop_max": draw(st.one_of(st.just("none"), money, st.none())),
        },
        "workers_comp": {"claim_accepted": draw(maybe(st.booleans()))},
        "auto": {"pip_remaining": draw(maybe(money)), "pip_pays_pct": str(draw(pct))},
        "hsa_fsa": draw(st.sampled_from(["none", "hsa", "fsa", "hra"])),
        "lmn": draw(st.booleans()),
        "tax_rate_pct": draw(maybe(pct)),
    }
    plan = data["plan"]
    # A patient cannot have paid more than the limit they gave (the scenario rejects it).
    for used, limit in (("deductible_met", "deductible"), ("oop_met", "oop_max")):
        if plan.get(used) is not None and plan[limit] not in (None, "none"):
            plan[used] = min(plan[used], plan[limit])
    return Scenario.model_validate(data)


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_patient_total_between_zero_and_the_billed_charges(s):
    result = estimate(s)
    billed = sum((row.billed for row in result.sessions), Decimal(0))
    assert 0 <= result.totals.patient <= billed
    for row in result.sessions:
        assert 0 <= row.patient <= row.billed
        assert row.insurer >= 0
        assert row.patient + row.insurer <= row.billed
    for route in result.routes:
        assert 0 <= route.patient_total <= billed
    if result.range is not None:
        assert 0 <= result.range.low <= result.range.high == result.totals.patient


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_in_network_cost_sharing_never_exceeds_the_oop_room(s):
    plan = s.plan
    known = (s.payer == "commercial" and s.network == "in" and isinstance(plan.oop_max, Decimal)
             and plan.oop_met is not None and "oop_met" in plan.model_fields_set)
    if not known:
        return
    result = estimate(s)
    rows = [r for r in result.sessions if r.paid_by == "health_plan"]
    sharing = sum((r.deductible + r.copay + r.coinsurance for r in rows), Decimal(0))
    assert sharing <= max(Decimal(0), plan.oop_max - plan.oop_met)


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_the_sessions_add_up_to_the_recommended_plan(s):
    result = estimate(s)
    assert sum((r.patient for r in result.sessions), Decimal(0)) == result.recommended.patient_total
    assert sum(result.recommended.sessions_by_payer.values()) == s.sessions
    assert result.best_route == result.recommended.route
    for route in result.routes:
        assert route.available == (route.reason is None)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_best_route_is_the_cheapest_available(s):
    result = estimate(s)
    available = [r for r in result.routes if r.available]
    best = next(r for r in result.routes if r.route == result.recommended.route)
    assert best.available
    assert best.patient_total == min(r.patient_total for r in available)


def _walk_one_by_one(t, n):
    """The plan's walk written the plain way, session by session (the reference for the walk's
    shortcuts over repeated sessions)."""
    from estimator.domains import share_cents

    deductible_left, oop_left, out = t.deductible_left, t.oop_left, []
    for _ in range(n):
        room = t.allowed if oop_left is None else min(t.allowed, oop_left)
        deductible = room if deductible_left is None else min(deductible_left, room)
        room -= deductible
        copay = min(t.copay, t.allowed - deductible, room)
        coinsurance = min(share_cents(t.pct_bp, t.allowed - deductible - copay), room - copay)
        sharing = deductible + copay + coinsurance
        out.append((deductible, copay, coinsurance, t.balance, t.allowed - sharing,
                    t.deductible_counts_visit or deductible < t.allowed))
        deductible_left = None if deductible_left is None else deductible_left - deductible
        oop_left = None if oop_left is None else oop_left - sharing
    return out


@settings(max_examples=500, deadline=None)
@given(billed=st.integers(0, 30000), allowed_share=st.integers(0, 100),
       deductible=st.one_of(st.none(), st.integers(0, 200000)), copay=st.integers(0, 20000),
       pct=st.integers(0, 10000), oop=st.one_of(st.none(), st.integers(0, 300000)),
       counts=st.booleans(), n=st.integers(1, 60))
def test_the_walk_equals_the_session_by_session_walk(billed, allowed_share, deductible, copay,
                                                     pct, oop, counts, n):
    from estimator.domains import PlanTerms
    from estimator.walk import plan_sessions

    allowed = billed * allowed_share // 100
    t = PlanTerms(billed=billed, allowed=allowed, balance=billed - allowed,
                  deductible_left=deductible, copay=copay, pct_bp=pct, oop_left=oop,
                  deductible_counts_visit=counts)
    fast = [(s.deductible, s.copay, s.coinsurance, s.balance, s.payer, s.uses_visit)
            for s in plan_sessions(t, n)]
    assert fast == _walk_one_by_one(t, n)


@settings(max_examples=300, deadline=None)
@given(billed=st.integers(0, 30000), allowed_share=st.integers(0, 100),
       deductible=st.one_of(st.none(), st.integers(0, 200000)), copay=st.integers(0, 20000),
       pct=st.integers(0, 10000), oop=st.one_of(st.none(), st.integers(0, 300000)),
       counts=st.booleans(), n=st.integers(1, 60), longest=st.integers(0, 60))
def test_a_walk_shared_by_a_longer_stretch_gives_the_same_sums(billed, allowed_share, deductible,
                                                               copay, pct, oop, counts, n,
                                                               longest):
    """A plan year's stretches share walks made over the longest one (estimator.dated): a
    shorter stretch's walk, running cost and visits used are those of its own walk."""
    from itertools import accumulate

    from estimator.chains import Walks
    from estimator.domains import PlanTerms

    allowed = billed * allowed_share // 100
    t = PlanTerms(billed=billed, allowed=allowed, balance=billed - allowed,
                  deductible_left=deductible, copay=copay, pct_bp=pct, oop_left=oop,
                  deductible_counts_visit=counts)
    scenario = Scenario.model_validate({"payer": "self_pay", "sessions": n,
                                        "fees": {"billed_per_unit": "10.00"}})
    shared: dict = {}
    Walks(scenario.model_copy(update={"sessions": max(n, longest)}), shared).plan(t)
    walk = Walks(scenario, shared, max(n, longest)).plan(t)
    own = _walk_one_by_one(t, n)
    assert [tuple(s) for s in walk.shares] == own
    assert walk.prefix == [0, *accumulate(s[0] + s[1] + s[2] + s[3] for s in own)]
    assert walk.visits_before == [0, *accumulate(int(s[5]) for s in own)][:-1]


@settings(max_examples=150, deadline=None)
@given(s=scenarios(), start=st.dates(date(2026, 9, 1), date(2027, 2, 28)),
       per_week=st.integers(1, 3),
       rule=st.sampled_from(["grace_period", "carryover", "none", None]), balance=maybe(money))
def test_an_fsa_pays_only_up_to_its_deadline_plus_the_carryover(s, start, per_week, rule,
                                                                 balance):
    """Whatever the course, a dated FSA pays at most the sessions up to its deadline (and what
    a carryover, at most 680.00, pays of the later ones), and never more than what is left."""
    s = s.model_copy(update={"hsa_fsa": "fsa", "fsa_rollover": rule, "account_balance": balance,
                             "start_date": start, "sessions_per_week": per_week})
    result = estimate(s)
    a = result.accounts
    assert a is not None and a.amount <= result.recommended.patient_total
    assert a.amount <= (Decimal("3400.00") if balance is None else min(balance, Decimal(3400)))
    y = a.fsa_year
    if y is None:
        return
    ends = date(start.year, 12, 31)
    deadline = fsa_grace_end(ends) if rule == "grace_period" else ends
    assert y.deadline == deadline
    before = [r for r in result.sessions if r.date <= deadline]
    assert (y.sessions, y.total) == (len(before), sum((r.patient for r in before), Decimal(0)))
    assert y.later_sessions == len(result.sessions) - len(before) > 0
    assert y.carryover <= (Decimal("680.00") if rule == "carryover" else 0)
    assert y.carryover <= y.later_total
    assert a.amount <= y.total + y.carryover


@settings(max_examples=150, deadline=None)
@given(s=scenarios(), balance=maybe(money))
def test_an_hsa_saves_tax_only_on_new_money(s, balance):
    """On an HDHP the tax saved is the rate of what the balance does not cover (the balance was
    saved on when it went in), up to a year's 4400.00 of contributions."""
    s = s.model_copy(update={"hsa_fsa": "hsa", "account_balance": balance})
    a = estimate(s).accounts
    assert a is not None
    if a.tax_savings is None:
        return
    new = a.amount if balance is None else a.amount - balance
    assert 0 < a.tax_savings == share(s.tax_rate_pct, min(new, Decimal("4400.00")))
