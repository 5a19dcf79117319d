"""`massage-bot polling` (bot/telegram/run.py) and `build_application`'s wiring."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from argparse import Namespace
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.settings import Settings, SettingsError
from bot.store import open_store
from bot.telegram import build_application
from bot.telegram.run import run_polling
from bot.telegram.transport import AiohttpRequest
from tests.test_telegram_support import (  # noqa: F401  (fixture)
    CLINICS,
    TOKEN,
    fake_fixture,
    interview_view,
    question_of,
)

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_VARIABLES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "CLINICS_FILE",
                      "DATABASE_URL", "STAFF_USER_IDS", "DEFAULT_LOCALE", "LOG_LEVEL")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    return monkeypatch


@pytest.mark.parametrize(
    ("variables", "fragment"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "CLINICS_FILE": "missing.yaml"}, "clinic file not found"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ],
)
def test_configuration_problems_are_one_line_and_exit_2(clean_env, capsys, variables, fragment):
    for name, value in variables.items():
        clean_env.setenv(name, value)
    assert run_polling(Namespace()) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("massage-bot: "), captured.err
    assert fragment in lines[0]
    assert "Traceback" not in captured.err and "not-a-token" not in captured.err


async def test_build_application_wiring(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN)
    app = build_application(settings, store=store, clinics=CLINICS)
    assert app.bot.base_url == f"https://api.telegram.org/bot{TOKEN}"
    assert isinstance(app.bot.rate_limiter, AIORateLimiter)  # on, for Telegram itself
    assert isinstance(app.bot.request, AiohttpRequest)
    assert app.update_processor.max_concurrent_updates > 1
    assert app.post_init is not None
    local = build_application(settings, store=store, clinics=CLINICS,
                              base_url="http://127.0.0.1:9/bot", transport="httpx")
    assert local.bot.rate_limiter is None
    assert local.bot.base_file_url == f"http://127.0.0.1:9/file/bot{TOKEN}"
    with pytest.raises(ValueError, match="transport"):
        build_application(settings, store=store, clinics=CLINICS, transport="carrier-pigeon")
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        build_application(Settings(_env_file=None), store=store, clinics=CLINICS)


def polling_env(fake, database) -> dict[str, str]:
    """The environment of a `massage-bot polling` process on `fake` and a SQLite `database`,
    without the developer's own bot settings."""
    return {
        **{k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES},
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"{fake.url}/bot",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(ROOT),
    }


async def test_polling_process_stops_cleanly_and_keeps_the_interview(fake, tmp_path):
    database = tmp_path / "bot.db"
    env = polling_env(fake, database)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "polling", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.user_sends(31, "/start")
        await fake.wait_for_bot(31, interview_view, timeout=60)
        await fake.press_button(31, lambda text, data: data == "a|purpose|medical")
        view = await fake.wait_for_bot(31, lambda m: question_of(m) == "payer")
        assert "Reason: A medical condition" in view.text
        await fake.wait_idle()
        assert set(fake.commands) == {"", "es", "ru"}  # registered at start-up
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM chats WHERE chat_id = 31").fetchone() == (1,)
