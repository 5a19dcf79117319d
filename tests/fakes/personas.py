"""Simulated patients for the interview's targets (issue 11), played through the real `step()`.

A persona knows some answers ({question id: (kind, value)}, a button pressed or a value typed)
and says "I don't know" to every other question. `play` takes the shortest honest path: it
answers what it is asked, accepts the first estimate, then presses "Narrow it down" until the
figure is exact or nothing is left to ask, and reports how many answers each took.
`benchmarks/bench_interview.py` prints the table; `tests/test_interview_personas.py` holds the
targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHOICE, TEXT = "choice", "text"
Known = dict[str, tuple[str, str]]

# A commercial PPO member who knows their plan: deductible paid, 20 % coinsurance.
PPO_PLAN: Known = {
    "plan_type": (CHOICE, "ppo"), "preauth": (CHOICE, "not_required"),
    "covers_mt": (CHOICE, "yes"), "deductible": (CHOICE, "met"),
    "cost_share": (TEXT, "20%"),
    "oop_max": (TEXT, "4000"), "oop_met": (TEXT, "1500"), "visit_limit": (TEXT, "20"),
    "visits_used": (TEXT, "2"), "account": (CHOICE, "none"),
}
MEDICAL = {"purpose": (CHOICE, "medical")}
PRESCRIBED = {"prescription": (CHOICE, "yes"), "diagnosis": (TEXT, "M54.50"),
              "sessions": (TEXT, "12")}
NO_CLINIC = {"provider": (CHOICE, "massage_therapist"), "minutes": (TEXT, "60"),
             "price": (TEXT, "120"), "cash": (TEXT, "90")}


@dataclass(frozen=True)
class Persona:
    name: str
    known: Known
    clinic: str | None = None
    # Targets from issue 11 (None: only that an estimate is reached).
    first_within: int | None = None
    exact_within: int | None = None


PERSONAS: tuple[Persona, ...] = (
    Persona("commercial in network, clinic link, knows everything", {
        **MEDICAL, "payer": (CHOICE, "commercial"), "insurer": (CHOICE, "p0"), **PRESCRIBED,
        **PPO_PLAN}, clinic="demo-clinic", first_within=6, exact_within=12),
    Persona("commercial copay plan, clinic link, knows everything", {
        **MEDICAL, "payer": (CHOICE, "commercial"), "insurer": (CHOICE, "p1"), **PRESCRIBED,
        **PPO_PLAN, "cost_share": (TEXT, "$35"),
        "deductible_applies": (CHOICE, "no")}, clinic="demo-clinic", first_within=6,
        exact_within=12),
    Persona("commercial in network, no clinic link, knows everything", {
        **MEDICAL, "payer": (CHOICE, "commercial"), "network": (CHOICE, "in"), **PRESCRIBED,
        **NO_CLINIC, **PPO_PLAN}),
    Persona("commercial, clinic link, knows nothing", {
        **MEDICAL, "payer": (CHOICE, "commercial")}, clinic="demo-clinic"),
    Persona("HDHP with an HSA, knows little", {
        **MEDICAL, "payer": (CHOICE, "commercial"), "network": (CHOICE, "in"),
        "plan_type": (CHOICE, "hdhp"), "account": (CHOICE, "hsa"), **PRESCRIBED}),
    Persona("out of network PPO, no clinic link", {
        **MEDICAL, "payer": (CHOICE, "commercial"), "network": (CHOICE, "out"), **PRESCRIBED,
        **NO_CLINIC, "plan_type": (CHOICE, "ppo"), "oon_covered": (CHOICE, "yes"),
        "oon_deductible": (TEXT, "2000"), "oon_deductible_met": (CHOICE, "0"),
        "oon_coinsurance": (TEXT, "40%")}),
    Persona("uninsured, no clinic link", {
        **MEDICAL, "payer": (CHOICE, "self_pay"), "sessions": (TEXT, "8"),
        "cash": (TEXT, "90")}, first_within=4),
    Persona("uninsured, clinic link", {
        **MEDICAL, "payer": (CHOICE, "self_pay"), "sessions": (TEXT, "8")},
        clinic="demo-clinic", first_within=4),
    Persona("relaxation, no clinic link", {
        "purpose": (CHOICE, "relaxation"), "cash": (TEXT, "80")}, first_within=2),
    Persona("relaxation, clinic link", {"purpose": (CHOICE, "relaxation")},
            clinic="demo-clinic", first_within=2),
    Persona("Medicare, physical therapist", {
        **MEDICAL, "payer": (CHOICE, "medicare"), "provider": (CHOICE, "physical_therapist"),
        **PRESCRIBED, "participating": (CHOICE, "yes"), "deductible_met": (CHOICE, "all"),
        "minutes": (TEXT, "45"), "price": (TEXT, "150"), "cash": (CHOICE, "none")}),
    Persona("Medicaid, clinic link", {
        **MEDICAL, "payer": (CHOICE, "medicaid"), "insurer": (CHOICE, "other"),
        "network": (CHOICE, "in"), **PRESCRIBED}, clinic="demo-brooklyn"),
    Persona("car accident in NY, health plan behind PIP", {
        **MEDICAL, "payer": (CHOICE, "auto"), "fallback": (CHOICE, "commercial"),
        "network": (CHOICE, "in"), "state": (TEXT, "NY"), **PRESCRIBED, **NO_CLINIC,
        "pip_remaining": (TEXT, "3000")}),
    Persona("hurt at work, claim accepted", {
        **MEDICAL, "payer": (CHOICE, "workers_comp"), "fallback": (CHOICE, "none"),
        **PRESCRIBED, "wc_claim": (CHOICE, "yes")}, clinic="demo-tampa"),
    Persona("answers \"I don't know\" to everything", {}),
    Persona("answers \"I don't know\" to everything, clinic link", {}, clinic="demo-clinic"),
)

MAX_MESSAGES = 60


@dataclass
class Played:
    first: int | None = None  # answers before the first estimate
    exact: int | None = None  # answers before the figure was exact (None: it stayed a range)
    answers: int = 0
    asked: list[str] = field(default_factory=list)
    low: str = ""
    high: str = ""


def meets(persona: Persona, played: Played) -> bool:
    """The persona reached an estimate, within its targets."""
    first_ok = persona.first_within is None or (
        played.first is not None and played.first <= persona.first_within)
    exact_ok = persona.exact_within is None or (
        played.exact is not None and played.exact <= persona.exact_within)
    return played.first is not None and first_ok and exact_ok


def play(persona: Persona, clinics, lang: str = "en", today=None) -> Played:
    from bot.interview import Answer, step
    from bot.interview.narrowing import exact

    played = Played()
    state, prompt = step(None, Answer(kind="start", value=persona.clinic), clinics, lang, today)
    for _ in range(MAX_MESSAGES):
        if prompt.kind == "result":
            result = prompt.estimate
            if played.first is None:
                played.first = played.answers
            if exact(result):
                played.exact = played.answers
            span = result.range
            played.low = str(span.low if span else result.recommended.patient_total)
            played.high = str(span.high if span else result.recommended.patient_total)
            if played.exact is not None or not prompt.narrow:
                return played
            state, prompt = step(state, Answer(kind="narrow"), clinics, lang, today)
            continue
        qid = prompt.question_id
        played.asked.append(qid)
        if state.asking.confirming is not None:
            answer = Answer(kind="choice", value=prompt.options[0].value)  # "Yes, that's right"
        elif qid in persona.known:
            kind, value = persona.known[qid]
            answer = Answer(kind=kind, value=value)
        else:
            answer = Answer(kind="unknown")
        played.answers += 1
        state, prompt = step(state, answer, clinics, lang, today)
    raise AssertionError(f"{persona.name}: no estimate within {MAX_MESSAGES} messages")
