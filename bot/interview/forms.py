"""The interview as one form: every question that can apply, answered at once, read by `step()`.

A form channel (the clinic's web page) shows the questions of `form_questions(clinic)` together
and sends back one `Reply` per question. `fill` plays them through the chat's own `step()` in
the order the chat would ask them, so the flow rules (which questions apply, given the answers
before them), the reading of typed values and the messages about them are the chat's:

- a question `step()` asks gets the form's reply to it, or "I don't know" when the form has none
  (a question that does not apply is never asked, so its reply is ignored);
- a reply `step()` refuses gives the question a `Problem` (the chat's message), and the form goes
  on with "I don't know" for it, so every other reply is still checked in the same pass;
- a typed value the chat would read back first ("Is that right?", "Did you mean A or B?") waits
  in `checks` until the form sends the patient's `confirm` with it;
- a question the form did not show (a billable code under a category; the simpler question after
  "I don't know" on the first one) lands in `added`, for the form to show next time;
- at the chat's first estimate, the form's other replies narrow it down, as "Narrow it down"
  would in the chat (the questions that cannot change the estimate stay unread).

Only when none of the three is left does `Outcome.result` hold the chat's result prompt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any

from bot.clinics import Clinic, ClinicDirectory
from estimator import HEALTH_PLAN_PAYERS

from .engine import step
from .facts import OTHER_INSURER, Facts
from .model import Answer, InterviewState, Problem, Prompt
from .questions import BY_ID, QUESTIONS, Question

__all__ = ["Outcome", "Reply", "fill", "form_questions", "health_plan_questions"]

UNKNOWN = Answer(kind="unknown")
NARROW = Answer(kind="narrow")
# "Narrow it down" once from the range, once more for the details (how to pay): a bound.
MAX_NARROW = 2


@dataclass(frozen=True)
class Reply:
    """The form's reply to one question: `answer` (None: "I don't know"), and the option the
    patient picked on the read-back of that same answer, if the form showed one."""

    answer: Answer | None = None
    confirm: str | None = None


@dataclass
class Outcome:
    state: InterviewState
    result: Prompt | None = None  # the chat's result prompt, once nothing is left to settle
    problems: dict[str, Problem] = field(default_factory=dict)  # refused replies, by question
    checks: dict[str, Prompt] = field(default_factory=dict)  # read-backs waiting for a confirm
    added: dict[str, Prompt] = field(default_factory=dict)  # questions the form did not show
    notes: dict[str, list[Problem]] = field(default_factory=dict)  # what the chat said back
    asked: list[str] = field(default_factory=list)  # question ids, in the order asked
    prompts: dict[str, Prompt] = field(default_factory=dict)  # each question as first asked

    @property
    def complete(self) -> bool:
        return (self.result is not None and not self.problems and not self.checks
                and not self.added)


def _samples(clinic: Clinic | None) -> list[Facts]:
    """Answers that open every branch of the catalog: each purpose, payer, insurer choice and
    network, with a prescription unknown, costs shared both ways, an account and limits set."""
    insurers: list[str | None] = [None, OTHER_INSURER]
    if clinic is not None:
        insurers += [f"p{i}" for i in range(len(clinic.payers))]
    purposes = [o.value for o in BY_ID["purpose"].options]
    payers = [o.value for o in BY_ID["payer"].options]
    facts = []
    for purpose, payer, insurer, network, plan_type in product(
        purposes, payers, insurers, [None, "in", "out"], [None, "hdhp", "ppo"]
    ):
        answers: dict[str, Any] = {
            "purpose": purpose, "payer": payer, "insurer": insurer, "network": network,
            "plan_type": plan_type, "cost_share": "both", "account": "hsa",
            "oop_max": "1000", "visit_limit": 10, "deductible": "1000",
        }
        facts.append(Facts({k: v for k, v in answers.items() if v is not None}, clinic))
    return facts


_FORM_QUESTIONS: dict[str | None, tuple[Question, ...]] = {}


def form_questions(clinic: Clinic | None) -> tuple[Question, ...]:
    """Every question that can apply for a patient of `clinic` (whatever they answer), in the
    catalog's order. Questions asked only in reply to another answer (the billable code under a
    category, the simpler question after "I don't know") come from `fill` as `added`."""
    key = clinic.slug if clinic is not None else None
    if key not in _FORM_QUESTIONS:
        samples = _samples(clinic)
        _FORM_QUESTIONS[key] = tuple(
            q for q in QUESTIONS if any(_applies(q, facts) for facts in samples)
        )
    return _FORM_QUESTIONS[key]


_PLAN_QUESTIONS: dict[str | None, frozenset[str]] = {}


def health_plan_questions(clinic: Clinic | None) -> frozenset[str]:
    """The ids of `form_questions(clinic)` that apply only to a patient with a health plan (a
    form draws them as one group)."""
    key = clinic.slug if clinic is not None else None
    if key not in _PLAN_QUESTIONS:
        samples = _samples(clinic)
        ids = set()
        for question in form_questions(clinic):
            payers = {facts.payer for facts in samples if _applies(question, facts)}
            if question.id != "payer" and payers and payers <= set(HEALTH_PLAN_PAYERS):
                ids.add(question.id)
        _PLAN_QUESTIONS[key] = frozenset(ids)
    return _PLAN_QUESTIONS[key]


def _applies(question: Question, facts: Facts) -> bool:
    try:
        return bool(question.applies(facts))
    except (KeyError, TypeError, ValueError, IndexError):
        return False


def _pending(replies: Mapping[str, Reply], state: InterviewState) -> bool:
    """The form holds an answer the interview has not read yet."""
    return any(r.answer is not None and q not in state.answers for q, r in replies.items())


def _confirming(state: InterviewState) -> Any:
    """The typed value waiting for "Is that right?" in the chat, if any."""
    asking = getattr(state, "asking", None)
    return getattr(asking, "confirming", None)


# Questions the page leaves unknown rather than adding them: the prescription's dates, asked in
# the chat mostly to offer the reminder before it runs out (Telegram), which a page cannot send.
NOT_ADDED = frozenset({"rx_date", "rx_weeks"})
# Each question is asked at most this many times in one pass (an explanation, an assumption, a
# read-back, a refusal): a bound, so that a flow rule changed elsewhere can never loop here
# (the question is then left to the patient, its text as the problem).
MAX_ASKS = 6


def fill(
    replies: Mapping[str, Reply],
    clinic_slug: str | None,
    clinics: ClinicDirectory | None,
    lang: str,
    shown: Collection[str],
    today: date | None = None,
) -> Outcome:
    """Play the form's `replies` through `step()`; `shown` are the question ids the form showed
    (a question asked that is not among them is `added`). `today`: the channel's day, which
    lets the questions about dates be asked."""
    state, prompt = step(None, Answer(kind="start", value=clinic_slug), clinics, lang, today)
    outcome = Outcome(state=state)
    asks: Counter[str] = Counter()
    confirmed: set[str] = set()
    limit = MAX_ASKS * len(QUESTIONS)
    narrowed = 0
    while limit > 0:
        limit -= 1
        if prompt.kind == "result" and prompt.narrow and narrowed < MAX_NARROW and _pending(
                replies, state):
            # The chat's first estimate: the form's other replies narrow it down, as in the chat.
            narrowed += 1
            state, prompt = step(state, NARROW, clinics, lang, today)
            continue
        if prompt.kind != "question" or prompt.question_id is None:
            break
        qid = prompt.question_id
        reply = replies.get(qid, Reply())
        confirming = _confirming(state) is not None
        answered_check = False
        if asks[qid] >= MAX_ASKS:  # the chat keeps asking: left for the patient to answer
            outcome.problems.setdefault(
                qid, prompt.problem or Problem(message=prompt.message or "", params=prompt.params))
            break
        if confirming:
            values = {option.value for option in prompt.options}
            if reply.confirm in values and qid not in confirmed:
                confirmed.add(qid)
                answer, answered_check = Answer(kind="choice", value=reply.confirm), True
            else:
                outcome.checks[qid] = prompt
                answer = UNKNOWN
        elif asks[qid] == 0:
            if qid not in outcome.asked:
                outcome.asked.append(qid)
                outcome.prompts[qid] = prompt
            if qid not in shown:
                if qid not in NOT_ADDED:
                    outcome.added[qid] = prompt
                answer = UNKNOWN
            else:
                answer = reply.answer or UNKNOWN
        else:
            answer = UNKNOWN  # asked again (refused, explained): go on as the chat would
        asks[qid] += 1
        state, next_prompt = step(state, answer, clinics, lang, today)
        if next_prompt.kind == "question" and next_prompt.question_id == qid:
            if next_prompt.problem is not None and qid not in outcome.checks:
                outcome.problems.setdefault(qid, next_prompt.problem)
            elif answered_check and _confirming(state) is None and next_prompt.note:
                # "No" on the read-back: the chat asks to type it again.
                outcome.problems.setdefault(qid, next_prompt.note)
        elif next_prompt.note is not None:
            outcome.notes.setdefault(qid, []).append(next_prompt.note)
        prompt = next_prompt
    outcome.state = state
    if prompt.kind == "result":
        outcome.result = prompt
    return outcome
