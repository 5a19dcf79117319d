"""The question catalog: every question the interview can ask, in the order it asks them.

Each question is data: a stable id (stored, and sent in Telegram callback data, so short and never
renamed), the message id of its text and of its two-sentence explanation, its kind, options with
stable values, bounds for typed answers, when it applies and whether it comes before the first
estimate. Labels are gettext message ids (`N_`); channels translate them.

The flow is two steps. First the questions marked `first`, in the catalog's order: what decides
which walk applies (purpose, payer, network, prescription and diagnosis, sessions); then the
estimate is shown, the unanswered questions counting as unknown. The patient may then narrow it
down: `bot.interview.narrowing` picks each further question from what widens the estimate.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.i18n import N_
from estimator import DiagnosisCheck

from . import dates
from .diagnosis import pending
from .facts import BEHIND, OTHER_INSURER, PLAN_TYPE_PAYERS, Facts
from .model import Option, QuestionKind

MAX_AMOUNT = Decimal("50000")


@dataclass(frozen=True)
class Question:
    id: str
    title: str  # short label for the record of answers and the "change an answer" list
    message: str
    help: str
    kind: QuestionKind = "choice"
    options: tuple[Option, ...] = ()
    applies: Callable[[Facts], bool] = lambda f: True
    # "I don't know": stored as None, unless the answer is needed to go on (purpose, payer), in
    # which case the explanation is shown and the question asked again.
    unknown_explains: bool = False
    low: Decimal | int | None = None
    high: Decimal | int | None = None
    # An upper bound that depends on another answer (e.g. met ≤ deductible): that answer's id.
    high_from: str | None = None
    extra: dict = field(default_factory=dict)
    # Asked before the first estimate: the answers that decide which walk applies. The others
    # are asked only to narrow the estimate down (`narrowing`), and are unknown until then.
    first: Callable[[Facts], bool] = lambda f: False
    # The estimator's unknowns (`estimator.domains.unknowns`, `Range.widened_by`, the topics of
    # its "ask your insurer" steps) this answer settles, itself or by opening the question that
    # does (cost sharing -> copay).
    settles: tuple[str, ...] = ()
    # The scenario field the answer fills ("plan.deductible"), read by `scenario.build_scenario`
    # in a loop; None for the answers it reads its own way (fees, diagnosis codes, defaults).
    fills: str | None = None


def nonbillable(answer: Any) -> DiagnosisCheck | None:
    """The first code of a stored diagnosis answer (a list of codes, or one code in older states)
    that is a valid category that cannot be billed (M54.5, S13.4): the one `diagnosis_child`
    refines now."""
    waiting = pending(answer)
    return waiting[0] if waiting else None


def _opt(value: str, label: str) -> Option:
    return Option(value=value, label=label)


YES = _opt("yes", N_("Yes"))
PENDING = "pending"  # an answer that leaves the fact unknown: it will be decided later
# The health plans a patient can have, as the payer or behind auto or workers' comp.
HEALTH_PLANS = (
    _opt("commercial", N_("Health plan (job or marketplace)")),
    _opt("medicare", N_("Medicare")),
    _opt("medicare_advantage", N_("Medicare Advantage")),
    _opt("medicaid", N_("Medicaid")),
)
NO = _opt("no", N_("No"))


def _preauth_applies(f: Facts) -> bool:
    """Original Medicare has no pre-authorization for outpatient therapy: a physician-certified
    plan of care and, above the yearly threshold, the KX modifier instead (DOMAIN.md "Medicare
    and Medicaid")."""
    return f.health_plan and f.plan_payer != "medicare"


# Pre-authorization often caps visits, e.g. 4-6 at a time (DOMAIN.md "Who pays"): a course
# longer than the smallest typical cap may run past what was approved.
PREAUTH_TYPICAL_CAP = 4


def _preauth_visits_matter(f: Facts) -> bool:
    """An approved pre-authorization's visits can change the answer: the course is longer than
    a typical approval, so the sessions after it may need a new one."""
    sessions = f.get("sessions") or dates.DEFAULT_SESSIONS
    return (_preauth_applies(f) and f.get("preauth") == "obtained"
            and int(sessions) > PREAUTH_TYPICAL_CAP)


def _in_network_terms(f: Facts) -> bool:
    return f.health_plan and f.network != "out"


def _plan_terms(f: Facts) -> bool:
    """The plan's own cost sharing: original Medicare's deductible, 20 percent coinsurance and
    absent out-of-pocket maximum are set by law (DOMAIN.md "Medicare"), so not asked."""
    return _in_network_terms(f) and f.plan_payer != "medicare"


def _out_of_network_terms(f: Facts) -> bool:
    return f.health_plan and f.network != "in" and f.get("oon_covered") != "no"


def _insured(f: Facts) -> bool:
    return f.payer != "self_pay"


def _pays_clinic(f: Facts) -> bool:
    """The patient pays the clinic's price: uninsured, or massage for relaxation."""
    return f.payer == "self_pay" or not f.medical


def _price_needed(f: Facts) -> bool:
    """What the patient pays depends on the full price: no cash price, or not known."""
    return _pays_clinic(f) and f.answered("cash") and f.get("cash") in ("none", None)


def _deductible_left(f: Facts) -> bool:
    """The deductible may not be paid in full yet (not "No deductible", not "Already met")."""
    return f.get("deductible") != "met" and f.amount("deductible") != 0


def _insurer_question(f: Facts) -> bool:
    return (f.health_plan and f.clinic is not None and bool(f.clinic.payers)
            and f.plan_payer in PLAN_TYPE_PAYERS | {"medicaid"})


QUESTIONS: tuple[Question, ...] = (
    Question(
        "purpose", N_("Reason"),
        N_("Is the massage for a medical condition (pain, an injury, a diagnosis) or for "
           "relaxation?"),
        N_("Insurance pays only for massage that treats a medical condition, usually with a "
           "doctor's prescription. Massage for stress, relaxation or wellness is not covered by "
           "any insurer."),
        options=(_opt("medical", N_("A medical condition")), _opt("relaxation", N_("Relaxation"))),
        unknown_explains=True,
        first=lambda f: True,
    ),
    Question(
        # Never reached in the catalog's order: the engine asks it instead of "purpose" when the
        # patient does not know (engine.CLARIFIERS), and stores its answer as purpose's.
        "purpose_check", N_("Reason"),
        N_("Did a doctor prescribe it, or is it for pain or an injury?"),
        N_("Massage a doctor prescribed, or that treats pain or an injury, is medical: insurance "
           "may pay for it. Massage only to relax or unwind is not, and no insurer pays for it."),
        options=(YES, NO),
        applies=lambda f: False,
    ),
    Question(
        "payer", N_("Who pays"),
        N_("Who would pay for the massage?"),
        N_("Pick the coverage that applies to this treatment. If you were hurt at work, choose "
           "workers' compensation; after a car accident, choose auto insurance, even if you also "
           "have a health plan."),
        options=(
            *HEALTH_PLANS,
            _opt("workers_comp", N_("Workers' compensation (hurt at work)")),
            _opt("auto", N_("Auto insurance (car accident)")),
            _opt("self_pay", N_("No insurance, I pay myself")),
        ),
        unknown_explains=True,
        applies=lambda f: f.medical,  # no insurer pays for relaxation
        first=lambda f: True,
    ),
    Question(
        "fallback", N_("Health plan too"),
        N_("Do you also have health insurance? It can pay if your claim is denied or the benefit "
           "runs out."),
        N_("Auto insurance (PIP or MedPay) pays first after a car accident, workers' compensation "
           "first for an injury at work. If the claim is denied or the benefit runs out, your "
           "health plan can pay for the rest of the course."),
        options=(*HEALTH_PLANS, _opt("none", N_("No other insurance"))),
        applies=lambda f: f.medical and f.payer in BEHIND,
        first=lambda f: True,
        fills="fallback_payer",
    ),
    Question(
        "insurer", N_("Insurer"),
        N_("Which insurer is your plan with?"),
        N_("The clinic has contracts with the insurers listed: with them you pay the in-network "
           "price. If yours is not listed, the clinic is probably out of network for you."),
        applies=_insurer_question,
        first=lambda f: True,
    ),
    Question(
        "network", N_("Network"),
        N_("Is the clinic or therapist in your plan's network?"),
        N_("In network means the clinic has a contract with your insurer and charges its agreed "
           "price. Out of network usually costs more, and HMO and EPO plans often pay nothing "
           "for it; your insurer's website or the clinic can tell you."),
        options=(_opt("in", N_("In network")), _opt("out", N_("Out of network"))),
        # Original Medicare has no network: any enrolled provider bills it.
        applies=lambda f: (f.health_plan and f.plan_payer != "medicare"
                           and f.get("insurer") in (None, OTHER_INSURER)),
        first=lambda f: True, settles=("network",),
    ),
    Question(
        "plan_type", N_("Plan type"),
        N_("What type of plan is it? It is printed on your insurance card."),
        N_("PPO and POS plans usually pay something out of network; HMO and EPO plans usually do "
           "not. A high-deductible plan (HDHP, often with an HSA) pays nothing for massage until "
           "the deductible is met."),
        options=(_opt("ppo", N_("PPO")), _opt("hmo", N_("HMO")), _opt("epo", N_("EPO")),
                 _opt("pos", N_("POS")), _opt("hdhp", N_("High-deductible plan (HDHP)"))),
        applies=lambda f: f.health_plan and f.plan_payer in PLAN_TYPE_PAYERS,
        settles=("oon_covered",),
    ),
    Question(
        "provider", N_("Therapist"),
        N_("Who will give the treatment?"),
        N_("Many plans pay for massage only when a physical therapist or chiropractor gives it. "
           "Original Medicare does not pay licensed massage therapists at all."),
        options=(_opt("massage_therapist", N_("A licensed massage therapist")),
                 _opt("physical_therapist", N_("A physical therapist")),
                 _opt("chiropractor", N_("A chiropractor"))),
        applies=lambda f: f.medical and f.clinic is None and _insured(f),
        first=lambda f: True,
    ),
    Question(
        "participating", N_("Accepts Medicare's amount"),
        N_("Does the physical therapist accept Medicare's approved amount as full payment "
           "(\"accepts assignment\")?"),
        N_("A participating therapist accepts Medicare's amount: you pay only the deductible and "
           "20 percent of it. One who does not may charge up to 15 percent more than Medicare's "
           "amount for them, and you pay that too. The clinic can tell you."),
        options=(YES, NO),
        applies=lambda f: (f.health_plan and f.plan_payer == "medicare"
                           and f.provider == "physical_therapist"),
        settles=("medicare_participating",),
        fills="medicare_participating",
    ),
    Question(
        "prescription", N_("Prescription"),
        N_("Do you have a prescription or referral for massage from a doctor?"),
        N_("A prescription shows the massage is medically necessary. It should name the diagnosis "
           "(an ICD-10 code), how often and for how long, for example 12 sessions over 6 weeks."),
        options=(YES, NO),
        applies=lambda f: f.medical,
        first=_insured,
    ),
    Question(
        "diagnosis", N_("Diagnosis code"),
        N_("What diagnosis code (ICD-10) is on the prescription? For example M54.50 for low back "
           "pain. If there are several, type them all."),
        N_("The ICD-10 code is a letter followed by numbers, such as M54.2 or S13.4XXA, usually "
           "printed on the prescription. Insurers pay only for codes that are complete "
           "(\"billable\"), so we check it for you."),
        kind="code",
        applies=lambda f: f.medical and f.payer != "self_pay" and f.get("prescription") != "no",
        first=lambda f: True,
    ),
    Question(
        "diagnosis_child", N_("Billable code"),
        N_("%(code)s is no longer accepted on claims: a more specific code is needed. Which one "
           "matches your prescription?"),
        N_("Since October 2021 some codes must be more specific to be paid. Ask your doctor which "
           "one applies if you are not sure."),
        applies=lambda f: (f.medical and f.payer != "self_pay"
                           and nonbillable(f.get("diagnosis")) is not None),
        first=lambda f: True,
    ),
    Question(
        "preauth", N_("Pre-authorization"),
        N_("Does your plan require pre-authorization for these visits, and do you have it?"),
        N_("Some plans pay only if they approved the treatment beforehand, often a few visits at "
           "a time. The clinic usually requests it for you."),
        options=(_opt("obtained", N_("Yes, it is approved")),
                 _opt("required", N_("It is required, not approved yet")),
                 _opt("not_required", N_("Not required"))),
        applies=_preauth_applies,
        settles=("preauth",),
    ),
    Question(
        "preauth_visits", N_("Visits approved"),
        N_("How many visits did the pre-authorization approve?"),
        N_("Plans often approve a few visits at a time, for example 4 to 6. Visits after them "
           "are paid only with a new approval; the approval letter or the clinic says how many."),
        kind="count", applies=_preauth_visits_matter, low=1, high=365,
        fills="preauth_visits",
    ),
    Question(
        "covers_mt", N_("Massage therapists covered"),
        N_("Does your plan cover treatment by a licensed massage therapist?"),
        N_("Some plans pay for massage only from a physical therapist or chiropractor. Your plan's "
           "benefits summary lists which providers are covered."),
        options=(YES, NO),
        applies=lambda f: (f.health_plan and f.provider == "massage_therapist"
                           and f.plan_payer != "medicare" and f.clinic_payer is None),
        settles=("provider_coverage",),
        fills="plan.covers_massage_therapists",
    ),
    Question(
        "deductible", N_("Deductible"),
        N_("How much is your plan's yearly deductible? Type the amount, for example 1500."),
        N_("The deductible is what you pay each year before the plan starts to share costs. Until "
           "it is met you usually pay the plan's full price for each visit."),
        # "Already met": the amount no longer matters to the visits ahead (scenario._plan).
        kind="amount", options=(_opt("0", N_("No deductible")),
                                _opt("met", N_("Already met this year"))),
        applies=_plan_terms, low=Decimal(0), high=MAX_AMOUNT,
        settles=("deductible",),
        fills="plan.deductible",
    ),
    Question(
        "deductible_met", N_("Deductible met"),
        N_("How much of the deductible have you already paid this year?"),
        N_("Your insurer's app or your latest Explanation of Benefits shows how much of the "
           "deductible is met. Doctor visits and other care this year count toward it."),
        kind="amount", options=(_opt("all", N_("All of it")), _opt("0", N_("Nothing yet"))),
        applies=lambda f: _in_network_terms(f) and _deductible_left(f),
        low=Decimal(0), high=MAX_AMOUNT, high_from="deductible",
        settles=("deductible_met",),
        fills="plan.deductible_met",
    ),
    Question(
        "cost_share", N_("Your share"),
        N_("After the deductible, what do you pay per visit? Choose, or type the amount: a copay "
           "such as $30, or a coinsurance such as 20%."),
        N_("A copay is a fixed amount per visit, such as $30. Coinsurance is a percentage of the "
           "plan's price, such as 20%."),
        options=(_opt("copay", N_("A copay (fixed amount)")),
                 _opt("coinsurance", N_("Coinsurance (a percentage)")),
                 _opt("both", N_("Both")), _opt("nothing", N_("Nothing"))),
        applies=_plan_terms,
        settles=("copay", "coinsurance_pct", "deductible_applies"),
    ),
    Question(
        "copay", N_("Copay"),
        N_("How much is the copay per visit?"),
        N_("The copay is the fixed amount you pay at each visit. Your insurance card or benefits "
           "summary lists it, sometimes under \"specialist\" or \"therapy\"."),
        kind="amount",
        applies=lambda f: _plan_terms(f) and f.get("cost_share") in ("copay", "both"),
        low=Decimal(0), high=Decimal(1000),
        settles=("copay",),
        fills="plan.copay",
    ),
    Question(
        "deductible_applies", N_("Deductible before copay"),
        N_("Do you pay the deductible first, or only the copay from the first visit?"),
        N_("Some plans list therapy as \"copay, deductible does not apply\": then you pay only "
           "the copay from the first visit. Your benefits summary says which."),
        options=(_opt("yes", N_("Deductible first")), _opt("no", N_("Only the copay"))),
        applies=lambda f: (_plan_terms(f) and f.get("cost_share") in ("copay", "both")
                           and f.plan_type != "hdhp" and _deductible_left(f)),
        settles=("deductible_applies",),
        fills="plan.deductible_applies",
    ),
    Question(
        "coinsurance", N_("Coinsurance"),
        N_("What percentage do you pay (coinsurance)? For example 20%."),
        N_("Coinsurance is your share of the plan's price for each visit after the deductible. "
           "If the plan pays 80%, your coinsurance is 20%."),
        kind="percent",
        applies=lambda f: _plan_terms(f) and f.get("cost_share") in ("coinsurance", "both"),
        low=Decimal(0), high=Decimal(100),
        settles=("coinsurance_pct",),
        fills="plan.coinsurance_pct",
    ),
    Question(
        "oop_max", N_("Out-of-pocket maximum"),
        N_("What is your plan's yearly out-of-pocket maximum?"),
        N_("The out-of-pocket maximum is the most you pay in a year for covered care; after it "
           "the plan pays everything. For 2026 it cannot be more than $10,600 for one person."),
        kind="amount", options=(_opt("none", N_("My plan has none")),),
        applies=_plan_terms, low=Decimal(0), high=MAX_AMOUNT,
        settles=("oop_max",),
        fills="plan.oop_max",
    ),
    Question(
        "oop_met", N_("Out-of-pocket paid"),
        N_("How much have you paid toward your out-of-pocket maximum this year?"),
        N_("Everything you paid this year for covered care (deductible, copays, coinsurance) "
           "counts. Your insurer's app shows it."),
        kind="amount", options=(_opt("0", N_("Nothing yet")),),
        applies=lambda f: _plan_terms(f) and f.amount("oop_max") not in (None, 0),
        low=Decimal(0), high=MAX_AMOUNT, high_from="oop_max",
        settles=("oop_met",),
        fills="plan.oop_met",
    ),
    Question(
        "oon_covered", N_("Out-of-network benefits"),
        N_("Does your plan pay anything for out-of-network care?"),
        N_("PPO and POS plans usually pay part of out-of-network care; HMO and EPO plans usually "
           "pay nothing. Your benefits summary has an \"out-of-network\" column if it does."),
        options=(YES, NO),
        applies=lambda f: f.health_plan and f.plan_payer != "medicare" and f.network != "in",
        settles=("oon_covered", "oon_benefits"),
        fills="plan.oon_covered",
    ),
    Question(
        "oon_deductible", N_("Out-of-network deductible"),
        N_("How much is the out-of-network deductible?"),
        N_("Out-of-network care usually has its own, higher deductible. It is in the "
           "out-of-network column of your benefits summary."),
        kind="amount", options=(_opt("0", N_("No deductible")),),
        applies=_out_of_network_terms, low=Decimal(0), high=MAX_AMOUNT,
        settles=("oon_deductible",),
        fills="plan.oon_deductible",
    ),
    Question(
        "oon_deductible_met", N_("Out-of-network deductible met"),
        N_("How much of the out-of-network deductible have you paid this year?"),
        N_("Your insurer's app or Explanation of Benefits shows it. Out-of-network care you had "
           "this year counts toward it."),
        kind="amount", options=(_opt("all", N_("All of it")), _opt("0", N_("Nothing yet"))),
        applies=lambda f: _out_of_network_terms(f) and f.amount("oon_deductible") != 0,
        low=Decimal(0), high=MAX_AMOUNT, high_from="oon_deductible",
        settles=("oon_deductible_met",),
        fills="plan.oon_deductible_met",
    ),
    Question(
        "oon_coinsurance", N_("Out-of-network coinsurance"),
        N_("What percentage do you pay out of network (coinsurance)?"),
        N_("Out of network your share is usually higher, for example 40%. On top of it the clinic "
           "may bill you the difference between its price and what the plan allows."),
        kind="percent", applies=_out_of_network_terms, low=Decimal(0), high=Decimal(100),
        settles=("oon_coinsurance_pct",),
        fills="plan.oon_coinsurance_pct",
    ),
    Question(
        "visit_limit", N_("Visit limit"),
        N_("How many visits a year does your plan allow for massage or therapy?"),
        N_("Plans often limit therapy visits to 10-30 a year, sometimes shared between physical "
           "therapy, chiropractic and massage. Visits beyond the limit are not paid."),
        kind="count", options=(_opt("none", N_("No limit")),),
        # Original Medicare has no therapy visit limit (repealed in 2018).
        applies=lambda f: f.health_plan and f.plan_payer != "medicare", low=0, high=365,
        settles=("visit_limit",),
        fills="plan.visit_limit",
    ),
    Question(
        "visits_used", N_("Visits used"),
        N_("How many of those visits have you already used this year?"),
        N_("Count the physical therapy, chiropractic and massage visits you had this year if your "
           "plan shares the limit between them."),
        kind="count", options=(_opt("0", N_("None yet")),),
        applies=lambda f: f.health_plan and f.get("visit_limit") not in (None, 0, "none"),
        low=0, high=365, high_from="visit_limit",
        settles=("visits_used",),
        fills="plan.visits_used",
    ),
    Question(
        "wc_claim", N_("Claim accepted"),
        N_("Has your workers' compensation claim been accepted?"),
        N_("Workers' compensation pays for treatment only once the claim is accepted, and then "
           "you pay nothing. Your employer or the claims adjuster can tell you."),
        # A claim not decided yet is common: said as such, not as "No" (refused).
        options=(YES, NO, _opt(PENDING, N_("Not decided yet"))),
        applies=lambda f: f.medical and f.payer == "workers_comp",
        settles=("claim_accepted",),
        fills="workers_comp.claim_accepted",
    ),
    Question(
        "state", N_("State"),
        N_("In which state is your car insured? Type the two-letter code, for example NY."),
        N_("Auto insurance medical benefits (PIP or MedPay) depend on the state. Florida, for "
           "example, does not pay for massage under PIP."),
        kind="state",
        # Asked with a clinic link too: the car's policy, not the clinic, decides the state's
        # rules (a New York policy pays New York's no-fault benefits in a Tampa clinic).
        applies=lambda f: f.medical and f.payer == "auto",
        first=lambda f: True,
    ),
    Question(
        "pip_remaining", N_("PIP or MedPay left"),
        N_("How much of your PIP or MedPay coverage is left?"),
        N_("PIP (personal injury protection) or MedPay pays medical bills after a car accident up "
           "to a limit, for example $10,000. Your auto insurer's adjuster can tell you what is "
           "left."),
        kind="amount",
        applies=lambda f: f.medical and f.payer == "auto",
        low=Decimal(0), high=Decimal(1_000_000),
        settles=("pip_remaining",),
        fills="auto.pip_remaining",
    ),
    Question(
        "sessions", N_("Sessions"),
        N_("How many sessions are prescribed or planned?"),
        N_("Count the whole course, for example 12 sessions over 6 weeks. If you don't know, we "
           "use 12."),
        kind="count", options=(_opt("6", "6"), _opt("12", "12"), _opt("24", "24")),
        low=1, high=365,
        first=lambda f: f.medical,
    ),
    Question(
        "minutes", N_("Minutes per session"),
        N_("How long is each session, in minutes?"),
        N_("Massage is billed in 15-minute units: 60 minutes is 4 units. If you don't know, we "
           "use 60 minutes."),
        kind="count", options=(_opt("30", "30"), _opt("45", "45"), _opt("60", "60"),
                               _opt("90", "90")),
        applies=lambda f: f.clinic is None, low=8, high=240,
    ),
    Question(
        "cash", N_("Cash price"),
        N_("Does the clinic have a lower price if you pay yourself? Type it, or choose."),
        N_("Many clinics offer a discounted cash (self-pay) price. Paying cash can be cheaper than "
           "insurance before the deductible is met, but it does not count toward the deductible."),
        kind="amount", options=(_opt("none", N_("No cash price")),),
        applies=lambda f: f.clinic is None, low=Decimal(0), high=Decimal(2000),
        first=_pays_clinic, settles=("billed_per_unit",),
    ),
    Question(
        "price", N_("Clinic's price"),
        N_("What does the clinic charge for one session, before insurance?"),
        N_("This is the clinic's full price, which it bills to the insurer. If you don't know, "
           "the estimate shows a range, from one to two times Medicare's rate for the session."),
        kind="amount", applies=lambda f: f.clinic is None, low=Decimal(1), high=Decimal(2000),
        first=_price_needed, settles=("billed_per_unit",),
    ),
    Question(
        "account", N_("HSA or FSA"),
        N_("Do you have a health savings account (HSA), FSA or HRA?"),
        N_("These accounts pay for medical care with money that is not taxed. Massage qualifies "
           "when it treats a condition and you have a prescription or a Letter of Medical "
           "Necessity."),
        options=(_opt("none", N_("None")), _opt("hsa", N_("HSA")), _opt("fsa", N_("FSA")),
                 _opt("hra", N_("HRA"))),
        applies=lambda f: f.medical,
    ),
    Question(
        "account_balance", N_("Money in the account"),
        N_("How much can the account pay this year (what is in it now, or what is left of your "
           "FSA election)?"),
        N_("An HSA or HRA pays only up to what is in it; an FSA up to what is left of the amount "
           "you chose for the year. Your account's website or app shows it."),
        kind="amount",
        applies=lambda f: f.medical and f.get("account") not in (None, "none"),
        low=Decimal(0), high=MAX_AMOUNT,
        fills="account_balance",
    ),
    Question(
        "lmn", N_("Letter of Medical Necessity"),
        N_("Do you have a Letter of Medical Necessity for massage?"),
        N_("A Letter of Medical Necessity from your doctor names the diagnosis, why massage helps, "
           "how often and for how long. Without it or a prescription, an HSA or FSA cannot pay "
           "for massage."),
        options=(YES, NO),
        applies=lambda f: (f.medical and f.get("account") not in (None, "none")
                           and f.get("prescription") != "yes"),
    ),
    Question(
        "tax_rate", N_("Tax rate"),
        N_("What is your income tax rate? For example 22%. It shows how much the account saves."),
        N_("Money from an HSA or FSA is not taxed, so you save about your tax rate on every "
           "dollar. If you put money in through payroll deductions, you also save the payroll tax "
           "(7.65%)."),
        kind="percent",
        applies=lambda f: f.medical and f.get("account") not in (None, "none"),
        low=Decimal(0), high=Decimal(100),
        fills="tax_rate_pct",
    ),
    # --- dates: asked only when they can change the answer (bot/interview/dates.py) ---
    Question(
        "start", N_("First session"),
        N_("When will your first session be?"),
        N_("Your plan counts the deductible and the visits by plan year: sessions after the "
           "new plan year starts pay the new year's deductible again. The date tells us which "
           "sessions fall in which year, and when an FSA's money must be spent."),
        applies=dates.start_matters,
        fills="start_date",
    ),
    Question(
        "plan_year", N_("Plan year"),
        N_("In which month does your plan year start?"),
        N_("Most plans start their year on January 1, but an employer plan may start it in "
           "another month. Your benefits summary says so, or your insurer or employer can tell "
           "you."),
        options=dates.MONTHS,
        # Original Medicare's Part B deductible is per calendar year (42 CFR 410.160(b)): its
        # year starts on January 1, so it is not asked (docs/domain-sources.md "Medicare").
        applies=lambda f: (f.health_plan and f.plan_payer != "medicare"
                           and bool(f.get("start"))),
        settles=("year_start",),
    ),
    Question(
        "fsa_rollover", N_("FSA deadline"),
        N_("What happens to the money left in your FSA at the end of its plan year?"),
        N_("FSA money not spent by the deadline is lost. Some plans give a grace period of up "
           "to 2½ months after the plan year; others let a limited amount carry over to the "
           "next year; never both."),
        options=(_opt("grace_period", N_("There is a grace period")),
                 _opt("carryover", N_("Some of it carries over")),
                 _opt("none", N_("Neither: it is lost"))),
        applies=lambda f: f.medical and f.get("account") == "fsa" and bool(f.get("start")),
        fills="fsa_rollover",
    ),
    Question(
        "rx_date", N_("Prescription date"),
        N_("When was your prescription written?"),
        N_("A prescription covers a set time, for example 12 sessions over 6 weeks. Sessions "
           "after it runs out may not be paid until your doctor renews it, and we can remind "
           "you a week before."),
        applies=dates.prescription_matters,
        fills="prescription_date",
    ),
    Question(
        "rx_weeks", N_("Prescription length"),
        N_("For how many weeks is the prescription written? For example 6 for \"12 sessions "
           "over 6 weeks\"."),
        N_("The prescription says how often and for how long. Count the weeks from the day it "
           "was written."),
        kind="count",
        applies=lambda f: dates.prescription_matters(f) and bool(f.get("rx_date")),
        low=1, high=104,
        fills="prescription_weeks",
    ),
)

BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}


def applicable(facts: Facts) -> list[Question]:
    return [q for q in QUESTIONS if q.applies(facts)]


def open_questions(facts: Facts) -> list[Question]:
    """The questions that apply and have no answer yet, in the catalog's order."""
    return [q for q in QUESTIONS if q.id not in facts.answers and q.applies(facts)]


def next_question(facts: Facts) -> Question | None:
    """The next question before the first estimate (None when the estimate can be shown)."""
    for question in open_questions(facts):
        if question.first(facts):
            return question
    return None
