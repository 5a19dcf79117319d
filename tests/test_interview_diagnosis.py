"""The diagnosis questions through the step function (issue 11, point 5): several codes in one
reply are all kept, each accepted code is confirmed with its title, refinement choices carry their
titles, an injury code's missing 7th character is explained, invalid codes are named, and states
saved when the answer was one code still load and finish."""

import pytest

from bot import render
from bot.clinics import load_clinics
from bot.i18n import translator
from bot.interview import Answer, InterviewState, diagnosis, step
from estimator import Scenario

CLINICS = load_clinics()
UNKNOWN = Answer(kind="unknown")
BACK = Answer(kind="back")
T = translator("en")

# A commercial in-network patient with a prescription; every other question "I don't know". The
# questions are answered by id, whatever order the interview asks them in.
REPLIES = {
    "purpose": "medical", "payer": "commercial", "network": "in", "plan_type": "ppo",
    "provider": "massage_therapist", "prescription": "yes",
}


def pick(value: str) -> Answer:
    return Answer(kind="choice", value=value)


def typed(text: str) -> Answer:
    return Answer(kind="text", value=text)


def until(question_id, state=None, prompt=None, lang="en"):
    """Answer whatever is asked until `question_id` is (None: until the result)."""
    if state is None:
        state, prompt = step(None, Answer(kind="start"), CLINICS, lang)
    for _ in range(60):
        if prompt.kind != "question" or prompt.question_id == question_id:
            break
        reply = REPLIES.get(prompt.question_id)
        state, prompt = step(state, pick(reply) if reply else UNKNOWN, CLINICS, lang)
    assert (prompt.question_id if prompt.kind == "question" else None) == question_id
    return state, prompt


def text(prompt, lang="en") -> str:
    return render.prompt_text(prompt, translator(lang))


def labels(prompt) -> list[str]:
    return [render.option_label(o, T) for o in prompt.options]


def finish(state, prompt) -> Scenario:
    state, prompt = until(None, state, prompt)
    assert prompt.kind == "result"
    return prompt.scenario, prompt.estimate, state


def test_a_nonbillable_code_offers_its_billable_codes_with_their_titles():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("M54.5"), CLINICS)
    assert prompt.question_id == "diagnosis_child"
    assert [o.value for o in prompt.options] == ["M54.50", "M54.51", "M54.59"]
    assert labels(prompt)[0] == "M54.50 Low back pain, unspecified"
    assert all(o.params["title"] for o in prompt.options)
    assert "M54.5 is no longer accepted on claims" in text(prompt)
    assert prompt.note is None  # nothing accepted yet: M54.5 itself is not confirmed
    state, prompt = step(state, pick("M54.59"), CLINICS)
    assert state.answers["diagnosis_child"] == "M54.59"
    assert "Got it: M54.59, Other low back pain." in text(prompt)
    scenario, estimate, _ = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.59"]


@pytest.mark.parametrize("reply", ["S13.4", "s13.4xx"])
def test_an_injury_code_without_its_seventh_character_is_explained(reply):
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed(reply), CLINICS)
    assert prompt.question_id == "diagnosis_child"
    shown = text(prompt)
    assert "no longer accepted" not in shown
    assert "S13.4 (Sprain of ligaments of cervical spine) is missing its last letter" in shown
    assert ("Injury codes need a last letter: A for the first treatment of a new injury, D for "
            "follow-up visits while it heals, S for problems that remain later.") in shown
    assert [o.value for o in prompt.options] == ["S13.4XXA", "S13.4XXD", "S13.4XXS"]
    assert labels(prompt)[0] == "S13.4XXA Sprain of ligaments of cervical spine, initial encounter"
    state, prompt = step(state, typed("1"), CLINICS)  # the number of the choice, typed
    assert "Got it: S13.4XXA, Sprain of ligaments of cervical spine, initial encounter." in text(
        prompt)
    scenario, estimate, _ = finish(state, prompt)
    assert scenario.diagnosis_codes == ["S13.4XXA"]
    assert estimate.diagnoses[0].status == "billable"


@pytest.mark.parametrize("reply", [
    "M54.50, M62.830", "M54.50 M62.830", "M54.50; m62830", "M54.50 and M62.830",
    "M54.50 y M62.830", "M54.50 и М62.830", "M54.50, M62.830, M54.50",
])
def test_several_codes_in_one_reply_are_all_kept_and_sent_to_the_estimator(reply):
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed(reply), CLINICS)
    assert prompt.problem is None
    assert state.answers["diagnosis"] == ["M54.50", "M62.830"]
    assert text(prompt).startswith(
        "Got it: M54.50, Low back pain, unspecified; M62.830, Muscle spasm of back.")
    scenario, estimate, state = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.50", "M62.830"]
    assert [d.code for d in estimate.diagnoses] == ["M54.50", "M62.830"]
    assert "Diagnosis code: M54.50 Low back pain, unspecified; M62.830 Muscle spasm of back" in (
        render.answers_summary(state, CLINICS, T))


def test_several_codes_to_refine_are_asked_one_at_a_time():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("M54.5, M62.830, S13.4"), CLINICS)
    assert prompt.question_id == "diagnosis_child" and prompt.params["code"] == "M54.5"
    assert "Got it: M62.830, Muscle spasm of back." in text(prompt)
    state, prompt = step(state, pick("M54.50"), CLINICS)
    assert prompt.question_id == "diagnosis_child" and prompt.params["code"] == "S13.4"
    assert "Got it: M54.50, Low back pain, unspecified." in text(prompt)
    assert "missing its last letter" in text(prompt)
    state, prompt = step(state, pick("S13.4XXD"), CLINICS)
    assert prompt.question_id != "diagnosis_child"
    # Back re-asks the last code refined; the same pick again goes on.
    state, prompt = step(state, BACK, CLINICS)
    assert prompt.question_id == "diagnosis_child" and prompt.params["code"] == "S13.4"
    state, prompt = step(state, pick("S13.4XXA"), CLINICS)
    scenario, _, state = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.50", "M62.830", "S13.4XXA"]
    summary = render.answers_summary(state, CLINICS, T)
    assert ("Billable code: S13.4XXA Sprain of ligaments of cervical spine, initial encounter"
            in summary)


def test_i_dont_know_on_a_refinement_keeps_the_codes_as_they_are():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("M54.5 M79.1"), CLINICS)
    state, prompt = step(state, UNKNOWN, CLINICS)
    assert prompt.question_id != "diagnosis_child"
    scenario, estimate, _ = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.5", "M79.1"]
    assert "nonbillable_diagnosis" in estimate.reasons


def test_a_category_typed_with_its_billable_code_needs_no_refining():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("M54.5, M54.50 (CPT 97124)"), CLINICS)
    assert prompt.question_id != "diagnosis_child"
    assert state.answers["diagnosis"] == ["M54.50"]


def test_an_invalid_code_among_valid_ones_is_named_and_the_others_kept():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("M54.50, Q99.99X, M62.830"), CLINICS)
    assert prompt.question_id != "diagnosis"
    assert state.answers["diagnosis"] == ["M54.50", "M62.830"]
    assert prompt.problem.message == diagnosis.INVALID_ONE
    assert prompt.problem.params == {"code": "Q99.99X"}
    shown = text(prompt)
    assert "Got it: M54.50, Low back pain, unspecified; M62.830, Muscle spasm of back." in shown
    assert "Q99.99X is not an ICD-10-CM diagnosis code, so I left it out." in shown


def test_several_invalid_codes_are_all_named():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("Q99.99X; M54.50; M5499X"), CLINICS)
    assert prompt.problem.message == diagnosis.INVALID_SEVERAL
    assert prompt.problem.params == {"codes": "Q99.99X, M5499X"}


def test_a_reply_without_a_valid_code_is_asked_again():
    state, prompt = until("diagnosis")
    before = dict(state.answers)
    state, prompt = step(state, typed("Q99.99X and Q99.99Y"), CLINICS)
    assert prompt.question_id == "diagnosis" and "Q99.99X is not" in text(prompt)
    state, prompt = step(state, typed("back pain"), CLINICS)
    assert prompt.question_id == "diagnosis" and "Please type a diagnosis code" in text(prompt)
    assert state.answers == before


def test_more_codes_than_a_claim_holds_keep_the_first_twelve():
    many = "M54.50 M54.51 M54.59 M54.2 M54.6 M62.830 M62.838 M79.7 G44.209 M25.511 M25.512 " \
           "G56.00 I89.0 M79.10"
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed(many), CLINICS)
    assert len(state.answers["diagnosis"]) == diagnosis.MAX_CODES == 12
    assert prompt.problem.message == diagnosis.TOO_MANY
    scenario, _, _ = finish(state, prompt)
    assert scenario.diagnosis_codes == many.split()[:12]


@pytest.mark.parametrize(("reply", "message", "reason"), [
    ("Z73.3", diagnosis.CONFIRMED_WELLNESS, "wellness_diagnosis"),
    ("W19.XXXA", diagnosis.CONFIRMED_EXTERNAL_CAUSE, "external_cause_only"),
    ("W19.XXXA, Z73.3", diagnosis.CONFIRMED_WELLNESS, "wellness_diagnosis"),
])
def test_a_code_that_is_no_treatable_condition_is_accepted_and_explained(reply, message, reason):
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed(reply), CLINICS)
    assert prompt.question_id != "diagnosis" and prompt.note.message == message
    assert "not a condition a health plan pays to treat" in text(prompt) or (
        "does not pay for it alone" in text(prompt))
    _, estimate, _ = finish(state, prompt)
    assert reason in estimate.reasons


def test_an_external_cause_code_with_a_condition_code_is_only_confirmed():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("S13.4XXA, W19.XXXA"), CLINICS)
    assert prompt.note.message == diagnosis.CONFIRMED


def test_the_confirmation_is_a_translated_sentence_around_english_titles():
    state, prompt = until("diagnosis", lang="es")
    state, prompt = step(state, typed("M54.50"), CLINICS, "es")
    assert prompt.note.params == {"codes": "M54.50, Low back pain, unspecified"}
    assert "M54.50, Low back pain, unspecified" in text(prompt, "es")


def test_changing_the_diagnosis_after_the_result_replaces_every_code():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("M54.5, M62.830"), CLINICS)
    state, prompt = step(state, pick("M54.51"), CLINICS)
    scenario, _, state = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.51", "M62.830"]
    state, prompt = step(state, Answer(kind="change"), CLINICS)
    assert {"diagnosis", "diagnosis_child"} <= {o.value for o in prompt.options}
    state, prompt = step(state, Answer(kind="change", value="diagnosis"), CLINICS)
    assert prompt.question_id == "diagnosis"
    state, prompt = step(state, typed("G44.209 M54.2"), CLINICS)
    assert "diagnosis_child" not in state.answers
    scenario, _, state = finish(state, prompt)
    assert scenario.diagnosis_codes == ["G44.209", "M54.2"]


def test_changing_the_billable_code_re_asks_it():
    state, prompt = until("diagnosis")
    state, prompt = step(state, typed("M54.5"), CLINICS)
    state, prompt = step(state, pick("M54.50"), CLINICS)
    _, _, state = finish(state, prompt)
    state, prompt = step(state, Answer(kind="change", value="diagnosis_child"), CLINICS)
    assert prompt.question_id == "diagnosis_child" and len(prompt.options) == 3
    state, prompt = step(state, pick("M54.59"), CLINICS)
    scenario, _, _ = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.59"]


def _old_state(**answers) -> InterviewState:
    """A state as saved before several codes were kept (the diagnosis one string), via JSON."""
    state, prompt = until("diagnosis")
    data = state.model_dump(mode="json")
    data["answers"].update(answers)
    data["history"] += list(answers)
    data["current"] = "diagnosis_child" if "diagnosis_child" not in answers else "preauth"
    return InterviewState.model_validate_json(InterviewState.model_validate(data)
                                              .model_dump_json())


def test_an_old_state_with_one_billable_code_still_loads_and_finishes():
    state = _old_state(diagnosis="M54.50", diagnosis_child=None)
    del state.answers["diagnosis_child"]
    state.history.remove("diagnosis_child")
    state, prompt = step(state, Answer(kind="start"), CLINICS)  # resumed
    assert prompt.question_id == "preauth"
    assert "Diagnosis code: M54.50 Low back pain, unspecified" in render.answers_summary(
        state, CLINICS, T)
    scenario, _, _ = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.50"]


def test_an_old_state_waiting_for_a_billable_code_offers_titled_choices_and_finishes():
    state = _old_state(diagnosis="M54.5")
    state, prompt = step(state, Answer(kind="start"), CLINICS)
    assert prompt.question_id == "diagnosis_child"
    assert labels(prompt)[2] == "M54.59 Other low back pain"
    state, prompt = step(state, pick("M54.59"), CLINICS)
    scenario, _, state = finish(state, prompt)
    assert scenario.diagnosis_codes == ["M54.59"]


def test_an_old_finished_state_with_its_billable_code_still_estimates():
    state = _old_state(diagnosis="M54.5", diagnosis_child="M54.51")
    scenario, _, state = finish(state, step(state, Answer(kind="start"), CLINICS)[1])
    assert scenario.diagnosis_codes == ["M54.51"]
    assert "Billable code: M54.51 Vertebrogenic low back pain" in render.answers_summary(
        state, CLINICS, T)
