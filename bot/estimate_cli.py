"""`massage-estimate`: the estimator on the command line.

    massage-estimate SCENARIO.json        the estimate as JSON ("-" reads standard input)
    massage-estimate --text --lang es F   the plain-language explanation
    massage-estimate check FILES...       run scenario files; exit 1 when a case fails

Bad input exits 2 with a message naming the field (or the key an object names twice), never a
traceback; with `--lang es` or `--lang ru` the message is in that language (the field's JSON
path as it is in the file; the validation errors are said by bot/validation_messages.py). A
reader that leaves early (`| head`) ends the run quietly (exit 1), without a traceback.
"""

import argparse
import errno
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.i18n import N_, SUPPORTED, Translator, translator
from bot.strict_json import DuplicateKey
from bot.strict_json import loads as strict_loads
from bot.validation_messages import describe_errors
from estimator import Scenario, estimate
from estimator.cases import CaseFileError, load_cases, run_case

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2

# What the OS says when a file cannot be read, in the words of its English message.
_OS_ERRORS = {
    errno.ENOENT: N_("No such file or directory"),
    errno.EACCES: N_("Permission denied"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
}
# What Python's json module says (JSONDecodeError.msg), to be said in the user's language.
_JSON_ERRORS = frozenset(
    (
        N_("Expecting value"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Expecting ':' delimiter"),
        N_("Expecting ',' delimiter"),
        N_("Unterminated string starting at"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
        N_("Invalid \\uXXXX escape"),
        N_("Extra data"),
    )
)

Lazy = Callable[[Translator], str]  # a parameter said only once the language is known


class BadInput(Exception):
    """Input the estimator cannot use: a message id and its parameters, said in the language
    of the run (`render`); a parameter may be a function of the translator."""

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message)
        self.message, self.params = message, params

    def render(self, t: Translator) -> str:
        params = {k: v(t) if callable(v) else v for k, v in self.params.items()}
        return t.gettext(self.message, **params)

    def __str__(self) -> str:
        return self.render(translator("en"))


def _standard_input(t: Translator) -> str:
    # TRANSLATORS: where the scenario was read from, when it is not a file ("-").
    return t.gettext("standard input")


def _os_reason(exc: OSError) -> Lazy:
    def reason(t: Translator) -> str:
        if exc.errno in _OS_ERRORS:
            return t.gettext(_OS_ERRORS[exc.errno])
        return exc.strerror or str(exc)

    return reason


def _json_reason(exc: json.JSONDecodeError) -> Lazy:
    return lambda t: t.gettext(exc.msg) if exc.msg in _JSON_ERRORS else exc.msg


def _read(path: str) -> str:
    if path == "-":
        try:
            return sys.stdin.buffer.read().decode("utf-8")
        except UnicodeError:
            raise BadInput(N_("%(source)s: not UTF-8 text"), source=_standard_input) from None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            # TRANSLATORS: reason is the system's, such as "No such file or directory".
            N_("%(path)s: cannot read (%(reason)s)"), path=path, reason=_os_reason(exc)
        ) from None
    except UnicodeError:
        raise BadInput(N_("%(source)s: not UTF-8 text"), source=path) from None


def parse_scenario(text: str, source: str | Lazy) -> Scenario:
    """The scenario in the JSON `text`; BadInput names `source` (a path, or a function of the
    translator that names it) and the field at fault."""
    try:
        data = strict_loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            # TRANSLATORS: reason is what the JSON reader says, such as "Expecting value".
            N_("%(source)s, line %(line)s: not valid JSON (%(reason)s)"),
            source=source, line=exc.lineno, reason=_json_reason(exc),
        ) from None
    except DuplicateKey as exc:
        raise BadInput(
            # TRANSLATORS: key is the key as written in JSON, in double quotes.
            N_("%(source)s: the key %(key)s appears twice in one object"),
            source=source, key=exc.shown,
        ) from None
    except (RecursionError, ValueError):  # absurd nesting, or an integer of thousands of digits
        raise BadInput(
            N_("%(source)s: too deeply nested, or a number too long"), source=source
        ) from None
    if not isinstance(data, dict):
        raise BadInput(
            N_("%(source)s: expected a JSON object with the scenario's fields"), source=source
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise BadInput(
            # TRANSLATORS: problems lists "field: what is wrong" parts, separated by "; ".
            N_("%(source)s: %(problems)s"),
            source=source, problems=lambda t, exc=exc: describe_errors(exc, t),
        ) from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date written YYYY-MM-DD: {text!r}") from None


def _estimate(args: argparse.Namespace) -> int:
    source = _standard_input if args.scenario == "-" else args.scenario
    scenario = parse_scenario(_read(args.scenario), source)
    result = estimate(scenario, args.today)
    if args.text:
        from bot.render import explain

        print(explain(result, scenario, translator(args.lang)))
    else:
        print(result.model_dump_json(indent=2))
    return 0


def _check(files: list[str]) -> int:
    if not files:
        raise BadInput(N_("%(command)s: name at least one scenario file"), command="check")
    failed = total = 0
    for path in files:
        for case in load_cases(_read(path), path):
            total += 1
            result = run_case(case)
            print(f"{'PASS' if result.passed else 'FAIL'}  {path}: {result.name}")
            for line in result.differences:
                print(f"      {line}")
            failed += not result.passed
    print(f"{total - failed} passed, {failed} failed")
    return EXIT_FAILED if failed else 0


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # inside the try: a reader gone shows up here at the latest
        return code
    except BrokenPipeError:
        # The reader left early (`massage-estimate --text F | head`): that is its choice, not
        # an error to report. What is still buffered goes nowhere, so that the interpreter's
        # own flush at exit does not fail again (Python's documented recipe, see the signal
        # module's "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED


def _main(argv: list[str]) -> int:
    lang = "en"  # `check` and the errors before --lang is read are in English
    try:
        if argv[:1] == ["check"]:
            return _check(argv[1:])
        parser = argparse.ArgumentParser(
            prog="massage-estimate",
            description="Estimate what a patient pays for medical massage. "
            "'massage-estimate check FILES...' runs scenario files.",
        )
        parser.add_argument("scenario", help="scenario JSON file, or - for standard input")
        parser.add_argument("--text", action="store_true", help="plain-language explanation")
        parser.add_argument(
            "--today", type=_day, default=None, metavar="YYYY-MM-DD",
            help="date the course from this day when the scenario has no start_date "
            "(without either, the estimate has no dates)",
        )
        parser.add_argument(
            "--lang", default="en", choices=SUPPORTED,
            help="language of the explanation and of the error messages",
        )
        args = parser.parse_args(argv)
        lang = args.lang
        return _estimate(args)
    except BadInput as exc:
        print(f"massage-estimate: {exc.render(translator(lang))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CaseFileError as exc:
        print(f"massage-estimate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
