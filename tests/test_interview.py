"""Whole interviews through the pure engine: every payer, every language, with "I don't know",
Back and invalid input on the way. The final estimate must equal the estimator's own answer for
the same facts, written out by hand as a scenario."""

from decimal import Decimal

import pytest

from bot.clinics import load_clinics
from bot.i18n import translator
from bot.interview import Answer, InterviewState, step
from bot.interview.engine import ASSUMED_HEALTH_PLAN
from bot.interview.questions import QUESTIONS
from bot.render import codes
from bot.render.estimate import explain
from estimator import Scenario, estimate

CLINICS = load_clinics()
UNKNOWN = Answer(kind="unknown")
BACK = Answer(kind="back")
HELP = Answer(kind="help")
NARROW = Answer(kind="narrow")


def pick(value: str) -> Answer:
    return Answer(kind="choice", value=value)


def typed(text: str) -> Answer:
    return Answer(kind="text", value=text)


def drive(answers, clinic=None, lang="en", detours=False, until=None, state=None):
    """Run the interview as a patient who knows `answers` (`(qid, answer)`), in the order asked;
    at the first estimate the patient narrows it down until nothing is left to ask. Stops at the
    result, at the question `until`, or at the first question not among `answers` (a test then
    goes on from there).

    With `detours`, the patient also goes the long way round at the third question: a reply that
    cannot be read, "What does this mean?", then Back and the previous answer again."""
    known = dict(answers)
    if state is None:  # (or go on from a `(state, prompt)` reached before)
        state = step(None, Answer(kind="start", value=clinic), CLINICS, lang)
    state, prompt = state
    previous, asked = None, 0
    for _ in range(3 * len(QUESTIONS)):
        if prompt.kind == "result":
            if not prompt.narrow:
                return state, prompt
            state, prompt = step(state, NARROW, CLINICS, lang)
            continue
        question = prompt.question_id
        if question not in known or question == until:
            return state, prompt
        if detours and asked == 2:
            state, prompt = _detour(state, prompt, previous, lang)
        state, prompt = step(state, known[question], CLINICS, lang)
        assert prompt.problem is None, (question, prompt.problem)
        previous, asked = (question, known[question]), asked + 1
    raise AssertionError("the interview did not end")


def _detour(state, prompt, previous, lang):
    question, kept = prompt.question_id, dict(state.answers)
    state, prompt = step(state, typed("§§§ ???"), CLINICS, lang)
    assert prompt.question_id == question and prompt.problem is not None
    assert state.answers == kept  # nothing the patient gave before is lost
    state, prompt = step(state, HELP, CLINICS, lang)
    assert prompt.question_id == question and prompt.help
    state, prompt = step(state, BACK, CLINICS, lang)
    assert prompt.question_id == previous[0] and previous[0] not in state.answers
    state, prompt = step(state, previous[1], CLINICS, lang)
    assert prompt.question_id == question
    return state, prompt


# The clinic-less facts shared by the scenarios below: 60 minutes at $160, cash $90, 12 sessions.
FEES_AND_COURSE = [
    ("sessions", pick("12")), ("minutes", pick("60")), ("price", typed("160")),
    ("cash", typed("$90")), ("account", pick("none")),
]
COURSE = {"sessions": 12, "session_minutes": 60, "hsa_fsa": "none",
          "fees": {"billed_per_unit": "40.00", "cash_per_session": "90.00"}}


def expect(**fields) -> Scenario:
    return Scenario.model_validate({**COURSE, **fields})


COMMERCIAL = [
    ("purpose", pick("medical")), ("payer", pick("commercial")), ("network", pick("in")),
    ("plan_type", pick("ppo")), ("provider", pick("massage_therapist")),
    ("prescription", pick("yes")), ("diagnosis", typed("M54.50")),
    ("preauth", pick("not_required")), ("covers_mt", pick("yes")),
    ("deductible", typed("1000")), ("deductible_met", typed("200")),
    ("cost_share", pick("coinsurance")), ("coinsurance", typed("20%")),
    ("oop_max", typed("5000")), ("oop_met", typed("200")),
    ("visit_limit", typed("20")), ("visits_used", typed("4")),
    *FEES_AND_COURSE,
]
COMMERCIAL_FACTS = dict(
    payer="commercial", network="in", plan_type="ppo", prescription=True,
    diagnosis_codes=["M54.50"], preauth="not_required",
    plan={"deductible": "1000", "deductible_met": "200", "coinsurance_pct": "20",
          "oop_max": "5000", "oop_met": "200", "visit_limit": 20, "visits_used": 4,
          "covers_massage_therapists": True},
)

CASES = {
    "commercial": (COMMERCIAL, expect(**COMMERCIAL_FACTS)),
    "medicare with a physical therapist": (
        # Original Medicare has no network; whether the therapist accepts its amount is asked.
        [("purpose", pick("medical")), ("payer", pick("medicare")),
         ("provider", pick("physical_therapist")), ("participating", UNKNOWN),
         ("prescription", pick("no")), ("deductible_met", pick("0")),
         *[a for a in FEES_AND_COURSE if a[0] != "cash"]],
        # No pre-authorization question: original Medicare has none for therapy (a certified
        # plan of care instead); drive() would stop at it. No cash price either: the clinic
        # must bill Medicare for the sessions it covers, so drive() would stop at that too.
        # Its deductible, coinsurance and (absent) out-of-pocket maximum are set by law: not
        # asked, only what of the deductible is paid.
        expect(payer="medicare", network="in", provider_type="physical_therapist",
               prescription=False, preauth="unknown", diagnosis_codes=None,
               medicare_participating=None, plan={"deductible_met": "0"},
               fees={"billed_per_unit": "40.00"}),
    ),
    "medicare advantage with an HDHP": (
        [("purpose", pick("medical")), ("payer", pick("medicare_advantage")),
         ("network", pick("in")), ("plan_type", pick("hdhp")),
         ("provider", pick("massage_therapist")), ("prescription", pick("yes")),
         ("diagnosis", typed("m62.830")), ("preauth", pick("obtained")),
         ("preauth_visits", UNKNOWN), ("covers_mt", UNKNOWN),
         ("deductible", typed("1700")), ("deductible_met", pick("0")),
         ("cost_share", pick("copay")), ("copay", typed("30")), ("oop_max", typed("8500")),
         # Asked while the plan type is not known yet; an HDHP's deductible always applies.
         ("deductible_applies", pick("no")),
         ("oop_met", pick("0")), ("visit_limit", typed("30")), ("visits_used", pick("0")),
         *FEES_AND_COURSE],
        expect(payer="medicare_advantage", network="in", plan_type="hdhp", prescription=True,
               diagnosis_codes=["M62.830"], preauth="obtained",
               plan={"deductible": "1700", "deductible_met": "0", "copay": "30",
                     "oop_max": "8500", "oop_met": "0", "visit_limit": 30, "visits_used": 0,
                     "covers_massage_therapists": None}),
    ),
    "medicaid out of network": (
        [("purpose", pick("medical")), ("payer", pick("medicaid")), ("network", pick("out")),
         ("provider", pick("chiropractor")), ("prescription", pick("yes")),
         ("diagnosis", typed("M54.2")), *FEES_AND_COURSE],
        # Medicaid pays only enrolled providers: nothing about the plan's terms can change that,
        # so nothing is asked about them (they stay unknown).
        expect(payer="medicaid", network="out", provider_type="chiropractor", prescription=True,
               diagnosis_codes=["M54.2"], preauth="unknown",
               plan={"oon_covered": None, "oon_deductible_met": None, "visit_limit": None}),
    ),
    "workers' compensation": (
        [("purpose", pick("medical")), ("payer", pick("workers_comp")),
         ("fallback", pick("none")),
         ("provider", pick("massage_therapist")), ("prescription", pick("yes")),
         ("diagnosis", typed("S13.4XXA")), ("wc_claim", pick("yes")), *FEES_AND_COURSE],
        expect(payer="workers_comp", prescription=True, diagnosis_codes=["S13.4XXA"],
               fallback_payer="none", workers_comp={"claim_accepted": True}),
    ),
    "auto in New York": (
        [("purpose", pick("medical")), ("payer", pick("auto")), ("fallback", UNKNOWN),
         ("provider", pick("massage_therapist")), ("prescription", pick("yes")),
         ("diagnosis", UNKNOWN), ("state", typed("ny")), ("pip_remaining", typed("50000")),
         *FEES_AND_COURSE],
        expect(payer="auto", state="NY", prescription=True, diagnosis_codes=None,
               auto={"pip_remaining": "50000"}),
    ),
    "self-pay with an HSA": (
        [("purpose", pick("medical")), ("payer", pick("self_pay")), ("prescription", pick("no")),
         ("sessions", pick("12")), ("minutes", pick("60")), ("price", typed("160")),
         ("cash", typed("90")), ("account", pick("hsa")), ("account_balance", typed("800")),
         ("lmn", pick("yes")), ("tax_rate", typed("22 %"))],
        expect(payer="self_pay", prescription=False, diagnosis_codes=None, hsa_fsa="hsa", lmn=True,
               account_balance="800", tax_rate_pct="22"),
    ),
    "relaxation": (
        # Nobody is asked who pays for relaxation: no insurer does.
        [("purpose", pick("relaxation")), ("sessions", typed("4")), ("minutes", typed("45")),
         ("price", typed("120")), ("cash", pick("none"))],
        Scenario.model_validate({"purpose": "relaxation", "payer": "self_pay", "sessions": 4,
                                 "session_minutes": 45,
                                 "fees": {"billed_per_unit": "40.00"}}),
    ),
}


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
@pytest.mark.parametrize("name", CASES)
def test_interview_estimate_equals_the_estimator(name, lang):
    answers, scenario = CASES[name]
    state, prompt = drive(answers, lang=lang, detours=True)
    assert prompt.kind == "result"
    assert state.finished and state.current is None
    assert prompt.scenario == scenario
    assert prompt.estimate == estimate(scenario)


@pytest.mark.parametrize(
    ("lang", "deductible", "coinsurance", "yes"),
    [("en", "$1,000.00", "20%", "yes"), ("es", "1000 dólares", "20 %", "sí"),
     ("ru", "1 000,00 $", "20 %", "да")],
)
def test_the_same_interview_in_every_language(lang, deductible, coinsurance, yes):
    answers = [(q, a) for q, a in COMMERCIAL]
    answers[5] = ("prescription", typed(yes))
    answers[9] = ("deductible", typed(deductible))
    answers[12] = ("coinsurance", typed(coinsurance))
    _, prompt = drive(answers, lang=lang)
    assert prompt.estimate == estimate(expect(**COMMERCIAL_FACTS))


def test_unknown_answers_give_a_range_and_name_what_would_narrow_it():
    answers = [(q, UNKNOWN if q == "deductible_met" else a) for q, a in COMMERCIAL]
    _, prompt = drive(answers)
    result = prompt.estimate
    assert result.coverage == "uncertain"
    # Cash is the price the patient can count on; billing the plan could cost less, and what
    # would tell is how much of the deductible is met.
    assert result.recommended.route == "self_pay"
    insurance = next(r for r in result.routes if r.route == "insurance")
    assert insurance.low is not None and insurance.low < result.recommended.patient_total
    assert {"code": "ask_insurer", "params": {"topic": "deductible_met"}} in [
        s.model_dump() for s in result.next_steps]


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_a_price_nobody_knows_is_a_range_not_a_figure(lang):
    """Uninsured, no clinic link, neither price known: the estimate is a range over typical
    prices (never one invented figure), the price is what would narrow it, and asking the clinic
    for it is the first thing to do."""
    state, prompt = step(None, Answer(kind="start"), CLINICS, lang)
    for answer in (pick("medical"), pick("self_pay"), typed("12"), UNKNOWN, UNKNOWN):
        state, prompt = step(state, answer, CLINICS, lang)
    assert prompt.kind == "result"
    result = prompt.estimate
    assert result.range is not None and result.range.low < result.range.high
    assert result.range.widened_by[0] == "billed_per_unit"
    assert result.next_steps[0].code == "ask_clinic_price"
    t = translator(lang)
    text = explain(result, prompt.scenario, t)
    assert t.money(result.range.low) in text and t.money(result.range.high) in text
    assert t.gettext(codes.STEPS["ask_clinic_price"]) in text


def test_back_re_asks_the_previous_question_and_forgets_its_answer():
    state, prompt = drive(COMMERCIAL, until="provider")
    state, prompt = step(state, BACK, CLINICS)
    assert prompt.question_id == "network"
    assert "network" not in state.answers
    state, prompt = step(state, pick("out"), CLINICS)
    assert prompt.question_id == "provider" and state.answers["network"] == "out"


def test_back_on_the_first_question_says_so():
    state, prompt = step(None, Answer(kind="start"), CLINICS)
    state, prompt = step(state, BACK, CLINICS)
    assert prompt.question_id == "purpose"
    assert prompt.problem is not None and "first question" in prompt.problem.message


@pytest.mark.parametrize(
    ("question", "reply", "message"),
    [
        ("deductible", "lots", "Please type an amount in dollars"),
        ("deductible", "60000", "from %(low)s to %(high)s"),
        ("deductible", "-5", "cannot be negative"),
        ("coinsurance", "500%", "from %(low)s to %(high)s"),
        ("visit_limit", "2.5", "whole number"),
        ("sessions", "0", "from %(low)s to %(high)s"),
        ("diagnosis", "Q99.99X", "is not an ICD-10-CM diagnosis code"),
        ("network", "maybe", "choose one of the options"),
    ],
)
def test_bad_replies_are_re_asked_naming_what_is_expected_and_lose_nothing(question, reply,
                                                                            message):
    upto = next(i for i, (q, _) in enumerate(COMMERCIAL) if q == question)
    state, prompt = drive(COMMERCIAL, until=COMMERCIAL[upto][0])
    before = state.answers.copy()
    state, prompt = step(state, typed(reply), CLINICS)
    assert prompt.question_id == question
    assert prompt.problem is not None and message in prompt.problem.message
    assert state.answers == before


def test_out_of_range_names_the_bound():
    state, _ = drive(COMMERCIAL, until="deductible_met")
    state = state.model_copy(update={"answers": {**state.answers, "deductible": "1000.00"}})
    _, prompt = step(state, typed("1500"), CLINICS)
    assert prompt.problem.params["high"] == Decimal("1000.00")


def test_nonbillable_code_offers_its_billable_children():
    upto = next(i for i, (q, _) in enumerate(COMMERCIAL) if q == "diagnosis")
    state, _ = drive(COMMERCIAL, until=COMMERCIAL[upto][0])
    state, prompt = step(state, typed("M54.5"), CLINICS)
    assert prompt.question_id == "diagnosis_child"
    assert [o.value for o in prompt.options] == ["M54.50", "M54.51", "M54.59"]
    state, prompt = step(state, typed("3"), CLINICS)
    assert state.answers["diagnosis_child"] == "M54.59"


def test_help_explains_and_keeps_the_question():
    state, prompt = drive(COMMERCIAL, until=COMMERCIAL[9][0])
    state, prompt = step(state, HELP, CLINICS)
    assert prompt.question_id == "deductible" and prompt.help


@pytest.mark.parametrize(("reply", "purpose"), [(pick("yes"), "medical"),
                                                (typed("no"), "relaxation")])
def test_unknown_on_the_first_question_asks_a_simpler_one_once(reply, purpose):
    state, prompt = step(None, Answer(kind="start"), CLINICS)
    state, prompt = step(state, UNKNOWN, CLINICS)
    assert prompt.question_id == "purpose_check" and "purpose" not in state.answers
    assert prompt.message == "Did a doctor prescribe it, or is it for pain or an injury?"
    assert [o.value for o in prompt.options] == ["yes", "no"] and prompt.allow_back
    state, prompt = step(state, reply, CLINICS)
    # Nobody is asked who pays for relaxation (no insurer does): the clinic's price comes next.
    assert state.answers["purpose"] == purpose
    assert prompt.question_id == ("payer" if purpose == "medical" else "cash")
    assert state.history == ["purpose"]  # the record shows the reason, not the clarifier


def test_unknown_twice_on_the_first_question_assumes_medical_and_says_so():
    state, _ = step(None, Answer(kind="start"), CLINICS)
    state, _ = step(state, UNKNOWN, CLINICS)
    state, prompt = step(state, typed("no sé"), CLINICS, "es")
    assert state.answers["purpose"] == "medical" and prompt.question_id == "payer"
    assert "safer assumption" in prompt.note.message


def test_back_from_the_simpler_question_returns_to_the_first():
    state, _ = step(None, Answer(kind="start"), CLINICS)
    state, _ = step(state, UNKNOWN, CLINICS)
    state, prompt = step(state, BACK, CLINICS)
    assert prompt.question_id == "purpose" and prompt.problem is None


def test_unknown_on_who_pays_explains_once_then_goes_on_with_the_most_common_case():
    state, _ = drive(COMMERCIAL, until=COMMERCIAL[1][0])
    state, prompt = step(state, UNKNOWN, CLINICS)
    assert prompt.question_id == "payer" and prompt.help and prompt.note
    assert "payer" not in state.answers
    state, prompt = step(state, typed("I don't know"), CLINICS)
    assert state.answers["payer"] == "commercial"
    assert "most common case" in prompt.note.message
    assert prompt.question_id == "network"


@pytest.mark.parametrize("question", ["network", "deductible", "diagnosis"])
def test_two_refusals_in_a_row_offer_to_skip_the_question(question):
    upto = next(i for i, (q, _) in enumerate(COMMERCIAL) if q == question)
    state, prompt = drive(COMMERCIAL, until=COMMERCIAL[upto][0])
    for _ in range(2):
        assert "_skip" not in [o.value for o in prompt.options]
        state, prompt = step(state, typed("§§§"), CLINICS)
        assert prompt.question_id == question and prompt.problem is not None
    assert prompt.options[-1].value == "_skip" and prompt.note is not None
    state, prompt = step(state, pick("_skip"), CLINICS)
    assert state.answers[question] is None and prompt.question_id != question


@pytest.mark.parametrize("question", ["network", "deductible", "diagnosis"])
def test_a_third_refusal_goes_on_with_the_question_unknown(question):
    upto = next(i for i, (q, _) in enumerate(COMMERCIAL) if q == question)
    state, prompt = drive(COMMERCIAL, until=COMMERCIAL[upto][0])
    for _ in range(3):
        assert prompt.question_id == question
        state, prompt = step(state, typed("§§§"), CLINICS)
    assert state.answers[question] is None and prompt.question_id != question
    assert prompt.note is not None and "left that question" in prompt.note.message


def test_refusals_are_counted_per_question():
    state, prompt = drive(COMMERCIAL, until=COMMERCIAL[2][0])
    for _ in range(2):
        state, prompt = step(state, typed("maybe"), CLINICS)
    state, prompt = step(state, pick("in"), CLINICS)
    assert state.asking.refusals == 0
    state, prompt = step(state, typed("maybe"), CLINICS)
    assert prompt.question_id == "provider" and "_skip" not in [o.value for o in prompt.options]


def test_a_state_stored_before_refusals_were_counted_still_loads():
    state, _ = drive(COMMERCIAL, until="provider")
    stored = state.model_dump(mode="json")
    del stored["asking"], stored["narrowing"]
    restored = InterviewState.model_validate(stored)
    assert restored.asking.refusals == 0 and restored.asking.confirming is None
    assert step(restored, pick("massage_therapist"), CLINICS)[1].question_id == "prescription"


def test_a_clinic_link_skips_what_the_clinic_knows():
    clinic = CLINICS.get("demo-clinic")
    answers = [
        ("purpose", pick("medical")), ("payer", pick("commercial")), ("insurer", pick("p0")),
        ("plan_type", pick("ppo")), ("prescription", pick("yes")),
        ("diagnosis", typed("M54.50")), ("preauth", pick("not_required")),
        ("deductible", pick("0")), ("cost_share", pick("copay")), ("copay", typed("25")),
        ("oop_max", pick("none")), ("visit_limit", pick("none")), ("sessions", pick("6")),
        ("account", pick("none")),
    ]
    state, prompt = drive(answers, clinic="demo-clinic")
    assert state.clinic == "demo-clinic"
    scenario = prompt.scenario
    assert scenario.network == "in"
    assert scenario.fees.allowed_per_unit == clinic.payers[0].allowed_per_unit
    assert scenario.fees.billed_per_unit == clinic.billed_per_unit
    assert scenario.fees.cash_per_session == clinic.cash_per_session
    assert scenario.state == clinic.state and scenario.session_minutes == clinic.session_minutes
    assert prompt.estimate.totals.patient == Decimal("150.00")  # 6 copays of $25


def test_an_unknown_clinic_slug_says_so_and_runs_the_generic_interview():
    state, prompt = step(None, Answer(kind="start", value="nope"), CLINICS)
    assert state.clinic is None and prompt.note.params == {"slug": "nope"}
    assert prompt.question_id == "purpose"


def test_change_one_answer_recomputes_and_shows_the_old_total():
    state, result = drive(COMMERCIAL)
    state, prompt = step(state, Answer(kind="change"), CLINICS)
    assert prompt.kind == "change" and "network" in [o.value for o in prompt.options]
    state, prompt = step(state, Answer(kind="change", value="network"), CLINICS)
    assert prompt.question_id == "network"
    state, prompt = step(state, pick("out"), CLINICS)
    # The estimate at once, beside the total before the change, with the out-of-network terms
    # the first run did not ask about open to narrow it down.
    assert prompt.kind == "result" and prompt.narrow
    assert prompt.previous_total == result.estimate.totals.patient
    out_of_network = {"oon_covered": pick("yes"), "oon_deductible": typed("500"),
                      "oon_deductible_met": pick("0"), "oon_coinsurance": typed("40")}
    state, prompt = drive(out_of_network.items(), state=step(state, NARROW, CLINICS))
    assert "oon_covered" in state.answers and prompt.kind == "result"
    assert prompt.estimate.totals.patient != result.estimate.totals.patient
    # In-network answers no longer apply, so they are not kept.
    assert "deductible" not in state.answers and state.previous_total is None


def test_restart_forgets_the_answers_but_keeps_the_clinic():
    state, _ = drive(COMMERCIAL, until=COMMERCIAL[4][0], clinic=None)
    state, prompt = step(state, Answer(kind="restart"), CLINICS)
    assert state.answers == {} and prompt.question_id == "purpose"


def test_state_survives_serialisation_mid_interview():
    state, _ = drive(COMMERCIAL, until=COMMERCIAL[10][0])
    restored = InterviewState.model_validate_json(state.model_dump_json())
    a = step(state, typed("200"), CLINICS)
    b = step(restored, typed("200"), CLINICS)
    assert a == b


def test_start_again_resumes_where_the_patient_was():
    state, _ = drive(COMMERCIAL, until=COMMERCIAL[5][0])
    state, prompt = step(state, Answer(kind="start"), CLINICS)
    assert prompt.question_id == "prescription" and prompt.note is not None


def test_every_question_has_a_title_message_and_help():
    ids = [q.id for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    for q in QUESTIONS:
        assert q.title and q.message and q.help
        assert len(q.id) <= 20  # it travels in Telegram callback data


def test_a_car_accident_patient_is_asked_about_the_health_plan_behind_pip():
    """Florida excludes massage from PIP: the health plan the patient also has pays instead
    (estimator v2's auto_pip_then_insurance), so the interview asks about it and its terms."""
    script = [
        ("purpose", pick("medical")), ("payer", pick("auto")), ("fallback", pick("commercial")),
        ("network", pick("in")), ("plan_type", pick("ppo")),
        ("provider", pick("massage_therapist")), ("prescription", pick("yes")),
        ("diagnosis", typed("S13.4XXA")), ("preauth", pick("not_required")),
        ("covers_mt", pick("yes")), ("deductible", pick("0")), ("cost_share", pick("copay")),
        ("copay", typed("30")), ("oop_max", pick("none")),
        ("visit_limit", pick("none")), ("state", typed("FL")), ("pip_remaining", typed("10000")),
        *FEES_AND_COURSE]
    state, prompt = drive(script)
    assert prompt.kind == "result"
    s, e = prompt.scenario, prompt.estimate
    assert s.payer == "auto" and s.fallback_payer == "commercial" and s.plan.copay == 30
    assert e.reasons[0] == "pip_excludes_massage"
    assert e.recommended.route == "auto_pip_then_insurance"
    assert e.recommended.sessions_by_payer == {"health_plan": 12}
    assert e.recommended.patient_total == 12 * 30


def test_the_account_balance_bounds_what_the_account_pays():
    script = [("purpose", pick("medical")), ("payer", pick("self_pay")),
              ("provider", pick("massage_therapist")), ("prescription", pick("yes")),
              *FEES_AND_COURSE[:-1], ("account", pick("hra")), ("account_balance", typed("300")),
              ("tax_rate", UNKNOWN)]
    state, prompt = drive(script)
    accounts = prompt.estimate.accounts
    assert accounts.kind == "hra" and accounts.amount == 300 and accounts.tax_savings is None


def test_help_on_the_estimate_explains_the_terms_it_uses_instead_of_reprinting_it():
    from bot.i18n import translator
    from bot.render import prompt_text

    state, result = drive(COMMERCIAL)
    state, prompt = step(state, HELP, CLINICS)
    assert prompt.kind == "glossary" and state.finished
    text = prompt_text(prompt, translator("en"))
    assert text.startswith("Glossary") and "Deductible:" in text and "Allowed amount:" in text
    assert "We recommend" not in text  # the estimate is not printed again
    assert "PIP / MedPay" not in text  # a term this estimate does not use


@pytest.mark.parametrize("struggle", [UNKNOWN, typed("0")], ids=["explained", "refused"])
def test_show_my_estimate_after_struggling_with_a_question_is_i_dont_know(struggle):
    """Narrowing reaches who pays (a patient who went back to the start): "I don't know" gets
    its explanation (or a reply is refused), then "Show my estimate now" is "I don't know"
    again. The estimate says what it assumed, and narrowing it down does not open with the same
    question yet again."""
    state, prompt = step(None, Answer(kind="start"), CLINICS)
    for answer in (pick("relaxation"), typed("0"), NARROW, Answer(kind="back"),
                   Answer(kind="back"), pick("medical"), struggle):
        state, prompt = step(state, answer, CLINICS)
    assert prompt.question_id == "payer" and prompt.narrowing
    state, prompt = step(state, Answer(kind="stop"), CLINICS)
    assert prompt.kind == "result"
    assert prompt.note is not None and prompt.note.message == ASSUMED_HEALTH_PLAN
    assert state.answers["payer"] == "commercial"
    _, prompt = step(state, NARROW, CLINICS)
    assert prompt.question_id != "payer"


@pytest.mark.parametrize(("reply", "stored", "next_question", "problem"), [
    ("2", {"cost_share": "coinsurance"}, "coinsurance", None),  # the option's number
    ("$30", {"cost_share": "copay", "copay": "30.00"}, None, None),  # the amount itself
    ("30", {}, "cost_share", "SHARE_UNIT"),  # 30 dollars or 30 percent? asked again
])
def test_the_cost_share_takes_an_options_number_or_the_amount_with_its_sign(
        reply, stored, next_question, problem):
    from bot.interview.reading import SHARE_UNIT

    state, prompt = drive(COMMERCIAL, until="cost_share")
    assert prompt.question_id == "cost_share"
    state, prompt = step(state, typed(reply), CLINICS)
    assert {k: state.answers[k] for k in stored} == stored
    if next_question is not None:
        assert prompt.question_id == next_question
    else:
        assert prompt.question_id != "cost_share"
    assert (prompt.problem.message if prompt.problem else None) == (
        SHARE_UNIT if problem else None)


def test_without_a_prescription_narrowing_asks_the_plans_terms():
    """No prescription: the plan is unlikely to pay now, but the estimate says what it would
    cost with one (once_fixed), and that figure turns on the plan's terms: so narrowing asks
    them (the deductible first here), not only the clinic's prices."""
    answers = [("purpose", pick("medical")), ("payer", pick("commercial")),
               ("network", pick("in")), ("provider", pick("massage_therapist")),
               ("prescription", pick("no")), *FEES_AND_COURSE]
    state, prompt = drive(answers)
    assert prompt.kind == "question" and prompt.question_id == "deductible", prompt
    assert state.narrowing is not None and prompt.estimate is None


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_a_course_length_nobody_knows_is_said_to_be_assumed(lang):
    """"I don't know" how many sessions: the estimate counts a usual course of 12, and says so
    above it (the headline's "for 12 sessions" would read as the patient's own figure)."""
    from bot.render import prompt_text

    answers = [("purpose", pick("medical")), ("payer", pick("self_pay")),
               ("sessions", Answer(kind="unknown")), ("cash", typed("$90")),
               ("minutes", pick("60")), ("price", typed("160")), ("account", pick("none")),
               ("prescription", pick("yes"))]
    _, prompt = drive(answers, lang=lang)
    assert prompt.kind == "result" and prompt.sessions_assumed == 12
    t = translator(lang)
    said = t.ngettext("We counted %(n)s session, a usual course: change the answer when you know "
                      "how many.", "We counted %(n)s sessions, a usual course: change the answer "
                      "when you know how many.", 12)
    assert said in prompt_text(prompt, t)
    known = drive([*answers[:2], ("sessions", pick("12")), *answers[3:]], lang=lang)[1]
    assert known.sessions_assumed is None and said not in prompt_text(known, t)
