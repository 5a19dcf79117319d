"""What to ask on the insurer's member line: the unknowns that widen the estimate, as exact
questions with the service code, the diagnosis code and the clinic filled in where known.

The estimator's `ask_insurer` next steps name the topics (the unknowns ranked by how much their
answer narrows the range, then the coverage questions); several topics are one question on the
phone ("what is my deductible and how much is met?"), so they are grouped here, in the order of
the first topic of each group.
"""

from bot.i18n import N_, Translator
from estimator import Estimate, Scenario
from estimator.domains import unknowns

# (topics, question): the question's placeholders are %(cpt)s, %(code)s and %(clinic)s.
QUESTIONS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"provider_coverage"}),
     N_("Does my plan cover massage, CPT %(cpt)s, given by a licensed massage therapist?")),
    (frozenset({"network"}), N_("Is %(clinic)s in my plan's network?")),
    (frozenset({"oon_benefits", "oon_covered"}),
     N_("Does my plan pay anything for out-of-network care?")),
    (frozenset({"preauth"}),
     N_("Do I need pre-authorization for CPT %(cpt)s with diagnosis %(code)s?")),
    (frozenset({"deductible", "deductible_met", "deductible_applies"}),
     N_("What is my deductible, how much of it have I met this year, and does it apply to these "
        "visits?")),
    (frozenset({"copay", "coinsurance_pct"}),
     N_("After the deductible, what do I pay per visit for CPT %(cpt)s: a copay or coinsurance, "
        "and how much?")),
    (frozenset({"oop_max", "oop_met"}),
     N_("What is my out-of-pocket maximum, and how much of it have I met this year?")),
    (frozenset({"visit_limit", "visits_used"}),
     N_("How many massage or therapy visits a year does my plan allow, and how many have I "
        "used?")),
    (frozenset({"allowed_per_unit"}),
     N_("What is the plan's allowed amount for CPT %(cpt)s, per 15-minute unit?")),
    (frozenset({"oon_allowed_per_unit", "oon_deductible", "oon_deductible_met",
                "oon_coinsurance_pct", "oon_oop_max", "oon_oop_met"}),
     N_("Out of network, what are my deductible (and how much is met), my coinsurance, my "
        "out-of-pocket maximum, and the allowed amount for CPT %(cpt)s?")),
)
# The question when only the part already used of a known amount is open (the deductible is
# known, how much of it is met is not; original Medicare's is set by law).
ONLY_WHAT_IS_USED: dict[frozenset[str], str] = {
    frozenset({"deductible_met"}): N_("How much of my deductible have I met this year?"),
    frozenset({"oop_met"}): N_("How much of my out-of-pocket maximum have I met this year?"),
    frozenset({"visits_used"}): N_("How many massage or therapy visits have I used this year?"),
}
INTRO = N_("When you call your insurer (the member services number is on your insurance card), "
           "ask:")
# Original Medicare's card has no phone number, and it is not "your insurer".
INTRO_MEDICARE = N_("When you call Medicare, ask:")
THE_CLINIC = N_("the clinic")
# The pre-authorization question when no diagnosis code is known yet: from the prescription
# when there is one, else without a diagnosis (there is none to name yet).
PREAUTH_WITHOUT_CODE = N_("Do I need pre-authorization for CPT %(cpt)s with the diagnosis on my "
                          "prescription?")
PREAUTH_WITHOUT_PRESCRIPTION = N_("Do I need pre-authorization for CPT %(cpt)s?")


def topics(e: Estimate, s: Scenario) -> list[str]:
    """The insurer topics of the next steps, in their order, then the other unknowns that widen
    the range, then every other unknown answer the plan's walk uses: the next steps name only
    the first few, and some narrow the range only together (the deductible and how much is met),
    while one call can settle them all. The plan's other unknowns only when some allowed way to
    pay goes through the plan (not for a plan that will not pay, or one nobody asked about)."""
    asked = [str(st.params.get("topic")) for st in e.next_steps if st.code == "ask_insurer"]
    through_plan = any("insurance" in r.route and r.available for r in e.routes)
    rest = [*(e.range.widened_by if e.range else []), *(unknowns(s) if through_plan else [])]
    return asked + [w for i, w in enumerate(rest) if w not in asked and w not in rest[:i]]


def questions(e: Estimate, s: Scenario, t: Translator, clinic: str | None = None) -> list[str]:
    """The call's questions, worded, one per group of topics."""
    asked = topics(e, s)
    ranked = sorted((min(asked.index(x) for x in group if x in asked),
                     ONLY_WHAT_IS_USED.get(group & set(asked), message))
                    for group, message in QUESTIONS if group & set(asked))
    code = s.diagnosis_codes[0] if s.diagnosis_codes else None
    params = {"cpt": s.cpt_code, "code": code, "clinic": clinic or t.gettext(THE_CLINIC)}
    without_code = PREAUTH_WITHOUT_CODE if s.prescription else PREAUTH_WITHOUT_PRESCRIPTION
    return [t.gettext(without_code if "%(code)s" in message and code is None
                      else message, **params) for _, message in ranked]


def call_script(e: Estimate, s: Scenario, t: Translator, clinic: str | None = None) -> str:
    """The numbered list to read out on the phone ("" when there is nothing to ask)."""
    found = questions(e, s, t, clinic)
    if not found:
        return ""
    intro = INTRO_MEDICARE if s.plan_payer == "medicare" else INTRO
    return "\n".join([t.gettext(intro), *(f"{n}. {q}" for n, q in enumerate(found, start=1))])
