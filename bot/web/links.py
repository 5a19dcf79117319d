"""A clinic's start link (`https://t.me/<bot>?start=<slug>`) and its QR code.

    massage-bot clinic-link demo-clinic                    prints the link
    massage-bot clinic-link demo-clinic --qr poster.png    also writes the QR code (.png, .svg)

The bot's username comes from Telegram (`getMe`) when TELEGRAM_BOT_TOKEN is set, else from
BOT_USERNAME (e.g. a server that runs the pages and the API without a token).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import segno

from ..clinics import ClinicFileError, load_clinics
from ..settings import Settings, SettingsError, load_settings

__all__ = ["qr_code", "qr_svg", "resolve_username", "run", "start_link"]

log = logging.getLogger(__name__)

EXIT_BAD_INPUT, EXIT_FAILED = 2, 1
QR_SUFFIXES = (".png", ".svg")


def start_link(username: str, slug: str) -> str:
    """`https://t.me/<username>?start=<slug>` (the slug is already link-safe: see clinics)."""
    return f"https://t.me/{username.removeprefix('@')}?start={slug}"


def qr_code(link: str) -> segno.QRCode:
    """The link as a QR code (medium error correction: survives a smudged print)."""
    return segno.make(link, error="m", micro=False)


def qr_svg(link: str, title: str) -> str:
    """The QR code as SVG for inclusion in an HTML page (segno escapes `title`)."""
    return qr_code(link).svg_inline(
        scale=5, border=4, dark="#111", light="#fff", title=title, svgclass="qr", lineclass=None,
        omitsize=True,
    )


async def username_from_telegram(settings: Settings) -> str:
    """The bot's username as Telegram reports it (getMe)."""
    from telegram import Bot

    bot = Bot(settings.require_token(), base_url=settings.telegram_api_base_url,
              base_file_url=settings.telegram_file_base_url)
    async with bot:
        return bot.username


async def resolve_username(settings: Settings) -> str | None:
    """getMe when there is a token (BOT_USERNAME if Telegram cannot be reached), else
    BOT_USERNAME; None when neither is available."""
    if settings.telegram_bot_token is not None:
        try:
            return await username_from_telegram(settings)
        except Exception as exc:  # network, bad token: the configured name is the fallback
            if settings.bot_username:
                log.warning("getMe failed (%s); using BOT_USERNAME", type(exc).__name__)
                return settings.bot_username
            raise
    return settings.bot_username


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"massage-bot clinic-link: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """`massage-bot clinic-link SLUG [--qr FILE] [--clinics FILE]`."""
    qr_path = Path(args.qr) if getattr(args, "qr", None) else None
    if qr_path is not None and qr_path.suffix.lower() not in QR_SUFFIXES:
        return _fail(f"--qr {qr_path}: the file name must end in .png or .svg")
    try:
        settings = load_settings()
        clinics = load_clinics(getattr(args, "clinics", None) or settings.clinics_file)
    except (SettingsError, ClinicFileError) as exc:
        return _fail(str(exc))
    clinic = clinics.get(args.slug)
    if clinic is None:
        known = ", ".join(c.slug for c in clinics.clinics) or "none"
        return _fail(f"no clinic with the slug {args.slug!r} (known: {known})")
    try:
        username = asyncio.run(resolve_username(settings))
    except Exception as exc:
        return _fail(
            f"cannot ask Telegram for the bot's username ({type(exc).__name__}: {exc}); "
            "set BOT_USERNAME to print the link without Telegram",
            EXIT_FAILED,
        )
    if not username:
        return _fail("set TELEGRAM_BOT_TOKEN or BOT_USERNAME: the link needs the bot's username")
    link = start_link(username, clinic.slug)
    print(link)
    if qr_path is not None:
        try:
            qr_code(link).save(str(qr_path), scale=10, border=4)
        except OSError as exc:
            return _fail(f"cannot write {qr_path}: {exc.strerror or exc}", EXIT_FAILED)
        print(f"QR code written to {qr_path}", file=sys.stderr)
    return 0
