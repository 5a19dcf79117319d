"""The interview's step function: `step(state, answer, clinics, lang) -> (state, prompt)`.

Pure: no I/O, no clock, no Telegram. Every channel (terminal, Telegram, web) feeds the patient's
actions in as `Answer`s and draws the returned `Prompt`; stores keep the returned state.

Typed replies are read the same way for every channel (`reading`): words for "I don't know",
back, restart, yes/no and option names (`words`); numbers by `parsing`; values that are
possible but unlikely read back before they are stored (`plausibility`, held in
`state.asking.confirming`). No
question is asked forever: "I don't know" on the first question brings a simpler one, on who
pays an explanation and then the most common case, and three unusable replies in a row bring
"Skip this question" (`state.asking.refusals`).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from bot.clinics import Clinic, ClinicDirectory
from bot.i18n import N_, translator
from estimator import Estimate, Scenario, estimate

from . import diagnosis, plausibility, words
from .facts import Facts
from .model import (
    Answer,
    AnswerKind,
    Asking,
    Confirmation,
    InterviewState,
    Option,
    Problem,
    Prompt,
)
from .narrowing import exact, questions_left
from .parsing import ParseError
from .questions import BY_ID, NO, QUESTIONS, YES, Question, next_question
from .reading import (
    PROBLEMS,
    ambiguous_readings,
    doubt,
    option_value,
    options_for,
    pick,
    problem_for,
    read,
    share,
)
from .scenario import build_scenario, relevant_answers

NO_EARLIER_QUESTION = N_("This is the first question: there is nothing to go back to.")
UNKNOWN_EXPLAINED = N_("That's all right. Here is how to tell:")
UNKNOWN_CLINIC = N_("I don't know the clinic \"%(slug)s\", so I'll ask about its prices too.")
WELCOME_CLINIC = N_("Welcome! You came from %(clinic)s: I already know its prices and the "
                    "insurers it works with.")
RESUMED = N_("Welcome back! Let's continue where you left off.")
ANSWER_ON_RESULT = N_("Your estimate is ready. You can narrow it down, change an answer, start "
                      "over or read the glossary.")
SO_FAR_RANGE = N_("Your estimate so far: from %(low)s to %(high)s.")
SO_FAR_EXACT = N_("Your estimate so far: %(total)s.")
# "Question 3 of about 6" is shown only for a short interview: a long count discourages.
SHOW_COUNT_UP_TO = 8

# Never a loop: after this many replies in a row that could not be used, the question offers
# "Skip this question", which stores it as unknown.
# Never more than three times in a row: after two refusals the question offers "Skip this
# question"; a third refusal leaves it unknown and goes on (issue 11: never a loop).
MAX_REFUSALS = 2
SKIP = "_skip"  # the skip option's value (no question has an option starting with "_")
SKIP_OPTION = Option(value=SKIP, label=N_("Skip this question"))
LEFT_UNKNOWN = N_("I still could not read that answer, so I left that question as \"I don't "
                  "know\". You can change it when the estimate is ready.")
SKIP_OFFERED = N_("If this one is hard to answer, you can skip it: the estimate will treat it "
                  "as unknown.")
TYPE_AGAIN = N_("All right: please type it again.")
ASSUMED_MEDICAL = N_("Then we'll treat the massage as medical, the safer assumption: only then "
                     "can insurance pay for it, and you will see the cash price too. You can "
                     "change this answer at the end.")
ASSUMED_HEALTH_PLAN = N_("Then we'll go on as if you have a health plan through a job or the "
                         "marketplace, the most common case. If that's not right, you can change "
                         "this answer at the end.")


@dataclass(frozen=True)
class Clarifier:
    """A simpler question asked when the patient does not know the answer to one the interview
    cannot go on without; its answers stand for that question's."""

    question: str  # the simpler question's id
    answers: dict[str, str]  # its answer -> the original question's answer
    assumed: str  # the original question's answer when this one is not known either
    note: str  # says what was assumed, and why


# "I don't know" on the question -> its clarifier (asked once, then on).
CLARIFIERS = {
    "purpose": Clarifier("purpose_check", {"yes": "medical", "no": "relaxation"}, "medical",
                         ASSUMED_MEDICAL),
}
CLARIFYING = {c.question: origin for origin, c in CLARIFIERS.items()}
# "I don't know" again after the explanation: go on with the most common case, said plainly.
ASSUMED_ON_UNKNOWN = {"payer": ("commercial", ASSUMED_HEALTH_PLAN)}


def _clinic(state: InterviewState, clinics: ClinicDirectory | None) -> Clinic | None:
    return clinics.get(state.clinic) if clinics is not None and state.clinic else None


def _facts(state: InterviewState, clinics: ClinicDirectory | None) -> Facts:
    today = date.fromisoformat(state.today) if state.today else None
    return Facts(state.answers, _clinic(state, clinics), today)


def scenario_for(state: InterviewState, clinics: ClinicDirectory | None) -> Scenario | None:
    """The scenario of a finished interview (None while questions remain)."""
    return build_scenario(_facts(state, clinics)) if state.finished else None


# --- prompts ---------------------------------------------------------------------------------

def _params(question: Question, facts: Facts) -> dict[str, Any]:
    if question.id == "diagnosis_child":
        return diagnosis.child_params(facts.get("diagnosis"))
    return {}


def _message(question: Question, facts: Facts) -> str:
    if question.id == "diagnosis_child":  # an injury code's missing 7th character is explained
        return diagnosis.child_message(facts.get("diagnosis"), question.message)
    return question.message


def _ask(state: InterviewState, clinics, question: Question, lang: str = "en",
         **extra: Any) -> Prompt:
    """The question (or, while a typed value waits to be confirmed, its "Is that right?")."""
    facts = _facts(state, clinics)
    if state.asking.confirming is not None:
        return _confirmation_prompt(state, facts, question, lang, **extra)
    options = options_for(question, facts)
    if state.asking.refusals >= MAX_REFUSALS:
        options = [*options, SKIP_OPTION]
        extra.setdefault("note", Problem(message=SKIP_OFFERED))
    if not state.narrowing:
        extra.setdefault("of", _count(state, facts))
    return Prompt(
        kind="question", question_id=question.id, question_kind=question.kind,
        message=_message(question, facts), params=_params(question, facts),
        options=options, allow_unknown=True,
        allow_back=bool(state.history) or question.id in CLARIFYING,
        step=len(state.history) + 1, narrowing=state.narrowing is not None, **extra,
    )


# What a typical patient answers to a typed question, to count the questions ahead.
TYPICAL: dict[str, Any] = {"code": ["M54.50"], "state": "NY", "count": 12, "amount": "100.00",
                           "percent": "20"}


def _count(state: InterviewState, facts: Facts) -> int | None:
    """About how many questions come before the first estimate (None: too many to say): those
    answered, and those a typical patient would still be asked (the first option of each)."""
    answers = dict(facts.answers)
    ahead = 0
    while (question := next_question(Facts(answers, facts.clinic, facts.today))) is not None:
        options = options_for(question, Facts(answers, facts.clinic, facts.today))
        typical = option_value(question, options[0].value) if options else TYPICAL.get(
            question.kind)
        answers[question.id] = typical
        ahead += 1
    total = len(state.history) + max(ahead, 1)
    return total if total <= SHOW_COUNT_UP_TO else None


_STYLES = {"amount": "money", "percent": "percent"}


def _formatted(style: str, value: Any, lang: str) -> str:
    t = translator(lang)
    if style == "money":
        return t.money(Decimal(value))
    if style == "percent":
        return t.percent(Decimal(value))
    return t.number(value)


def _confirmation_prompt(state: InterviewState, facts: Facts, question: Question, lang: str,
                         **extra: Any) -> Prompt:
    """"Is that right?" (Yes / No) about one value, or "Did you mean A or B?" with the readings
    as options. Values are formatted here, in the patient's language: options carry no format."""
    confirming = state.asking.confirming
    assert confirming is not None
    if len(confirming.values) == 1:
        rule = plausibility.BY_ID[confirming.rule]
        params = {name: _formatted(style, value, lang) for name, (style, value)
                  in plausibility.message_params(rule, confirming.values[0], facts).items()}
        message, options = rule.message, [YES, NO]
    else:
        style = _STYLES.get(question.kind, "number")
        shown = [_formatted(style, value, lang) for value in confirming.values]
        message = plausibility.READING_MESSAGES[confirming.rule]
        params = {"a": shown[0], "b": shown[1]}
        options = [Option(value=str(value), label=N_("%(name)s"), params={"name": text})
                   for value, text in zip(confirming.values, shown, strict=True)]
    return Prompt(
        kind="question", question_id=question.id, question_kind="choice", message=message,
        params=params, options=options, allow_unknown=True, allow_back=True,
        step=len(state.history) + 1, **extra,
    )


def _result(state: InterviewState, clinics, **extra: Any) -> Prompt:
    facts = _facts(state, clinics)
    scenario = build_scenario(facts)
    result = estimate(scenario)
    previous = Decimal(state.previous_total) if state.previous_total else None
    narrow = len(questions_left(facts, scenario, result)) or None
    assumed = scenario.sessions if facts.medical and not facts.answers.get("sessions") else None
    return Prompt(kind="result", estimate=result, scenario=scenario, previous_total=previous,
                  narrow=narrow, step=len(state.history), sessions_assumed=assumed, **extra)


def _current_prompt(state: InterviewState, clinics, lang: str = "en", **extra: Any) -> Prompt:
    if state.finished or state.current is None:
        return _result(state, clinics, **extra)
    return _ask(state, clinics, BY_ID[state.current], lang, **extra)


def _so_far(result: Estimate) -> Problem:
    """What the course may cost after the last answer: at most the recommended way's total (it
    is chosen for its worst case), at least the best case of any way to pay (cash may be
    recommended while the plan could still cost less)."""
    high = result.recommended.patient_total
    lows = [r.low if r.low is not None else r.patient_total for r in result.routes if r.available]
    low = min([*lows, result.range.low if result.range else high])
    if low == high:
        return Problem(message=SO_FAR_EXACT, params={"total": high, "format": "money"})
    return Problem(message=SO_FAR_RANGE, params={"low": low, "high": high, "format": "money"})


def _next(state: InterviewState, clinics) -> tuple[InterviewState, Question | None,
                                                  dict[str, Any]]:
    """The next question: before the first estimate, the next one it needs; while narrowing,
    the one that narrows it most, with the estimate so far and about how many are left.
    Narrowing that starts ("start") from an exact estimate goes on to the details (how to
    pay); from a range, it ends once the figure is exact."""
    facts = _facts(state, clinics)
    question = next_question(facts)
    if question is not None or not state.narrowing:
        return state, question, {}
    scenario = build_scenario(facts)
    result = estimate(scenario)
    if state.narrowing == "start":
        state = state.model_copy(update={"narrowing": "details" if exact(result) else "range"})
    left = questions_left(facts, scenario, result)
    if not left or (state.narrowing == "range" and exact(result)):
        return state, None, {}
    total = len(state.history) + len(left)
    return state, left[0], {"so_far": _so_far(result),
                            "of": total if total <= SHOW_COUNT_UP_TO else None}


def _finish(state: InterviewState, clinics, **extra: Any) -> tuple[InterviewState, Prompt]:
    """Show the estimate. Only what it needs is kept: answers made moot by a change go."""
    answers = relevant_answers(_facts(state, clinics))
    history = [q for q in state.history if q in answers]
    state = state.model_copy(update={"answers": answers, "history": history, "current": None,
                                     "changing": None, "finished": True, "narrowing": None,
                                     "asking": Asking()})
    prompt = _result(state, clinics, **extra)
    return state.model_copy(update={"previous_total": None}), prompt


def _advance(state: InterviewState, clinics, **extra: Any) -> tuple[InterviewState, Prompt]:
    """Ask the next question, or show the estimate."""
    state, question, narrowing = _next(state, clinics)
    if question is None:
        return _finish(state, clinics, **extra)
    state = state.model_copy(update={"current": question.id, "finished": False,
                                     "asking": Asking()})
    return state, _ask(state, clinics, question, **narrowing, **extra)


# --- the step --------------------------------------------------------------------------------

Step = tuple[InterviewState, Prompt]


def _start(state: InterviewState | None, slug: str | None, clinics, lang: str = "en") -> Step:
    if slug:
        known = clinics.get(slug) if clinics is not None else None
        if known is None:
            fresh = InterviewState()
            return _advance(fresh, clinics,
                            note=Problem(message=UNKNOWN_CLINIC, params={"slug": slug[:64]}))
        if state is None or state.clinic != known.slug or not state.answers:
            fresh = InterviewState(clinic=known.slug)
            return _advance(fresh, clinics,
                            note=Problem(message=WELCOME_CLINIC, params={"clinic": known.name}))
    if state is not None and state.answers:
        return state, _current_prompt(state, clinics, lang, note=Problem(message=RESUMED))
    return _advance(state or InterviewState(), clinics)


def _back(state: InterviewState, clinics, lang: str) -> tuple[InterviewState, Prompt]:
    current = BY_ID.get(state.current or "")
    if state.asking.confirming is not None and current is not None:
        # Back from "Is that right?" is the question itself again, not the one before it.
        state = state.model_copy(update={"asking": Asking()})
        return state, _ask(state, clinics, current, lang)
    if state.current in CLARIFYING:  # back from the clarifier: the question it stands for
        origin = CLARIFYING[state.current]
        state = state.model_copy(update={"current": origin, "asking": Asking()})
        return state, _ask(state, clinics, BY_ID[origin], lang)
    if not state.history:
        return state, _current_prompt(state, clinics, lang,
                                      problem=Problem(message=NO_EARLIER_QUESTION))
    previous = state.history[-1]
    answers = {k: v for k, v in state.answers.items() if k != previous}
    state = state.model_copy(update={"answers": answers, "history": state.history[:-1],
                                     "current": previous, "finished": False, "asking": Asking()})
    return state, _ask(state, clinics, BY_ID[previous], lang)


def _change(state: InterviewState, clinics, question_id: str | None) -> Step:
    facts = _facts(state, clinics)
    answered = [q for q in QUESTIONS if q.id in state.answers and q.applies(facts)]
    if question_id is None or question_id not in {q.id for q in answered}:
        options = [Option(value=q.id, label=q.title) for q in answered]
        return state, Prompt(kind="change", options=options, step=len(state.history))
    total = str(estimate(build_scenario(facts)).totals.patient) if state.finished else None
    answers = {k: v for k, v in state.answers.items() if k != question_id}
    history = [q for q in state.history if q != question_id]
    state = state.model_copy(update={
        "answers": answers, "history": history, "current": question_id, "changing": question_id,
        "previous_total": total or state.previous_total, "finished": False, "asking": Asking(),
    })
    return state, _ask(state, clinics, BY_ID[question_id])


def _answer(state: InterviewState, answer: Answer, clinics, lang: str) -> Step:
    if state.finished or state.current is None:
        return state, _result(state, clinics, note=Problem(message=ANSWER_ON_RESULT))
    question = BY_ID[state.current]
    if state.asking.confirming is not None:
        return _confirm(state, answer, clinics, lang, question)
    skipped = _is_skip(answer)
    if answer.kind == "unknown" or skipped:
        offered = skipped and state.asking.refusals >= MAX_REFUSALS
        return _dont_know(state, clinics, lang, question, insist=offered)
    facts = _facts(state, clinics)
    if question.id == "cost_share" and answer.kind == "text":
        try:
            amount = share(facts, answer.value or "", lang)
        except ParseError as error:
            return _refuse(state, clinics, lang, question, problem_for(error, BY_ID["copay"]))
        if amount is not None:
            return _store_share(state, clinics, *amount)
    try:
        value, typed = read(question, facts, answer, lang)
    except ParseError as error:
        readings = ambiguous_readings(question, facts, error)
        if readings is not None:
            return _confirming(state, clinics, lang, question, plausibility.READINGS, readings)
        return _refuse(state, clinics, lang, question, problem_for(error, question))
    unlikely = doubt(question, facts, answer.value or "", value, lang) if typed else None
    if unlikely is not None:
        return _confirming(state, clinics, lang, question, *unlikely)
    return _store(state, clinics, question, value, answer.value)


def _store(state: InterviewState, clinics, question: Question, value: Any,
           typed: str | None = None, note: Problem | None = None) -> Step:
    """Keep the answer to `question` (a clarifier's as its original question's) and go on."""
    if question.id in CLARIFYING:
        clarifier = CLARIFIERS[CLARIFYING[question.id]]
        question = BY_ID[CLARIFYING[question.id]]
        value = clarifier.answers.get(value, clarifier.assumed)
    answers = {**state.answers, question.id: value}
    said: dict[str, Any] = {}
    if question.id in diagnosis.QUESTION_IDS:  # codes confirmed, refined one at a time
        answers, said = diagnosis.record(answers, question.id, typed)
    if note is not None:
        said.setdefault("note", note)
    state = state.model_copy(update={"answers": answers, "history": [*state.history, question.id],
                                     "asking": Asking()})
    return _advance(state, clinics, **said)


def _store_share(state: InterviewState, clinics, kind: str, value: Any) -> Step:
    answers = {**state.answers, "cost_share": kind, kind: value}
    state = state.model_copy(update={"answers": answers,
                                     "history": [*state.history, "cost_share", kind],
                                     "asking": Asking()})
    return _advance(state, clinics)


def _is_skip(answer: Answer) -> bool:
    if answer.kind == "choice":
        return answer.value == SKIP
    return answer.kind == "text" and words.skip(answer.value)


def _dont_know(state: InterviewState, clinics, lang: str, question: Question,
               insist: bool, note: Problem | None = None) -> Step:
    """"I don't know" (or "Skip this question" when `insist`): stored as unknown, except where
    the interview cannot go on without the answer. Never asks the same thing forever: the first
    question gets one simpler question instead, the payer one explanation, then an assumption
    said plainly."""
    if question.id in CLARIFIERS:
        clarifier = BY_ID[CLARIFIERS[question.id].question]
        state = state.model_copy(update={"current": clarifier.id, "asking": Asking()})
        return state, _ask(state, clinics, clarifier, lang)
    if question.id in CLARIFYING:
        note = Problem(message=CLARIFIERS[CLARIFYING[question.id]].note)
        return _store(state, clinics, question, None, note=note)
    if (question.unknown_explains and not insist and not state.asking.explained
            and state.asking.refusals < MAX_REFUSALS):
        asking = Asking(refusals=state.asking.refusals + 1, explained=True)
        state = state.model_copy(update={"asking": asking})
        return state, _ask(state, clinics, question, lang, help=question.help,
                           note=Problem(message=UNKNOWN_EXPLAINED))
    if question.id in ASSUMED_ON_UNKNOWN:
        value, assumed = ASSUMED_ON_UNKNOWN[question.id]
        return _store(state, clinics, question, value, note=Problem(message=assumed))
    return _store(state, clinics, question, None, note=note)


def _stop(state: InterviewState, clinics, lang: str) -> Step:
    """"Show my estimate now". Said after the question was explained or a reply to it refused,
    it is "I don't know" to it: the question goes on as unknown (or its assumption, said
    plainly), else narrowing it down would open with the same question yet again."""
    if state.current is not None and (state.asking.explained or state.asking.refusals):
        state, prompt = _dont_know(state, clinics, lang, BY_ID[state.current], insist=True)
        if prompt.kind != "result":
            return _finish(state, clinics, note=prompt.note)
        return state, prompt
    return _finish(state, clinics)


def _refuse(state: InterviewState, clinics, lang: str, question: Question,
            problem: Problem) -> Step:
    """The reply could not be used: say why and ask again, counting (see MAX_REFUSALS); the
    third time, go on with the question left unknown."""
    if state.asking.refusals >= MAX_REFUSALS:
        return _dont_know(state, clinics, lang, question, insist=True,
                          note=Problem(message=LEFT_UNKNOWN))
    asking = state.asking.model_copy(update={"refusals": state.asking.refusals + 1})
    state = state.model_copy(update={"asking": asking})
    return state, _ask(state, clinics, question, lang, problem=problem)


# --- reading back what was typed -------------------------------------------------------------

def _confirming(state: InterviewState, clinics, lang: str, question: Question, rule: str,
                values: list[Any]) -> Step:
    """Hold the value(s) read and ask about them before anything is stored."""
    confirmation = Confirmation(rule=rule, values=values)
    state = state.model_copy(update={"asking": Asking(refusals=state.asking.refusals,
                                                      confirming=confirmation)})
    return state, _ask(state, clinics, question, lang)


def _confirm(state: InterviewState, answer: Answer, clinics, lang: str,
             question: Question) -> Step:
    """A reply to "Is that right?" / "Did you mean A or B?". Yes keeps the value, No asks the
    question again, a reading is checked like a typed value; a new value typed instead is read
    as the answer to the question."""
    confirming = state.asking.confirming
    assert confirming is not None
    facts = _facts(state, clinics)
    cleared = state.model_copy(update={"asking": Asking(refusals=state.asking.refusals)})
    if answer.kind == "unknown" or _is_skip(answer):
        return _dont_know(cleared, clinics, lang, question, insist=True)
    options = _confirmation_prompt(state, facts, question, lang).options
    try:
        picked = pick(question.id, options, answer, lang)
    except ParseError:
        if answer.kind == "text":
            return _answer(cleared, answer, clinics, lang)
        return state, _ask(state, clinics, question, lang,
                           problem=Problem(message=PROBLEMS["choice"]))
    if len(confirming.values) == 1:
        if picked == "yes":
            return _store(cleared, clinics, question, confirming.values[0])
        return cleared, _ask(cleared, clinics, question, lang, note=Problem(message=TYPE_AGAIN))
    rule = plausibility.doubt(question.id, Decimal(picked), facts)
    if rule is not None:
        return _confirming(cleared, clinics, lang, question, rule.id, [picked])
    return _store(cleared, clinics, question, picked)


def _as_action(state: InterviewState, answer: Answer, lang: str) -> Answer:
    """Typed "I don't know", "back", "restart" (in any language) as the action they name; "narrow
    it down" under an estimate, "show my estimate" while narrowing it (elsewhere they are a
    reply like any other, and one that answers nothing is asked again)."""
    if answer.kind != "text":
        return answer
    action = words.action(answer.value, lang)
    if (action == "narrow" and not state.finished) or (action == "stop" and not state.narrowing):
        return answer
    return Answer(kind=cast(AnswerKind, action)) if action else answer


def step(
    state: InterviewState | None,
    answer: Answer,
    clinics: ClinicDirectory | None = None,
    lang: str = "en",
    today: date | None = None,
) -> tuple[InterviewState, Prompt]:
    """Apply one patient action to the interview; return the new state and what to show next.
    `today` is the channel's day (the clinic's time zone, else UTC): with it, the questions
    about dates can be asked; the interview never reads the clock."""
    if state is not None and today is not None and state.today != today.isoformat():
        state = state.model_copy(update={"today": today.isoformat()})
    if answer.kind == "start" or state is None:
        return _start(state, answer.value if answer.kind == "start" else None, clinics, lang)
    answer = _as_action(state, answer, lang)
    if answer.kind == "restart":
        return _advance(InterviewState(clinic=state.clinic), clinics)
    if answer.kind == "glossary":
        prompt = _current_prompt(state, clinics, lang)
        return state, prompt.model_copy(update={"kind": "glossary"})
    if answer.kind == "back":
        return _back(state, clinics, lang)
    if answer.kind == "help":
        if state.finished or state.current is None:  # "?" on the estimate: the terms it uses
            prompt = _current_prompt(state, clinics, lang)
            return state, prompt.model_copy(update={"kind": "glossary"})
        question = BY_ID[state.current]
        return state, _ask(state, clinics, question, lang, help=question.help)
    if answer.kind == "change":
        return _change(state, clinics, answer.value)
    if answer.kind == "narrow":
        if not state.finished:
            return state, _current_prompt(state, clinics, lang)
        return _advance(state.model_copy(update={"narrowing": "start"}), clinics)
    if answer.kind == "stop":  # only while narrowing: before, the estimate needs the answers
        if state.narrowing is None:
            return state, _current_prompt(state, clinics, lang)
        return _stop(state, clinics, lang)
    return _answer(state, answer, clinics, lang)
