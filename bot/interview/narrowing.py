"""Narrowing the first estimate down: which question to ask next, and about how many are left.

After the first estimate every question not yet asked counts as unknown. The next question is the
one that settles the unknown the estimator ranks first in `range.widened_by` (the answer that
leaves the narrowest range whatever it turns out to be); then the topics of its "ask your
insurer" steps; then the others the estimate still depends on (`estimator.domains.unknowns`);
then the questions that change whether the plan pays (pre-authorization, the therapist's
license, the plan type) or how the patient can pay (the clinic's prices, an HSA or FSA). A
question that cannot change anything the patient is told is never asked: once no insurer can
pay, its terms are not asked about.
"""

from estimator import Estimate, Scenario
from estimator.domains import unknowns

from .facts import Facts
from .questions import BY_ID, Question, open_questions

# Answers that decide whether the plan pays at all: not amounts, so no range names them.
VERDICT = frozenset({"plan_type", "preauth", "covers_mt", "participating", "wc_claim",
                     # whether the plan pays the sessions after the approved visits
                     "preauth_visits",
                     # whether the prescription still covers each session (dates.py)
                     "rx_date", "rx_weeks"})
# Answers about the ways to pay, whatever the plan does (a prescription lets an HSA pay).
WAYS_TO_PAY = frozenset({"sessions", "minutes", "price", "cash", "prescription", "account",
                         "account_balance", "lmn", "tax_rate",
                         # the dates, asked only when they can change the answer (dates.py)
                         "start", "plan_year", "fsa_rollover"})


def exact(result: Estimate) -> bool:
    """No unknown changes what any way to pay costs."""
    return result.range is None and all(r.low is None for r in result.routes)


# The self-pay route is closed because the provider must bill the plan (Medicare's covered
# services, SSA 1848(g)(4); Medicaid's enrolled providers, 42 CFR 447.15): `estimator.routes`.
MUST_BILL = frozenset({"must_bill_medicare", "must_bill_medicaid"})


def _cash_matters(result: Estimate) -> bool:
    """The clinic's cash price can change what the patient pays: paying it is allowed."""
    return not any(r.route == "self_pay" and not r.available and r.reason in MUST_BILL
                   for r in result.routes)


def _useful(question: Question, open_unknowns: set[str], insured: bool,
            cash: bool = True) -> bool:
    if question.id == "cash" and not cash:
        return False
    if question.id in WAYS_TO_PAY:
        return True
    return insured and (question.id in VERDICT or bool(open_unknowns & set(question.settles)))


def questions_left(facts: Facts, scenario: Scenario, result: Estimate) -> list[Question]:
    """The questions still worth asking, the one to ask next first."""
    open_unknowns = set(unknowns(scenario))
    # Some insurer may still pay (else its terms cannot change what the patient pays), now or
    # once the paperwork is in order (its terms then change what the estimate says it is worth).
    insured = (any(r.available and r.route != "self_pay" for r in result.routes)
               or result.once_fixed is not None)
    cash = _cash_matters(result)
    candidates = [q for q in open_questions(facts)
                  if not q.first(facts) and _useful(q, open_unknowns, insured, cash)]
    ranked = list(result.range.widened_by) if result.range else []
    # Then what the estimator would have the patient ask the insurer (it ranks the unknowns of
    # a way to pay that may cost less than the one recommended), then every other unknown.
    topics = [s.params["topic"] for s in result.next_steps if s.code == "ask_insurer"]
    ranked += [t for t in topics if t in open_unknowns] + unknowns(scenario) + topics

    def own_rank(question: Question) -> int:
        return min((ranked.index(name) for name in question.settles if name in ranked),
                   default=len(ranked))

    # A limit comes before what is paid or used of it ("How much is the deductible?" before
    # "How much of it have you paid?"): the pair takes the better rank of the two, and the
    # catalog's order (the limit first) within it.
    ids = {q.id for q in candidates}
    pair_rank = {q.high_from: own_rank(q) for q in candidates if q.high_from in ids}

    def rank(question: Question) -> int:
        limit = question.high_from if question.high_from in ids else question.id
        return min(own_rank(question), pair_rank.get(limit, len(ranked)),
                   own_rank(BY_ID[limit]))

    # sorted() is stable: questions that settle no ranked unknown keep the catalog's order.
    return sorted(candidates, key=rank)
