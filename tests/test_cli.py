"""The `massage-bot` dispatcher and its small subcommands, run as real processes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def massage_bot(*args: str, env: dict | None = None, cwd: Path = ROOT):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=60, env={**os.environ, **(env or {})})


def test_migrate_creates_then_reports_up_to_date(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    first = massage_bot("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied: 0001_")
    again = massage_bot("migrate", env=env, cwd=tmp_path)
    assert again.stdout.strip() == "the database is up to date"


def test_migrate_with_an_unreachable_database_is_one_line(tmp_path):
    done = massage_bot("migrate", env={"DATABASE_URL": "postgresql://127.0.0.1:1/none"},
                       cwd=tmp_path)
    assert done.returncode == 2
    assert "unavailable" in done.stderr and "Traceback" not in done.stderr


def test_estimate_text_explains_in_plain_language():
    done = subprocess.run(
        [sys.executable, "-m", "bot.estimate_cli", "--text", "scenarios/example.json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Your cost for 12 sessions: $928.00" in done.stdout
    assert "This is an estimate, not a guarantee of payment" in done.stdout


def test_unknown_subcommand_is_a_usage_error():
    done = massage_bot("fly")
    assert done.returncode == 2 and "invalid choice" in done.stderr
