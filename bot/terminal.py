"""`massage-bot chat`: the interview in a terminal.

Choices are numbered; typed questions take the answer as text, and their options ("No
deductible") by name, so that "1" stays an amount. Everywhere: `<` goes back, `?` explains the
question, `-` means "I don't know", `q` quits; `=` shows the estimate while narrowing it down.
When standard input is not a terminal, the replies are read from it line by line and echoed, so
tests and staff can replay a conversation:

    printf '1\n3\n...' | massage-bot chat --lang es

With `--out DIR`, `d` under an estimate writes its documents (bot.documents: the Good Faith
Estimate, the letter for the doctor, the summary, as apply) into DIR and prints their paths;
the Good Faith Estimate first asks the patient's name and date of birth, which are written only
into that file.
"""

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TextIO

from bot import documents
from bot.clinics import ClinicDirectory, ClinicFileError, load_clinics
from bot.i18n import N_, Translator, negotiate, translator
from bot.interview import Answer, InterviewState, Prompt, step
from bot.interview.model import AnswerKind
from bot.render import (
    action_label,
    answer_lines,
    answers_summary,
    narrow_label,
    option_label,
    prompt_text,
)
from bot.today import clinic_today

QUIT = "q"
SAVE = "d"
SAVE_LABEL = N_("Save the documents (PDF) in %(folder)s")
SHORTCUTS: dict[str, AnswerKind] = {"<": "back", "?": "help", "-": "unknown", "=": "stop"}
AFTER_RESULT: tuple[AnswerKind, ...] = ("change", "restart", "glossary")


def after_result(prompt: Prompt) -> tuple[AnswerKind, ...]:
    """The numbered actions under an estimate: narrowing it down first, when there is more to
    ask."""
    return ("narrow", *AFTER_RESULT) if prompt.narrow else AFTER_RESULT


def answer_for(prompt: Prompt, reply: str) -> Answer | None:
    """The patient's action for a typed reply to `prompt`; None means quit."""
    text = reply.strip()
    if text.lower() == QUIT:
        return None
    if text in SHORTCUTS:
        return Answer(kind=SHORTCUTS[text])
    if prompt.kind in ("result", "glossary") and text.isdecimal():
        actions = after_result(prompt)
        index = int(text) - 1
        if 0 <= index < len(actions):
            return Answer(kind=actions[index])
    if prompt.kind == "change":
        if text.isdecimal() and 1 <= int(text) <= len(prompt.options):
            return Answer(kind="change", value=prompt.options[int(text) - 1].value)
        return Answer(kind="change")
    return Answer(kind="text", value=text)


def render(prompt: Prompt, t: Translator, answers: dict[str, str] | None = None,
           out: Path | None = None) -> str:
    """The prompt as text with its numbered choices; `answers` ("Title: answer" by question)
    label the list of answers to change, so that each shows what it holds now; with `out`, an
    estimate offers to save its documents there."""
    return "\n".join([prompt_text(prompt, t), "", *_choices(prompt, t, answers, out)])


def _choices(prompt: Prompt, t: Translator, answers: dict[str, str] | None,
             out: Path | None) -> list[str]:
    """The prompt's numbered choices and its keys ([-], [?], [q]...)."""
    lines: list[str] = []
    if _is_menu(prompt):
        labels = [narrow_label(prompt, t) if kind == "narrow" else action_label(kind, t)
                  for kind in after_result(prompt)]
        lines += [f"{i}) {label}" for i, label in enumerate(labels, 1)]
    elif prompt.kind == "change":
        labels = [(answers or {}).get(o.value) or option_label(o, t) for o in prompt.options]
        lines += [f"{i}) {label}" for i, label in enumerate(labels, 1)]
    elif prompt.question_kind == "choice":
        lines += [f"{i}) {option_label(o, t)}" for i, o in enumerate(prompt.options, 1)]
    elif prompt.options:  # typed answers: the options are words to type, not numbered choices
        names = " · ".join(option_label(o, t) for o in prompt.options)
        lines.append(t.gettext("Type it, or: %(options)s", options=names))
    extras = []
    if prompt.kind == "question":
        extras.append(f"[-] {action_label('unknown', t)}")
        extras.append(f"[?] {action_label('help', t)}")
        if prompt.allow_back:
            extras.append(f"[<] {action_label('back', t)}")
        if prompt.narrowing:
            extras.append(f"[=] {action_label('stop', t)}")
    if out is not None and _has_estimate(prompt):
        extras.append(f"[{SAVE}] " + t.gettext(SAVE_LABEL, folder=str(out)))
    extras.append("[q] " + t.gettext("Quit"))
    lines.append("   ".join(extras))
    return lines


def _is_menu(prompt: Prompt) -> bool:
    """An estimate (or the glossary under it) with its numbered actions below."""
    return prompt.kind in ("result", "glossary") and prompt.question_id is None


def _replies(stream: TextIO, out: TextIO, echo: bool) -> Iterator[str]:
    while True:
        if not echo:
            out.write("> ")
            out.flush()
        line = stream.readline()
        if not line:
            return
        if echo:
            out.write(f"> {line.rstrip()}\n")
        yield line


def _has_estimate(prompt: Prompt) -> bool:
    return prompt.kind == "result" and prompt.estimate is not None and prompt.scenario is not None


def save_documents(out: Path, state: InterviewState, prompt: Prompt, clinics: ClinicDirectory,
                   t: Translator, ask: Callable[[str], str | None]) -> list[str]:
    """Write the documents that apply to the prompt's estimate into `out`; the lines to print
    (each file's path, or why a document was not made). `ask` reads a reply to a question."""
    estimate, scenario = prompt.estimate, prompt.scenario
    assert estimate is not None and scenario is not None
    clinic = clinics.get(state.clinic) if state.clinic else None
    lines: list[str] = []
    for kind in documents.applicable(estimate, scenario):
        try:
            patient = None
            if kind == "gfe":
                name = ask(t.gettext(documents.ASK_NAME))
                born = ask(t.gettext(documents.ASK_BIRTH_DATE))
                patient = documents.parse_patient(name or "", born or "", t.lang, date.today())
            data = documents.make(kind, scenario, estimate, clinic, t.lang, patient=patient,
                                  answers=answers_summary(state, clinics, t))
        except documents.DocumentError as error:
            lines.append(documents.error_text(error, t))
            continue
        out.mkdir(parents=True, exist_ok=True)
        path = out / documents.filename(kind, t.lang)
        path.write_bytes(data)
        lines.append(f"{documents.label(kind, t.lang)}: {path}")
    return lines


def chat(
    lang: str, clinics: ClinicDirectory, clinic: str | None, stdin: TextIO, stdout: TextIO,
    out: Path | None = None,
) -> InterviewState:
    t = translator(lang)
    state, prompt = step(None, Answer(kind="start", value=clinic), clinics, lang)
    stdout.write(render(prompt, t, out=out) + "\n")
    replies = _replies(stdin, stdout, echo=not stdin.isatty())

    def ask(question: str) -> str | None:
        stdout.write(question + "\n")
        return next(replies, None)

    for reply in replies:
        if out is not None and reply.strip().lower() == SAVE and _has_estimate(prompt):
            lines = save_documents(out, state, prompt, clinics, t, ask)
            stdout.write("\n".join(lines) + "\n")
            continue
        answer = answer_for(prompt, reply)
        if answer is None:
            break
        if _is_menu(prompt) and answer.kind == "text":
            # Not one of the numbered actions: say so under the menu, not the estimate again.
            choose = t.gettext("Please choose one of the options.")
            stdout.write("\n" + "\n".join([choose, *_choices(prompt, t, None, out)]) + "\n")
            continue
        state, prompt = step(state, answer, clinics, lang, clinic_today(clinics, state))
        answers = answer_lines(state, clinics, t) if prompt.kind == "change" else None
        stdout.write("\n" + render(prompt, t, answers, out) + "\n")
    return state


def run(args: argparse.Namespace) -> int:
    lang = negotiate(args.lang, os.environ.get("LANG", "").split(".")[0] or None)
    path = args.clinics or os.environ.get("CLINICS_FILE") or None
    try:
        clinics = load_clinics(path)
    except ClinicFileError as exc:
        print(f"massage-bot: {exc}", file=sys.stderr)
        return 2
    if args.clinic and clinics.get(args.clinic) is None:
        known = ", ".join(c.slug for c in clinics.clinics) or "-"
        print(f"massage-bot: no clinic '{args.clinic}' in the clinics file (known: {known})",
              file=sys.stderr)
        return 2
    try:
        chat(lang, clinics, args.clinic, sys.stdin, sys.stdout, getattr(args, "out", None))
    except KeyboardInterrupt:
        print()
    return 0
