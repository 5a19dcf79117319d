"""The clinic page's estimate form, drawn from the interview's question catalog.

Every question that can apply for the clinic's patient (`bot.interview.forms.form_questions`) is a
field: its label is the question's message, its hint the question's help, its choices the
question's options, each in the visitor's language. Every field has "I don't know": the first
choice of a select (its default), a checkbox beside a typed box. The posted form becomes one
`Reply` per question, and `bot.interview.forms.fill` plays them through the chat's `step()`: the
same flow, the same reading of typed values ("1.200,50" in Spanish), the same messages.

Field names: `<question id>` (the select, or the typed box), `<id>-option` (a typed question's
options, such as "No deductible"), `<id>-unknown` (the checkbox), `<id>-confirm` and
`<id>-checked` (the read-back of a typed value and the text it is about), `asked` (the questions
added by earlier answers, such as the billable code under a category).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError

from bot.clinics import Clinic, ClinicDirectory
from bot.i18n import Translator
from bot.interview.facts import Facts
from bot.interview.forms import Outcome, Reply, fill, form_questions, health_plan_questions
from bot.interview.model import Answer, Option, Prompt
from bot.interview.questions import BY_ID, QUESTIONS, Question
from bot.interview.reading import options_for
from bot.render import ACTIONS, option_label, problem_text
from estimator.cases import describe

__all__ = ["MAX_FIELD_LENGTH", "FormField", "fields", "fill_form", "problem_text", "replies",
           "shown"]

MAX_FIELD_LENGTH = 200
INPUT_MODES = {"amount": "decimal", "percent": "decimal", "count": "numeric"}


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "")[:MAX_FIELD_LENGTH]


def shown(form: Mapping[str, str], clinic: Clinic, asked: list[str]) -> set[str]:
    """The question ids the posted form showed: the clinic's, and those added before."""
    return {q.id for q in form_questions(clinic)} | {q for q in asked if q in BY_ID}


def _reply(question: Question, form: Mapping[str, str]) -> Reply:
    raw = _text(form, question.id).strip()
    confirm = None
    checked = form.get(f"{question.id}-checked")
    if checked is not None and checked.strip() == raw:
        confirm = _text(form, f"{question.id}-confirm").strip() or None
    if question.kind == "choice":
        return Reply(Answer(kind="choice", value=raw) if raw else None, confirm)
    if form.get(f"{question.id}-unknown"):
        return Reply(None)
    option = _text(form, f"{question.id}-option").strip()
    if option:
        return Reply(Answer(kind="choice", value=option), confirm)
    return Reply(Answer(kind="text", value=raw) if raw else None, confirm)


def replies(form: Mapping[str, str]) -> dict[str, Reply]:
    """One reply per question of the catalog, from the posted form (None: "I don't know")."""
    return {q.id: _reply(q, form) for q in QUESTIONS}


@dataclass
class Choice:
    value: str
    label: str
    selected: bool = False


@dataclass
class FormField:
    """One question as the template draws it; every text in the visitor's language."""

    name: str
    kind: str  # "select" or "text"
    label: str
    help: str
    value: str = ""
    choices: list[Choice] = field(default_factory=list)  # a select's, or a typed box's options
    unknown: bool = False  # a typed box's "I don't know" is ticked
    inputmode: str | None = None
    error: str | None = None
    check: str | None = None  # the read-back of a typed value ("Is that right?")
    check_choices: list[Choice] = field(default_factory=list)
    extra: bool = False  # asked because of another answer (posted back in `asked`)
    added: bool = False  # ... and new in this pass: pointed out
    confirmed: tuple[str, str] | None = None  # a read-back answered: (its text, the pick)
    plan: bool = False  # in the "Your health plan" group
    after_plan: bool = False  # after that group (the catalog asks it after every plan question)
    focus: bool = False

    @property
    def ident(self) -> str:
        return f"f-{self.name}"

    @property
    def described_by(self) -> str | None:
        parts = [f"{self.ident}-hint"] if self.help else []
        if self.error:
            parts.append(f"{self.ident}-error")
        if self.check:
            parts.append(f"{self.ident}-check")
        return " ".join(parts) or None


def _options(question: Question, prompt: Prompt | None, clinic: Clinic) -> list[Option]:
    """The options as the chat shows them (the clinic's insurers, the codes under a category)."""
    if prompt is not None:
        return list(prompt.options)
    return options_for(question, Facts({}, clinic))


def fields(
    clinic: Clinic,
    t: Translator,
    form: Mapping[str, str] | None = None,
    outcome: Outcome | None = None,
) -> list[FormField]:
    """The form's fields in the catalog's order, holding what was posted (`form`) and what the
    interview said about it (`outcome`)."""
    form = form or {}
    base = {q.id for q in form_questions(clinic)}
    extra = set()
    if outcome is not None:
        extra = {q for q in outcome.asked if q not in base}
    plan = health_plan_questions(clinic)
    unknown = t.gettext(ACTIONS["unknown"])
    result: list[FormField] = []
    for question in QUESTIONS:
        if question.id not in base and question.id not in extra:
            continue
        prompt = outcome.prompts.get(question.id) if outcome is not None else None
        options = _options(question, prompt, clinic)
        message = prompt.message if prompt is not None and prompt.message else question.message
        params = prompt.params if prompt is not None else {}
        raw = _text(form, question.id)
        item = FormField(
            name=question.id,
            kind="select" if question.kind == "choice" else "text",
            label=t.gettext(message, **params),
            help=t.gettext(question.help),
            value=raw,
            inputmode=INPUT_MODES.get(question.kind),
            extra=question.id in extra,
            added=outcome is not None and question.id in outcome.added,
            plan=question.id in plan,
        )
        if question.kind == "choice":
            item.choices = [Choice("", unknown, not raw)] + [
                Choice(o.value, option_label(o, t), o.value == raw) for o in options]
        else:
            chosen = _text(form, f"{question.id}-option")
            item.unknown = bool(form.get(f"{question.id}-unknown"))
            if options:
                item.choices = [Choice("", "", not chosen)] + [
                    Choice(o.value, option_label(o, t), o.value == chosen) for o in options]
        if outcome is not None:
            if question.id in outcome.problems:
                item.error = problem_text(outcome.problems[question.id], t)
            check = outcome.checks.get(question.id)
            pick = _text(form, f"{question.id}-confirm").strip()
            if check is None and pick and form.get(f"{question.id}-checked") == raw:
                item.confirmed = (raw, pick)  # kept while other answers are fixed
            if check is not None and check.message:
                item.check = t.gettext(check.message, **check.params)
                item.check_choices = [Choice(o.value, option_label(o, t)) for o in check.options]
        result.append(item)
    last_plan = max((i for i, f in enumerate(result) if f.plan), default=len(result))
    for index, item in enumerate(result):
        item.after_plan = index > last_plan and not item.plan
    # In the order drawn: the questions before the plan's, the plan's, the rest.
    result.sort(key=lambda f: 2 if f.after_plan else 1 if f.plan else 0)
    first = next((f for f in result if f.error or f.check or f.added), None)
    if first is not None:
        first.focus = True
    return result




def fill_form(replies: Mapping[str, Reply], slug: str, clinics: ClinicDirectory, lang: str,
              shown: Collection[str], today: date | None = None
              ) -> tuple[Outcome | None, tuple[int, str] | None]:
    """`fill` as the clinic page runs it, in the estimate pool's processes (a whole interview
    narrowed down is dozens of estimates: too long for the event loop). Returns the outcome, or
    (errors, what is wrong) when the scenario refuses the answers: pydantic's errors do not
    cross processes."""
    try:
        return fill(replies, slug, clinics, lang, shown, today), None
    except ValidationError as exc:
        return None, (exc.error_count(), describe(exc))
