"""Prompts and estimates as plain localized text (gettext + Babel formatting).

Channels add their own markup around it (Telegram escapes it for HTML, the terminal prints it).
Message ids are whole sentences with named placeholders; reason, route and step codes from the
estimator are worded here, never in the estimator:

    bot.render.codes      the wording of every estimator code (reasons, routes, steps, notes)
    bot.render.estimate   `explain`: the estimate as the patient reads it, in every channel
    bot.render            prompts, the glossary and the record of answers (this module)
"""

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import get_month_names

from bot.clinics import ClinicDirectory
from bot.i18n import N_, Translator
from bot.interview import diagnosis
from bot.interview.facts import Facts
from bot.interview.model import InterviewState, Option, Problem, Prompt
from bot.interview.narrowing import exact
from bot.interview.questions import BY_ID, QUESTIONS
from bot.interview.reading import options_for

from .codes import PAYER_NAMES, REASONS, ROUTES, STEPS, TOPICS
from .estimate import (
    accounts_text,
    cost_span,
    cost_text,
    coverage_text,
    explain,
    headline_text,
    price_known,
    recommendation_text,
    route_label,
    routes_text,
    session_table,
    step_text,
)

__all__ = [
    "ACTIONS", "GLOSSARY", "PAYER_NAMES", "REASONS", "ROUTES", "STEPS", "TOPICS",
    "accounts_text", "action_label", "answer_lines", "answer_text", "answers_summary",
    "cost_span", "cost_text", "coverage_text", "explain", "glossary_text", "headline_text",
    "narrow_label", "option_label", "price_known", "progress_text", "prompt_text",
    "recommendation_text",
    "route_label", "routes_text", "session_table", "step_text",
]

ACTIONS = {
    "unknown": N_("I don't know"),
    "back": N_("Back"),
    "help": N_("What does this mean?"),
    "change": N_("Change an answer"),
    "restart": N_("Start over"),
    "glossary": N_("Glossary"),
    "stop": N_("Show my estimate now"),
}

UNKNOWN_ANSWER = N_("don't know")
# Under the questions for the insurer, in a chat (the web form has every question on the page).
AFTER_THE_CALL = N_("Once your insurer has answered, choose \"Narrow it down\" to enter what "
                    "they said: the estimate gets narrower with each answer.")


def option_label(option: Option, t: Translator) -> str:
    params = dict(option.params)
    style = params.pop("format", None)
    if style == "date":
        params = {k: t.date(date.fromisoformat(str(v))) for k, v in params.items()}
    elif style == "month":
        params = {k: month_name(int(v), t) for k, v in params.items()}
    return t.gettext(option.label, **params)


def month_name(month: int, t: Translator) -> str:
    """The month's name as a label on its own ("July", "julio", "Июль")."""
    name = get_month_names("wide", context="stand-alone", locale=t.locale)[month]
    return name[:1].upper() + name[1:]


def action_label(kind: str, t: Translator) -> str:
    return t.gettext(ACTIONS[kind])


def narrow_label(prompt: Prompt, t: Translator) -> str:
    """The result's offer to narrow the estimate down (or, when no way to pay is a range, to add
    the details that change how to pay), with about how many questions it takes."""
    n = prompt.narrow or 0
    if prompt.estimate is not None and exact(prompt.estimate):
        return t.ngettext("Add details (about %(n)s question)",
                          "Add details (about %(n)s questions)", n)
    return t.ngettext("Narrow it down (about %(n)s question)",
                      "Narrow it down (about %(n)s questions)", n)


def progress_text(prompt: Prompt, t: Translator) -> str | None:
    """"Question 3 of about 6", when the prompt knows about how many there are."""
    if prompt.kind != "question" or prompt.of is None:
        return None
    return t.gettext("Question %(k)s of about %(n)s", k=prompt.step, n=max(prompt.of, prompt.step))


def _format(value: Any, style: str, t: Translator) -> str:
    if value is None:
        return ""
    if style == "money":
        return t.money(Decimal(value))
    if style == "percent":
        return t.percent(Decimal(value))
    return t.number(value)


def problem_text(problem: Problem, t: Translator) -> str:
    """A problem or note of the interview in `t`'s language, numbers formatted as the chat's
    (every channel says them the same way)."""
    params = dict(problem.params)
    style = params.pop("format", None)
    if style:
        params = {k: _format(v, style, t) for k, v in params.items()}
    return t.gettext(problem.message, **params)


def prompt_text(prompt: Prompt, t: Translator) -> str:
    """The prompt's whole text: a note, what was wrong with the last reply, the question, and its
    explanation when asked for. The result prompt is the explanation of the estimate."""
    parts: list[str] = []
    if prompt.kind == "glossary":  # under an estimate: the terms it uses, not the estimate again
        shown = (explain(prompt.estimate, prompt.scenario, t)
                 if prompt.estimate is not None and prompt.scenario is not None else None)
        return glossary_text(t, used_in=shown)
    if prompt.so_far:
        parts.append(problem_text(prompt.so_far, t))
    if prompt.note:
        parts.append(problem_text(prompt.note, t))
    if prompt.problem:
        parts.append(problem_text(prompt.problem, t))
    if prompt.kind == "change":
        parts.append(t.gettext("Which answer do you want to change?"))
    elif prompt.estimate is not None and prompt.scenario is not None:
        if prompt.sessions_assumed:
            parts.append(t.ngettext(
                "We counted %(n)s session, a usual course: change the answer when you know "
                "how many.",
                "We counted %(n)s sessions, a usual course: change the answer when you know "
                "how many.", prompt.sessions_assumed))
        parts.append(explain(prompt.estimate, prompt.scenario, t, prompt.previous_total))
        # (only under the button of that name: an exact estimate offers "Add details")
        if (prompt.narrow and not exact(prompt.estimate)
                and any(s.code == "ask_insurer" for s in prompt.estimate.next_steps)):
            parts.append(t.gettext(AFTER_THE_CALL))
    elif prompt.message:
        progress = progress_text(prompt, t)
        question = t.gettext(prompt.message, **prompt.params)
        parts.append(f"{progress}\n{question}" if progress else question)
        if prompt.help:
            parts.append(t.gettext(BY_ID[prompt.question_id].help if prompt.question_id
                                   else prompt.help))
    return "\n\n".join(parts)


GLOSSARY = (
    (N_("Deductible"), N_("What you pay each year before the plan starts to share costs.")),
    (N_("Copay"), N_("A fixed amount you pay per visit, such as $30.")),
    (N_("Coinsurance"), N_("Your percentage of the plan's price for each visit, such as 20%.")),
    (N_("Allowed amount"), N_("The price your plan recognizes for a service; your share is "
                              "computed on it, not on the clinic's full charge.")),
    (N_("Out-of-pocket maximum"), N_("The most you pay in a year for covered care; then the "
                                     "plan pays everything.")),
    (N_("In network"), N_("The clinic has a contract with your insurer and may not bill you more "
                          "than the plan's price.")),
    (N_("Balance bill"), N_("Out of network, the clinic may bill you the difference between its "
                            "charge and the allowed amount.")),
    (N_("Pre-authorization"), N_("The plan's approval of the treatment before it starts.")),
    (N_("ICD-10 code"), N_("The diagnosis code on your prescription, such as M54.50.")),
    (N_("HSA / FSA"), N_("Accounts that pay for medical care with untaxed money.")),
    (N_("Letter of Medical Necessity"), N_("A doctor's letter explaining why you need massage, "
                                           "so an HSA or FSA can pay for it.")),
    (N_("PIP / MedPay"), N_("Auto insurance that pays medical bills after a car accident.")),
    (N_("Good Faith Estimate"), N_("A written estimate of charges that clinics must give "
                                   "patients who pay themselves.")),
)


def glossary_text(t: Translator, used_in: str | None = None) -> str:
    """The glossary; with `used_in` (an estimate's text), only the terms that text uses (all of
    them if it uses none)."""
    entries = [(t.gettext(term), t.gettext(meaning)) for term, meaning in GLOSSARY]
    if used_in is not None:
        text = used_in.casefold()
        entries = [e for e in entries if e[0].casefold() in text] or entries
    lines = [f"• {term}: {meaning}" for term, meaning in entries]
    return "\n".join([t.gettext("Glossary"), *lines])


# --- the record of answers -------------------------------------------------------------------

def answer_text(question_id: str, value: Any, facts: Facts, t: Translator) -> str:
    """An answer as the patient would say it: the option's label, or the amount formatted."""
    if value is None:
        return t.gettext(UNKNOWN_ANSWER)
    question = BY_ID[question_id]
    if question_id == "diagnosis":  # each code with its title from the code set
        return diagnosis.answer_text(value, t)
    if question_id in ("start", "rx_date"):  # a day (the options depend on the day offered)
        return t.date(date.fromisoformat(str(value)))
    for option in options_for(question, facts):
        if option.value == value:
            return option_label(option, t)
    if question.kind == "amount":
        return t.money(Decimal(value))
    if question.kind == "percent":
        return t.percent(Decimal(value))
    return str(value)


def answers_summary(
    state: InterviewState, clinics: ClinicDirectory | None, t: Translator
) -> list[str]:
    """Short "Title: answer" lines for the answers given so far, in the catalog's order."""
    return list(answer_lines(state, clinics, t).values())


def answer_lines(
    state: InterviewState, clinics: ClinicDirectory | None, t: Translator
) -> dict[str, str]:
    """"Title: answer" for each question answered, by question id, in the catalog's order."""
    clinic = clinics.get(state.clinic) if clinics is not None and state.clinic else None
    facts = Facts(state.answers, clinic)
    return {q.id: f"{t.gettext(q.title)}: {answer_text(q.id, state.answers[q.id], facts, t)}"
            for q in QUESTIONS if q.id in state.answers}
