"""`massage-estimate`, run as a real process: JSON out, scenario files, bad input exits 2, and
its errors in the language of --lang."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.i18n import load_translator, translator
from bot.validation_messages import BUILDERS, MESSAGES, describe_errors, error_message
from estimator import Scenario
from estimator.cases import describe

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "example.json"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.estimate_cli", *args], input=stdin, capture_output=True,
        text=True, cwd=ROOT, timeout=60,
    )


def test_prints_the_estimate_as_json():
    done = run(str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["coverage"] == "likely"
    assert result["totals"]["patient"] == "928.00"
    assert result["best_route"] == "insurance"


def test_reads_standard_input():
    done = run("-", stdin=json.dumps({"payer": "self_pay", "fees": {"billed_per_unit": "40"}}))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["patient"] == "160.00"


def test_bad_values_exit_2_naming_the_field():
    bad = {"fees": {"billed_per_unit": "-1"}, "session_minutes": 5, "colour": "red"}
    done = run("-", stdin=json.dumps(bad))
    assert done.returncode == 2
    assert "fees.billed_per_unit" in done.stderr
    assert "session_minutes" in done.stderr
    assert "colour: Extra inputs are not permitted" in done.stderr
    assert "Traceback" not in done.stderr


def test_unparseable_json_and_missing_file_exit_2():
    done = run("-", stdin="{oops")
    assert done.returncode == 2 and "not valid JSON" in done.stderr
    done = run("no-such-file.json")
    assert done.returncode == 2 and "no-such-file.json: cannot read" in done.stderr


def test_check_passes_the_shipped_examples():
    files = sorted(str(p) for p in (ROOT / "scenarios" / "examples").glob("*.yaml"))
    done = run("check", *files)
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip().endswith(" passed, 0 failed")


def test_check_fails_and_shows_the_difference(tmp_path):
    case = tmp_path / "mine.yaml"
    case.write_text(
        "name: my clinic's case\n"
        "scenario: {payer: self_pay, sessions: 2, fees: {billed_per_unit: '40.00'}}\n"
        "expect: {totals: {patient: '300.00'}}\n"
    )
    done = run("check", str(case))
    assert done.returncode == 1
    assert "FAIL" in done.stdout
    assert "totals.patient: expected '300.00', got '320.00'" in done.stdout


def test_check_with_a_broken_file_exits_2(tmp_path):
    case = tmp_path / "broken.yaml"
    case.write_text("name: x\nscenario: {sessions: 0, fees: {billed_per_unit: 1}}\nexpect: {}\n")
    done = run("check", str(case))
    assert done.returncode == 2
    assert "scenario.sessions: Input should be greater than or equal to 1" in done.stderr


def test_hostile_input_exits_2_without_a_traceback(tmp_path):
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"state": "ñ"}'.encode("latin-1"))
    cases = [
        run("-", stdin="[" * 100_000),
        run("-", stdin='{"sessions": ' + "9" * 5000 + "}"),
        run(str(latin1)),
        run("-", stdin='{"fees": {"billed_per_unit": 1}, "diagnosis_codes": ["\\ud800"]}'),
        run("-", stdin='{"fees": {"billed_per_unit": 1}, "sessions": true}'),
    ]
    for done in cases:
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
    assert "not UTF-8" in cases[2].stderr
    assert "diagnosis_codes: Value error" in cases[3].stderr
    assert "sessions: Input should be a valid integer" in cases[4].stderr


# Errors in the language of --lang (bot/validation_messages.py says pydantic's errors).

FEES = {"billed_per_unit": "40.00"}
# One scenario with a fault of each kind pydantic reports, and the scenario's own checks.
BAD_SCENARIOS = [
    {"fees": {"billed_per_unit": "-1.005", "allowed_per_unit": "1e20"}, "sessions": 0,
     "colour": "red", "payer": "aetna", "prescription": "maybe", "state": "ZZ",
     "diagnosis_codes": ["M54.50", "x!"], "plan": {"oop_max": "-1", "visit_limit": 400}},
    {"fees": FEES, "sessions": 1.5, "session_minutes": 500, "state": 5,
     "diagnosis_codes": ["M54.50"] * 13, "tax_rate_pct": "abc", "lmn": [1]},
    {"fees": {"billed_per_unit": "NaN"}, "plan": "ppo", "diagnosis_codes": "M54.50"},
    {"fees": FEES, "plan": {"visit_limit": 3, "visits_used": 5, "deductible": "100",
                            "deductible_met": "200"}},
    {"fees": FEES, "fallback_payer": "none"},
    {},
]


def _errors(data: dict) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    return info.value


def _load_module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("data", BAD_SCENARIOS)
def test_english_errors_are_pydantic_s_own(data):
    """In English the message is the one `check`, the JSON API and cases.describe give."""
    exc = _errors(data)
    assert describe_errors(exc, translator("en")) == describe(exc)


def test_every_error_type_of_the_scenario_has_a_message():
    seen = {e["type"] for data in BAD_SCENARIOS for e in _errors(data).errors()}
    assert seen <= set(MESSAGES) | set(BUILDERS), seen - set(MESSAGES) - set(BUILDERS)
    # The scenario's own checks are typed (estimator/scenario.py), none a bare value_error.
    assert {"us_state", "icd10_code", "visit_limit_range", "used_over_limit",
            "fallback_payer_not_applicable"} <= seen
    assert "value_error" not in seen


# A small Spanish catalog, so that these tests do not depend on the shipped catalogs.
ES_PO = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Field required"
msgstr "Falta este campo"

msgid "Extra inputs are not permitted"
msgstr "Este campo no existe"

msgid "Input should be greater than or equal to %(ge)s"
msgstr "Debe ser mayor o igual que %(ge)s"

msgid "Input should be %(expected)s"
msgstr "Debe ser %(expected)s"

msgid "%(used)s (%(used_value)s) is more than %(limit)s (%(limit_value)s)"
msgstr "%(used)s (%(used_value)s) es mayor que %(limit)s (%(limit_value)s)"

msgid "The value is not valid"
msgstr "El valor no es válido"

msgid "Decimal input should have no more than %(n)s decimal place"
msgid_plural "Decimal input should have no more than %(n)s decimal places"
msgstr[0] "Puede tener como máximo un decimal"
msgstr[1] "Puede tener como máximo %(n)s decimales"

msgctxt "the whole scenario file"
msgid "scenario"
msgstr "escenario"
"""


@pytest.fixture(scope="module")
def es(tmp_path_factory):
    locales = tmp_path_factory.mktemp("locales")
    for lang, text in (("en", 'msgid ""\nmsgstr ""\n'), ("es", ES_PO)):
        folder = locales / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(text, encoding="utf-8")
    return load_translator("es", locales)


def test_each_error_type_has_its_template_filled_from_the_context(es):
    exc = _errors({"fees": {"billed_per_unit": "1.005"}, "sessions": 0, "colour": "red",
                   "plan_type": "gold", "network": None})
    parts = describe_errors(exc, es).split("; ")
    assert parts == [
        "plan_type: Debe ser 'ppo', 'hmo', 'epo', 'pos' o 'hdhp'",  # the values, "o" before last
        "sessions: Debe ser mayor o igual que 1",
        "fees.billed_per_unit: Puede tener como máximo 2 decimales",  # plural form of 2
        "colour: Este campo no existe",  # the path as in the file, never translated
    ]
    assert describe_errors(_errors({}), es) == "fees: Falta este campo"


def test_the_scenario_s_own_checks_are_translated_with_their_values(es):
    exc = _errors({"fees": FEES, "plan": {"visit_limit": 3, "visits_used": 5,
                                          "oop_max": "100", "oop_met": "150.50"}})
    assert describe_errors(exc, es) == (
        "escenario: plan.visits_used (5) es mayor que plan.visit_limit (3); "
        "plan.oop_met (150.50) es mayor que plan.oop_max (100)"
    )


def test_an_unknown_type_or_context_is_not_shown_in_english(es):
    unknown = {"type": "string_too_short", "loc": ("state",), "ctx": {"min_length": 1},
               "msg": "String should have at least 1 character"}
    assert error_message(unknown, es) == "El valor no es válido"
    odd = {"type": "greater_than_equal", "loc": ("sessions",), "ctx": {},
           "msg": "Input should be greater than or equal to 1"}
    assert error_message(odd, es) == "El valor no es válido"
    assert error_message(odd, translator("en")) == odd["msg"]


# The real catalogs, through the command line.

BAD = {"fees": {"billed_per_unit": "-1.005"}, "sessions": 0, "colour": "red", "payer": "aetna",
       "prescription": "maybe", "state": "ZZ"}
PATHS = ["fees.billed_per_unit", "sessions", "colour", "payer", "prescription", "state",
         "plan.visits_used", "plan.visit_limit", "massage-estimate", "no-such-file.json"]
LOCALIZED = {
    "es": [
        "massage-estimate: entrada estándar: payer: Debe ser 'commercial', 'medicare', "
        "'medicare_advantage', 'medicaid', 'workers_comp', 'auto' o 'self_pay'",
        "prescription: Debe ser true o false",
        "state: debe ser la abreviatura postal de un estado de EE. UU., como WA, NY o FL",
        "sessions: Debe ser mayor o igual que 1",
        "fees.billed_per_unit: Puede tener como máximo 2 decimales",
        "colour: Este campo no existe",
    ],
    "ru": [
        "massage-estimate: стандартный ввод: payer: Допустимое значение: 'commercial', "
        "'medicare', 'medicare_advantage', 'medicaid', 'workers_comp', 'auto' или 'self_pay'",
        "prescription: Должно быть true или false",
        "state: должен быть двухбуквенный почтовый код штата США, например WA, NY или FL",
        "sessions: Должно быть не меньше 1",
        "fees.billed_per_unit: Допускается не больше 2 знаков после точки",
        "colour: Такого поля нет",
    ],
}
OTHERS = {
    "es": ["entrada estándar: escenario: plan.visits_used (5) es mayor que plan.visit_limit (3)",
           "entrada estándar, línea 1: no es JSON válido (se esperaba el nombre de un campo "
           "entre comillas dobles)",
           "no-such-file.json: no se puede leer (no existe ese archivo ni esa carpeta)"],
    "ru": ["стандартный ввод: сценарий: plan.visits_used (5) больше, чем plan.visit_limit (3)",
           "стандартный ввод, строка 1: это не корректный JSON (ожидалось имя поля в двойных "
           "кавычках)",
           "no-such-file.json: не удаётся прочитать файл (нет такого файла или папки)"],
}


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_bad_scenario_with_lang_keeps_paths_and_lists_values_the_language_s_way(lang):
    done = run("-", "--lang", lang, stdin=json.dumps(BAD))
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    for path in ("fees.billed_per_unit: ", "sessions: ", "colour: ", "payer: ", "state: "):
        assert path in done.stderr
    assert {"es": "'auto' o 'self_pay'", "ru": "'auto' или 'self_pay'"}[lang] in done.stderr


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_bad_input_is_explained_in_the_language_of_lang(lang):
    done = run("-", "--lang", lang, stdin=json.dumps(BAD))
    assert done.returncode == 2
    for part in LOCALIZED[lang]:
        assert part in done.stderr
    stderrs = [done.stderr]
    limits = {"fees": FEES, "plan": {"visit_limit": 3, "visits_used": 5}}
    for done in (run("-", "--lang", lang, stdin=json.dumps(limits)),
                 run("-", "--lang", lang, stdin="{oops"),
                 run("no-such-file.json", "--lang", lang)):
        assert done.returncode == 2
        stderrs.append(done.stderr)
    for stderr, expected in zip(stderrs[1:], OTHERS[lang], strict=True):
        assert expected in stderr
    # No English left, once the paths (which stay as in the file) are set aside.
    language = _load_module("catalog_language")
    for stderr in stderrs:
        for path in PATHS:
            stderr = stderr.replace(path, " ")
        assert language.english_words(stderr, lang) == [], stderr


def test_english_errors_are_unchanged_with_lang_en():
    bad = json.dumps(BAD)
    assert run("-", stdin=bad).stderr == run("-", "--lang", "en", stdin=bad).stderr
    assert run("-", stdin=bad).stderr.startswith(
        "massage-estimate: standard input: payer: Input should be 'commercial'"
    )


# --- issue 12: a reader that leaves early, a key named twice --------------------------------


@pytest.mark.parametrize("args", [["--text", str(EXAMPLE)], [str(EXAMPLE)]])
def test_a_closed_pipe_ends_the_run_without_a_traceback(args):
    # `massage-estimate --text F | head`: the reader is gone before the output is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.estimate_cli", *args], stdout=write_end,
            stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 1


@pytest.mark.parametrize(
    ("text", "key"),
    [('{"lmn": true, "fees": {"billed_per_unit": "40"}, "lmn": false}', '"lmn"'),
     ('{"fees": {"billed_per_unit": "40", "billed_per_unit": "90"}}', '"billed_per_unit"')],
)
def test_a_key_named_twice_is_refused_naming_it(text, key):
    done = run("-", stdin=text)
    assert done.returncode == 2
    assert done.stderr == f"massage-estimate: standard input: the key {key} appears twice in " \
                          "one object\n"
    done = run("--lang", "es", "-", stdin=text)
    assert done.returncode == 2
    assert f"la clave {key} aparece dos veces" in done.stderr
