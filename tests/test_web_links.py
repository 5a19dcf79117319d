"""Start links and QR codes, and `massage-bot clinic-link`."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from bot.cli import main
from bot.web.links import qr_code, qr_svg, start_link
from tests.fakes import FakeTelegramAPI

TOKEN = "123456:" + "B" * 35
ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "BOT_USERNAME", "CLINICS_FILE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file


def test_the_start_link_carries_the_slug():
    assert start_link("DemoClinicBot", "demo-clinic") == "https://t.me/DemoClinicBot?start=demo-clinic"
    assert start_link("@DemoClinicBot", "a_b") == "https://t.me/DemoClinicBot?start=a_b"


def test_the_qr_code_holds_the_link():
    link = start_link("DemoClinicBot", "demo-clinic")
    code = qr_code(link)
    assert not code.is_micro
    svg = qr_svg(link, 'QR <"code">')
    assert svg.startswith("<svg") and 'class="qr"' in svg and "viewBox" in svg
    assert '<title>QR &lt;"code"&gt;</title>' in svg  # text content: quotes need no escaping


def test_clinic_link_prints_the_link_and_writes_png_and_svg(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BOT_USERNAME", "DemoClinicBot")
    assert main(["clinic-link", "demo-clinic"]) == 0
    assert capsys.readouterr().out.strip() == "https://t.me/DemoClinicBot?start=demo-clinic"
    for name in ("poster.png", "poster.svg"):
        assert main(["clinic-link", "DEMO-CLINIC", "--qr", str(tmp_path / name)]) == 0
        assert capsys.readouterr().out.strip().endswith("?start=demo-clinic")
    assert (tmp_path / "poster.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (tmp_path / "poster.svg").read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["clinic-link", "nowhere"], "no clinic with the slug 'nowhere' (known: demo-clinic"),
        (["clinic-link", "demo-clinic", "--qr", "out.gif"], "must end in .png or .svg"),
        (["clinic-link", "demo-clinic", "--clinics", "missing.yaml"], "clinic file not found"),
    ],
)
def test_clinic_link_errors_exit_2_with_a_message(monkeypatch, capsys, argv, message):
    monkeypatch.setenv("BOT_USERNAME", "DemoClinicBot")
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_clinic_link_needs_a_username_or_a_token(capsys):
    assert main(["clinic-link", "demo-clinic"]) == 2
    assert "BOT_USERNAME" in capsys.readouterr().err


async def test_clinic_link_asks_telegram_for_the_username(monkeypatch, capsys):
    async with FakeTelegramAPI(token=TOKEN, bot_username="FromGetMeBot") as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"{fake.url}/bot")
        monkeypatch.setenv("BOT_USERNAME", "ConfiguredBot")
        from bot.web.links import run

        args = argparse.Namespace(slug="demo-clinic", qr=None, clinics=None)
        assert await asyncio.to_thread(run, args) == 0
        assert fake.calls_to("getMe")
    assert capsys.readouterr().out.strip() == "https://t.me/FromGetMeBot?start=demo-clinic"
