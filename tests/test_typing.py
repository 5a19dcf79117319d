"""The estimator is a library clinics call directly: its types are checked strictly; the bot's
in mypy's default mode (issue 12)."""

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")  # the test extras install it

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_strict_passes_on_the_estimator():
    out, err, status = mypy_api.run(
        ["--strict", "--cache-dir", str(ROOT / ".mypy_cache"), str(ROOT / "estimator")])
    assert status == 0, out + err


def test_mypy_passes_on_the_bot():
    out, err, status = mypy_api.run(
        ["--cache-dir", str(ROOT / ".mypy_cache"), str(ROOT / "bot")])
    assert status == 0, out + err
