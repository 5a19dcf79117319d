"""The bot as users install it: a wheel (what `pip install .` builds), not the editable checkout.

Issue 12, item 8: the catalogs lived outside any package, so an installed bot spoke only English
("no catalog .../site-packages/locales/es/..."). This builds the wheel from a copy of the source
tree (without the `.mo` files the checkout compiles at run time), installs it into a fresh
virtual environment and asks `massage-bot chat --lang es|ru` for its first question.

The fresh environment is made without pip and without the system's site-packages; the wheel is
installed into it with this interpreter's pip (`pip --python`), and a `.pth` file makes this
environment's dependencies importable there. A `.pth` line only adds a folder to `sys.path`: the
`.pth` files inside that folder (the editable install's import hook) are not run, and no folder
holding the checkout's `bot` package is added, so the bot that runs is the installed wheel's
(checked below).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

# What a checkout may hold beside the sources: never part of a build.
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.py[cod]", "*.mo",
    ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", ".benchmarks", "*.sqlite3",
)
FIRST_ANSWER = "q\n"  # quit at the first question


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _dependency_folders() -> list[str]:
    """This interpreter's import folders, less those that hold the checkout's packages."""
    folders = []
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if not path.is_dir() or path == ROOT or (path / "bot" / "__init__.py").exists():
            continue
        folders.append(str(path))
    return folders


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCES)
    dist = work / "dist"
    # No build isolation: the build backend (setuptools) and Babel come from the test extras,
    # so the build needs no network.
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", str(dist), str(source)])
    (built,) = dist.glob("massage_cost_bot-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh environment's `bin` folder, with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          "--no-index", str(wheel)])
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    Path(purelib.stdout.strip(), "dependencies.pth").write_text("\n".join(_dependency_folders()))
    return venv / "bin"


def test_wheel_ships_the_compiled_catalogs(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in ("en", "es", "ru"):
        assert f"bot/locales/{lang}/LC_MESSAGES/messages.mo" in names, sorted(names)
        # Only the compiled form: a .po beside it would make the run time compare the two
        # files' dates (which an install does not keep) and try to recompile in site-packages.
        assert f"bot/locales/{lang}/LC_MESSAGES/messages.po" not in names


def test_wheel_ships_the_documents_font_with_its_license(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"):
        assert f"bot/documents/fonts/{name}" in names, sorted(names)


def test_installed_bot_draws_a_russian_pdf_with_its_own_font(installed: Path,
                                                            tmp_path: Path) -> None:
    script = (
        "import sys; from bot.documents import make_summary; import bot.documents.pdf as p; "
        "from estimator import Scenario, estimate; "
        "s = Scenario.model_validate({'payer': 'self_pay', 'fees': {'billed_per_unit': '40'}}); "
        "sys.stdout.buffer.write(make_summary(s, estimate(s), None, 'ru')); "
        "sys.stderr.write(p.__file__)")
    done = subprocess.run([str(installed / "python"), "-c", script], capture_output=True,
                          cwd=tmp_path, timeout=120, check=True)
    assert Path(done.stderr.decode().strip()).is_relative_to(installed.parent)
    assert done.stdout.startswith(b"%PDF-") and b"DejaVuSans" in done.stdout


def test_installed_bot_is_the_wheels(installed: Path, tmp_path: Path) -> None:
    where = _run([str(installed / "python"), "-c", "import bot; print(bot.__file__)"],
                 cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout


def _first_question(command: list[str], lang: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return _run([*command, "chat", "--lang", lang], input=FIRST_ANSWER, cwd=cwd)


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_installed_bot_speaks_the_language(installed: Path, tmp_path: Path, lang: str) -> None:
    wheel_bot = [str(installed / "massage-bot")]
    spoken = _first_question(wheel_bot, lang, tmp_path)
    english = _first_question(wheel_bot, "en", tmp_path)
    checkout = _first_question([sys.executable, "-m", "bot.cli"], lang, ROOT)
    assert "no catalog" not in spoken.stderr, spoken.stderr
    assert spoken.stdout != english.stdout, f"--lang {lang} printed English:\n{spoken.stdout}"
    assert spoken.stdout == checkout.stdout
    if lang == "ru":
        assert any("а" <= char <= "я" for char in spoken.stdout.lower()), spoken.stdout


def test_console_scripts_are_installed(installed: Path) -> None:
    for script in ("massage-bot", "massage-estimate"):
        assert (installed / script).exists()


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.splitlines()


def test_quick_start_is_two_commands_in_a_virtual_environment() -> None:
    first, second = _quick_start()
    # A stock Debian or Ubuntu Python refuses a bare `pip install` (PEP 668): both lines use
    # the environment the first one makes.
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install")
    assert first.endswith(".venv/bin/massage-bot chat")
    assert second.startswith(".venv/bin/pip install -e '.[test]'")
    assert second.endswith(".venv/bin/pytest")


def test_ci_runs_the_readme_test_command() -> None:
    _, second = _quick_start()
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert f"{second} || status=$?" in lines
