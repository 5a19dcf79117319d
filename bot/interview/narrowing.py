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
from .questions import Question, open_questions

# Answers that decide whether the plan pays at all: not amounts, so no range names them.
VERDICT = frozenset({"plan_type", "preauth", "covers_mt", "participating", "wc_claim",
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


def _useful(question: Question, open_unknowns: set[str], insured: bool) -> bool:
    if question.id in WAYS_TO_PAY:
        return True
    return insured and (question.id in VERDICT or bool(open_unknowns & set(question.settles)))


def questions_left(facts: Facts, scenario: Scenario, result: Estimate) -> list[Question]:
    """The questions still worth asking, the one to ask next first."""
    open_unknowns = set(unknowns(scenario))
    # Some insurer may still pay (else its terms cannot change what the patient pays).
    insured = any(r.available and r.route != "self_pay" for r in result.routes)
    candidates = [q for q in open_questions(facts)
                  if not q.first(facts) and _useful(q, open_unknowns, insured)]
    ranked = list(result.range.widened_by) if result.range else []
    # Then what the estimator would have the patient ask the insurer (it ranks the unknowns of
    # a way to pay that may cost less than the one recommended), then every other unknown.
    topics = [s.params["topic"] for s in result.next_steps if s.code == "ask_insurer"]
    ranked += [t for t in topics if t in open_unknowns] + unknowns(scenario) + topics

    def rank(question: Question) -> int:
        return min((ranked.index(name) for name in question.settles if name in ranked),
                   default=len(ranked))

    # sorted() is stable: questions that settle no ranked unknown keep the catalog's order.
    return sorted(candidates, key=rank)
