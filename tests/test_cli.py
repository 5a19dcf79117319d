"""The `massage-bot` dispatcher and its small subcommands, run as real processes."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

ROOT = Path(__file__).resolve().parent.parent
# A server that answers but has no such database: migrate must say so in one line, exit 1.
NO_SUCH_DB = "postgresql://127.0.0.1:5432/no_such_db_for_tests"


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
    assert done.returncode == 1  # an outage: systemd may try again
    [line] = done.stderr.splitlines()
    assert line.startswith("massage-bot migrate: the database is not available")


async def _refusal_of(url: str) -> asyncpg.PostgresError:
    """What PostgreSQL at 127.0.0.1:5432 answers to `url`; skips when nothing answers there."""
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except asyncpg.PostgresError as refused:
        return refused
    except (OSError, TimeoutError) as exc:
        pytest.skip(f"no PostgreSQL answers at 127.0.0.1:5432 ({type(exc).__name__}: {exc}); "
                    "start one (.ci/run does)")
    await conn.close()
    pytest.skip(f"{url} exists on this server: it must not, for this test")


@pytest.mark.parametrize(
    "url, refusal",
    [
        (NO_SUCH_DB, asyncpg.InvalidCatalogNameError),
        ("postgresql://no_such_role_for_tests:pw@127.0.0.1:5432/test",
         asyncpg.InvalidAuthorizationSpecificationError),
    ],
    ids=["no-such-database", "no-such-role"],
)
def test_migrate_refused_by_postgresql_is_one_line_and_exit_1(tmp_path, url, refusal):
    assert isinstance(asyncio.run(_refusal_of(url)), refusal)
    done = massage_bot("migrate", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    [line] = done.stderr.splitlines()  # no traceback
    assert line.startswith(f"massage-bot migrate: cannot use the database ({refusal.__name__}): ")
    assert "does not exist" in line and done.stdout == ""


@pytest.mark.parametrize(
    "url, says",
    [
        ("mysql://db.example.org/bot", "DATABASE_URL: must start with sqlite:///"),
        ("postgresql://bot:pa/ss@127.0.0.1:5432/bot", "DATABASE_URL cannot be read"),
        ("postgresql://bot@127.0.0.1:5432/bot?sslmode=bogus", "DATABASE_URL: `sslmode`"),
    ],
    ids=["scheme", "unencoded-password", "driver-parameter"],
)
def test_migrate_with_an_unusable_database_url_exits_2_in_one_line(tmp_path, url, says):
    done = massage_bot("migrate", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"massage-bot migrate: {says}")
    assert "pa/ss" not in line and "'pa'" not in line  # never a piece of the password


def test_migrate_on_a_file_that_is_not_a_database_exits_1_in_one_line(tmp_path):
    (tmp_path / "bot.db").write_text("not a database\n" * 100)
    done = massage_bot("migrate", env={"DATABASE_URL": "sqlite:///bot.db"}, cwd=tmp_path)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("massage-bot migrate: the database is not available")


def test_estimate_text_explains_in_plain_language():
    done = subprocess.run(
        [sys.executable, "-m", "bot.estimate_cli", "--text", "scenarios/example.json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    # The headline first: the recommended way to pay, then the course's total and per session.
    assert done.stdout.startswith("We recommend billing your health plan.\n"
                                  "Your cost for 12 sessions: $928.00. "
                                  "That is about $77.33 per session.\n")
    assert ("Good news: your health plan will likely pay for each of your 12 sessions."
            in done.stdout)
    assert "This is an estimate, not a guarantee of payment" in done.stdout


@pytest.mark.parametrize(("lang", "headline"), [
    ("es", "Le recomendamos usar su plan de salud.\n"
           "Su costo por 12 sesiones: $928.00. Es decir, unos $77.33 por sesión.\n"),
    ("ru", "Рекомендуем оплатить через медицинскую страховку.\n"
           "Ваши расходы за 12 сеансов: 928,00\xa0$. То есть около 77,33\xa0$ за сеанс.\n"),
])
def test_estimate_text_in_spanish_and_russian(lang, headline):
    done = subprocess.run(
        [sys.executable, "-m", "bot.estimate_cli", "--text", "--lang", lang,
         "scenarios/example.json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(headline)


def test_unknown_subcommand_is_a_usage_error():
    done = massage_bot("fly")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_the_operator_disables_and_enables_a_stored_clinic(tmp_path):
    from bot.store import open_store
    from bot.store.clinic_rows import ClinicRows

    url = f"sqlite:///{tmp_path / 'bot.db'}"

    async def create() -> None:
        store = open_store(url)
        await store.open()
        try:
            profile = {"slug": "sunrise", "name": "Sunrise", "state": "OR",
                       "billed_per_unit": "35.00"}
            assert await ClinicRows(store).create("sunrise", profile, owner_id=42)
        finally:
            await store.close()

    asyncio.run(create())
    env = {"DATABASE_URL": url}
    done = massage_bot("clinic", "disable", "sunrise", env=env, cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, "sunrise: disabled (version 2)")
    listed = massage_bot("clinic", "list", env=env, cwd=tmp_path).stdout.splitlines()
    assert "sunrise\towner 42\tdisabled" in listed and "demo-clinic\tfile\tactive" in listed
    history = massage_bot("clinic", "history", "sunrise", env=env, cwd=tmp_path).stdout
    assert [line.split("\t")[2:] for line in history.splitlines()] == [
        ["user 42", "active"], ["operator", "disabled"]]
    assert massage_bot("clinic", "enable", "sunrise", env=env, cwd=tmp_path).returncode == 0
    unknown = massage_bot("clinic", "disable", "nowhere", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "no stored clinic 'nowhere'" in unknown.stderr
    in_file = massage_bot("clinic", "disable", "demo-clinic", env=env, cwd=tmp_path)
    assert in_file.returncode == 2 and "change it in that file" in in_file.stderr
