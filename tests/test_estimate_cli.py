"""`massage-estimate`, run as a real process: JSON out, scenario files, bad input exits 2."""

import json
import subprocess
import sys
from pathlib import Path

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
