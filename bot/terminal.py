"""`massage-bot chat`: the interview in a terminal.

Choices are numbered; typed questions take the answer as text, and their options ("No
deductible") by name, so that "1" stays an amount. Everywhere: `<` goes back, `?` explains the
question, `-` means "I don't know", `q` quits; `=` shows the estimate while narrowing it down.
When standard input is not a terminal, the replies are read from it line by line and echoed, so
tests and staff can replay a conversation:

    printf '1\n3\n...' | massage-bot chat --lang es
"""

import argparse
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from bot.clinics import ClinicDirectory, ClinicFileError, load_clinics
from bot.i18n import Translator, negotiate, translator
from bot.interview import Answer, InterviewState, Prompt, step
from bot.interview.model import AnswerKind
from bot.render import action_label, answer_lines, narrow_label, option_label, prompt_text
from bot.today import clinic_today

QUIT = "q"
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


def render(prompt: Prompt, t: Translator, answers: dict[str, str] | None = None) -> str:
    """The prompt as text with its numbered choices; `answers` ("Title: answer" by question)
    label the list of answers to change, so that each shows what it holds now."""
    lines = [prompt_text(prompt, t), ""]
    if prompt.kind in ("result", "glossary") and prompt.question_id is None:
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
    extras.append("[q] " + t.gettext("Quit"))
    lines.append("   ".join(extras))
    return "\n".join(lines)


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


def chat(
    lang: str, clinics: ClinicDirectory, clinic: str | None, stdin: TextIO, stdout: TextIO
) -> InterviewState:
    t = translator(lang)
    state, prompt = step(None, Answer(kind="start", value=clinic), clinics, lang)
    stdout.write(render(prompt, t) + "\n")
    for reply in _replies(stdin, stdout, echo=not stdin.isatty()):
        answer = answer_for(prompt, reply)
        if answer is None:
            break
        state, prompt = step(state, answer, clinics, lang, clinic_today(clinics, state))
        answers = answer_lines(state, clinics, t) if prompt.kind == "change" else None
        stdout.write("\n" + render(prompt, t, answers) + "\n")
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
        chat(lang, clinics, args.clinic, sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        print()
    return 0
