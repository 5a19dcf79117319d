"""The Telegram commands of clinic owners and staff (bot.telegram.clinic_commands,
bot.telegram.clinic_form), as python-telegram-bot handlers: `handlers.register` adds
`COMMANDS`. Each runs through the same pipeline as the patients' updates (lease, section, rate
limit, replies after the section), in private chats only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from . import clinic_commands, clinic_figures, clinic_form
from .pipeline import Pipeline
from .turn import Turn

Work = Callable[[Pipeline, Turn, list[str]], Awaitable[None]]


def _pipeline(context: ContextTypes.DEFAULT_TYPE) -> Pipeline:
    pipeline: Pipeline = context.bot_data["pipeline"]  # handlers.PIPELINE
    return pipeline


def _command(name: str, work: Work) -> Callable[..., Any]:
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        pipeline = _pipeline(context)
        message = update.effective_message
        args = clinic_commands.arguments(message.text if message else None)
        await pipeline.run(update, context, f"command:{name}",
                           lambda turn: work(pipeline, turn, args))

    handler.__doc__ = work.__doc__
    return handler


async def _newclinic(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    """/newclinic: the clinic profile interview."""
    await clinic_form.newclinic(pipeline, turn)


async def _myclinic(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    """/myclinic [slug]: the profile, to change one field at a time."""
    await clinic_commands.myclinic(pipeline, turn, clinic_commands.first(args))


async def _pause(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    await clinic_commands.set_status(pipeline, turn, "paused")


async def _resume(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    await clinic_commands.set_status(pipeline, turn, "active")


async def _delete(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    await clinic_commands.delete(pipeline, turn)


async def _invite(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    await clinic_commands.invite(pipeline, turn)


async def _staff(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    await clinic_commands.staff(pipeline, turn, args)


async def _stats(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    await clinic_figures.stats(pipeline, turn, clinic_commands.first(args))


COMMANDS: dict[str, Callable[..., Any]] = {
    "newclinic": _command("newclinic", _newclinic),
    "myclinic": _command("myclinic", _myclinic),
    "pauseclinic": _command("pauseclinic", _pause),
    "resumeclinic": _command("resumeclinic", _resume),
    "deleteclinic": _command("deleteclinic", _delete),
    "invite": _command("invite", _invite),
    "staff": _command("staff", _staff),
    "stats": _command("stats", _stats),
}
