"""`massage-estimate`: the estimator on the command line.

    massage-estimate SCENARIO.json        the estimate as JSON ("-" reads standard input)
    massage-estimate --text --lang es F   the plain-language explanation
    massage-estimate check FILES...       run scenario files; exit 1 when a case fails

Bad input exits 2 with a message naming the field, never a traceback.
"""

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from estimator import Scenario, estimate
from estimator.cases import CaseFileError, describe, load_cases, run_case

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2


class BadInput(Exception):
    pass


def _read(path: str) -> str:
    if path == "-":
        try:
            return sys.stdin.buffer.read().decode("utf-8")
        except UnicodeError:
            raise BadInput("standard input: not UTF-8 text") from None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None


def parse_scenario(text: str, source: str) -> Scenario:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{source}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except (RecursionError, ValueError):  # absurd nesting, or an integer of thousands of digits
        raise BadInput(f"{source}: too deeply nested, or a number too long") from None
    if not isinstance(data, dict):
        raise BadInput(f"{source}: expected a JSON object with the scenario's fields")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"{source}: {describe(exc)}") from None


def _estimate(args: argparse.Namespace) -> int:
    source = "standard input" if args.scenario == "-" else args.scenario
    scenario = parse_scenario(_read(args.scenario), source)
    result = estimate(scenario)
    if args.text:
        from bot.i18n import translator
        from bot.render import explain

        print(explain(result, scenario, translator(args.lang)))
    else:
        print(result.model_dump_json(indent=2))
    return 0


def _check(files: list[str]) -> int:
    if not files:
        raise BadInput("check: name at least one scenario file")
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
    argv = sys.argv[1:] if argv is None else argv
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
        parser.add_argument("--lang", default="en", choices=["en", "es", "ru"])
        return _estimate(parser.parse_args(argv))
    except (BadInput, CaseFileError) as exc:
        print(f"massage-estimate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
