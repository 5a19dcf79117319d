"""The interview's step function: `step(state, answer, clinics, lang) -> (state, prompt)`.

Pure: no I/O, no clock, no Telegram. Every channel (terminal, Telegram, web) feeds the patient's
actions in as `Answer`s and draws the returned `Prompt`; stores keep the returned state.
"""

import unicodedata
from decimal import Decimal
from typing import Any

from bot.clinics import Clinic, ClinicDirectory
from bot.i18n import N_, translator
from estimator import Scenario, estimate
from estimator.scenario import US_STATES

from . import diagnosis
from .facts import OTHER_INSURER, Facts
from .model import Answer, InterviewState, Option, Problem, Prompt
from .parsing import ParseError, parse_amount, parse_count, parse_percent
from .questions import BY_ID, QUESTIONS, Question, next_question
from .scenario import build_scenario, relevant_answers

# Why a typed reply was not accepted, by the parser's error kind and the question's kind.
PROBLEMS: dict[str, str] = {
    "amount": N_("Please type an amount in dollars, for example 1200."),
    "percent": N_("Please type a percentage between 0 and 100, for example 20%."),
    "count": N_("Please type a whole number, for example 12."),
    "code": N_("Please type a diagnosis code: a letter and digits, for example M54.50."),
    "state": N_("Please type the state's two-letter code, for example NY or TX."),
    "choice": N_("Please choose one of the options."),
}
NEGATIVE = N_("The amount cannot be negative.")
TOO_MANY_DECIMALS = N_("Please use at most two decimal places (cents).")
AMBIGUOUS = N_("I'm not sure whether that means %(a)s or %(b)s: please type it without "
               "thousands separators, for example 1200.50.")
OUT_OF_RANGE = N_("Please enter a value from %(low)s to %(high)s.")
NOT_WHOLE = N_("Please type a whole number, without decimals.")
WRONG_CURRENCY = N_("Please give the amount in US dollars.")
UNKNOWN_CODE = N_("%(code)s is not an ICD-10-CM diagnosis code. Please check the prescription "
                  "and type it again, or choose \"I don't know\".")
NO_EARLIER_QUESTION = N_("This is the first question: there is nothing to go back to.")
UNKNOWN_EXPLAINED = N_("That's all right. Here is how to tell:")
UNKNOWN_CLINIC = N_("I don't know the clinic \"%(slug)s\", so I'll ask about its prices too.")
WELCOME_CLINIC = N_("Welcome! You came from %(clinic)s: I already know its prices and the "
                    "insurers it works with.")
RESUMED = N_("Welcome back! Let's continue where you left off.")
ANSWER_ON_RESULT = N_("Your estimate is ready. You can change an answer, start over or read the "
                      "glossary.")

MAX_SENTENCE = 200  # longest typed reply read at all


def _clinic(state: InterviewState, clinics: ClinicDirectory | None) -> Clinic | None:
    return clinics.get(state.clinic) if clinics is not None and state.clinic else None


def _facts(state: InterviewState, clinics: ClinicDirectory | None) -> Facts:
    return Facts(state.answers, _clinic(state, clinics))


def scenario_for(state: InterviewState, clinics: ClinicDirectory | None) -> Scenario | None:
    """The scenario of a finished interview (None while questions remain)."""
    return build_scenario(_facts(state, clinics)) if state.finished else None


# --- prompts ---------------------------------------------------------------------------------

def options_for(question: Question, facts: Facts) -> list[Option]:
    """The question's options; the insurer and billable-code questions build theirs from data."""
    if question.id == "insurer" and facts.clinic is not None:
        insurers = [Option(value=f"p{i}", label=N_("%(name)s"), params={"name": p.name})
                    for i, p in enumerate(facts.clinic.payers)]
        return [*insurers, Option(value=OTHER_INSURER, label=N_("Another insurer"))]
    if question.id == "diagnosis_child":  # the billable codes under the code refined, titled
        return diagnosis.child_options(facts.get("diagnosis"))
    return list(question.options)


def _params(question: Question, facts: Facts) -> dict[str, Any]:
    if question.id == "diagnosis_child":
        return diagnosis.child_params(facts.get("diagnosis"))
    return {}


def _message(question: Question, facts: Facts) -> str:
    if question.id == "diagnosis_child":  # an injury code's missing 7th character is explained
        return diagnosis.child_message(facts.get("diagnosis"), question.message)
    return question.message


def _ask(state: InterviewState, clinics, question: Question, **extra: Any) -> Prompt:
    facts = _facts(state, clinics)
    return Prompt(
        kind="question", question_id=question.id, question_kind=question.kind,
        message=_message(question, facts), params=_params(question, facts),
        options=options_for(question, facts), allow_unknown=True, allow_back=bool(state.history),
        step=len(state.history) + 1, **extra,
    )


def _result(state: InterviewState, clinics, **extra: Any) -> Prompt:
    scenario = build_scenario(_facts(state, clinics))
    previous = Decimal(state.previous_total) if state.previous_total else None
    return Prompt(kind="result", estimate=estimate(scenario), scenario=scenario,
                  previous_total=previous, step=len(state.history), **extra)


def _current_prompt(state: InterviewState, clinics, **extra: Any) -> Prompt:
    if state.finished or state.current is None:
        return _result(state, clinics, **extra)
    return _ask(state, clinics, BY_ID[state.current], **extra)


def _advance(state: InterviewState, clinics, **extra: Any) -> tuple[InterviewState, Prompt]:
    """Ask the next question that applies, or finish with the result."""
    facts = _facts(state, clinics)
    question = next_question(facts)
    if question is None:
        # Keep only what the estimate needs: answers made moot by a change are dropped.
        answers = relevant_answers(facts)
        history = [q for q in state.history if q in answers]
        state = state.model_copy(update={"answers": answers, "history": history, "current": None,
                                         "changing": None, "finished": True})
        prompt = _result(state, clinics, **extra)
        return state.model_copy(update={"previous_total": None}), prompt
    state = state.model_copy(update={"current": question.id, "finished": False})
    return state, _ask(state, clinics, question, **extra)


# --- reading replies -------------------------------------------------------------------------

def _choice(question: Question, facts: Facts, answer: Answer, lang: str) -> str:
    options = options_for(question, facts)
    values = {o.value for o in options}
    if answer.kind == "choice":
        if answer.value in values:
            return answer.value
        raise ParseError("choice")
    text = (answer.value or "").strip()
    if text.isdecimal() and 1 <= int(text) <= len(options):
        return options[int(text) - 1].value
    t = translator(lang)
    folded = _fold(text)
    for option in options:
        if _fold(t.gettext(option.label, **option.params)) == folded:
            return option.value
        if option.value.casefold() == folded:
            return option.value
    raise ParseError("choice")


def _fold(text: str) -> str:
    """Case and accents ignored: a patient typing "si" means "Sí"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _bound(question: Question, facts: Facts):
    high = question.high
    if question.high_from:
        other = facts.get(question.high_from)
        if isinstance(other, int) or (isinstance(other, str) and other not in ("all", "none")):
            high = type(question.high)(other) if high is not None else other
    return question.low, high


def _typed(question: Question, facts: Facts, text: str, lang: str) -> Any:
    low, high = _bound(question, facts)
    if question.kind == "amount":
        return str(parse_amount(text, lang, low=low, high=high))
    if question.kind == "percent":
        return str(parse_percent(text, lang, low=low, high=high))
    if question.kind == "count":
        return parse_count(text, lang, low=low, high=high)
    if question.kind == "state":
        code = text.strip().upper()
        if code not in US_STATES:
            raise ParseError("state")
        return code
    return diagnosis.read(text).codes  # every valid code; `diagnosis.record` names the others


def read_answer(question: Question, facts: Facts, answer: Answer, lang: str) -> Any:
    """The stored value for a reply to `question`, or ParseError saying what was wrong."""
    option_values = {o.value for o in options_for(question, facts)}
    if answer.kind == "choice" and question.kind != "choice" and answer.value in option_values:
        return _option_value(question, answer.value)
    if question.kind == "choice":
        return _choice(question, facts, answer, lang)
    text = (answer.value or "")[:MAX_SENTENCE]
    if answer.kind == "choice":
        raise ParseError(question.kind)
    return _typed(question, facts, text, lang)


def _option_value(question: Question, value: str) -> Any:
    """Options of typed questions ("No limit", "12", "Nothing yet") store what typing would."""
    if question.kind == "count" and value.isdecimal():
        return int(value)
    return value


def problem_for(error: ParseError, question: Question) -> Problem:
    details = error.details
    kind = question.kind or "choice"
    fmt = {"amount": "money", "percent": "percent"}.get(kind, "number")
    if error.kind == "negative":
        return Problem(message=NEGATIVE)
    if error.kind == "too_many_decimals":
        return Problem(message=TOO_MANY_DECIMALS)
    if error.kind == "ambiguous":
        return Problem(message=AMBIGUOUS, params={"a": details.get("thousands"),
                                                  "b": details.get("decimal"), "format": fmt})
    if error.kind == "out_of_range":
        return Problem(message=OUT_OF_RANGE, params={"low": details.get("low") or 0,
                                                     "high": details.get("high"), "format": fmt})
    if error.kind == "not_whole":
        return Problem(message=NOT_WHOLE)
    if error.kind == "wrong_currency":
        return Problem(message=WRONG_CURRENCY)
    if error.kind == "unknown_code":
        return Problem(message=UNKNOWN_CODE, params={"code": details.get("code")})
    return Problem(message=PROBLEMS[kind])


# --- the step --------------------------------------------------------------------------------

Step = tuple[InterviewState, Prompt]


def _start(state: InterviewState | None, slug: str | None, clinics) -> Step:
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
        return state, _current_prompt(state, clinics, note=Problem(message=RESUMED))
    return _advance(state or InterviewState(), clinics)


def _back(state: InterviewState, clinics) -> tuple[InterviewState, Prompt]:
    if not state.history:
        return state, _current_prompt(state, clinics, problem=Problem(message=NO_EARLIER_QUESTION))
    previous = state.history[-1]
    answers = {k: v for k, v in state.answers.items() if k != previous}
    state = state.model_copy(update={"answers": answers, "history": state.history[:-1],
                                     "current": previous, "finished": False})
    return state, _ask(state, clinics, BY_ID[previous])


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
        "previous_total": total or state.previous_total, "finished": False,
    })
    return state, _ask(state, clinics, BY_ID[question_id])


def _answer(state: InterviewState, answer: Answer, clinics, lang: str):
    if state.finished or state.current is None:
        return state, _result(state, clinics, note=Problem(message=ANSWER_ON_RESULT))
    question = BY_ID[state.current]
    facts = _facts(state, clinics)
    if answer.kind == "unknown":
        if question.unknown_explains:
            return state, _ask(state, clinics, question, help=question.help,
                               note=Problem(message=UNKNOWN_EXPLAINED))
        value = None
    else:
        try:
            value = read_answer(question, facts, answer, lang)
        except ParseError as error:
            return state, _ask(state, clinics, question, problem=problem_for(error, question))
    answers = {**state.answers, question.id: value}
    said: dict[str, Any] = {}
    if question.id in diagnosis.QUESTION_IDS:  # codes confirmed, refined one at a time
        answers, said = diagnosis.record(answers, question.id, answer.value)
    state = state.model_copy(update={"answers": answers, "history": [*state.history, question.id]})
    return _advance(state, clinics, **said)


def step(
    state: InterviewState | None,
    answer: Answer,
    clinics: ClinicDirectory | None = None,
    lang: str = "en",
) -> tuple[InterviewState, Prompt]:
    """Apply one patient action to the interview; return the new state and what to show next."""
    if answer.kind == "start" or state is None:
        return _start(state, answer.value if answer.kind == "start" else None, clinics)
    if answer.kind == "restart":
        return _advance(InterviewState(clinic=state.clinic), clinics)
    if answer.kind == "glossary":
        return state, _current_prompt(state, clinics).model_copy(update={"kind": "glossary"})
    if answer.kind == "back":
        return _back(state, clinics)
    if answer.kind == "help":
        if state.finished or state.current is None:
            return state, _current_prompt(state, clinics)
        question = BY_ID[state.current]
        return state, _ask(state, clinics, question, help=question.help)
    if answer.kind == "change":
        return _change(state, clinics, answer.value)
    return _answer(state, answer, clinics, lang)
