"""A clinic's owner and staff in chat: /myclinic (the profile, one field changed at a time, see
bot.telegram.clinic_form), /pauseclinic, /resumeclinic, /deleteclinic, staff invites (/invite,
`t.me/<bot>?start=staff-<token>`, once, within 24 hours) and /staff; and what a start link of a
clinic out of service says. /stats is bot.telegram.clinic_figures.

Who may do what: the owner everything; the clinic's staff see its profile and figures; the
operator's STAFF_USER_IDS see any clinic's when they name it. Nobody sees or changes a clinic
they have no part in: a slug they do not manage is answered as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot

from ..i18n import N_
from ..onboarding.fields import EDITABLE, shown
from ..store.clinic_rows import StoredClinic, slug_key
from ..web.links import start_link
from . import clinic_form, texts
from .clinic_form import ClinicChat, ClinicForm, load, rows_of, save
from .outbox import Op, Send
from .pipeline import Pipeline
from .turn import Turn

INVITE_SECONDS = 24 * 3600
INVITE_PREFIX = "staff-"

NO_CLINIC = N_("You have no clinic here yet: /newclinic sets one up.")
NOT_YOURS = N_("You do not manage a clinic called %(slug)s.")
OWNER_ONLY = N_("Only the clinic's owner can do that.")
STATUS = {
    "active": N_("taking estimates"),
    "paused": N_("paused"),
    "disabled": N_("disabled by the bot's operator"),
}
HEADER = N_("%(clinic)s: %(status)s\nLink: %(link)s")
FIELD_LINE = N_("%(number)s. %(field)s: %(value)s")
EMPTY = N_("(empty)")
OWNER_MENU = N_(
    "Send a number to change that field. /pauseclinic pauses the link, /resumeclinic resumes "
    "it, /deleteclinic deletes the clinic; /invite adds staff, /staff lists them; /stats shows "
    "the figures."
)
STAFF_MENU = N_("You are staff of this clinic: /stats shows its figures.")
PAUSED = N_("%(clinic)s is paused: its link tells patients so. /resumeclinic resumes it.")
RESUMED = N_("%(clinic)s takes estimates again.")
CANNOT_RESUME = N_("%(clinic)s was disabled by the bot's operator; please contact them.")
DELETE_CONFIRM = N_(
    "To delete %(clinic)s, type its link name, %(slug)s. Its link will then tell patients the "
    "clinic no longer uses this bot. Anything else keeps it."
)
DELETED = N_("%(clinic)s is deleted. Its link now tells patients it no longer uses this bot.")
KEPT = N_("Nothing was deleted.")
INVITE = N_(
    "Send this link to the person who should become staff of %(clinic)s. It works once, within "
    "24 hours: %(link)s"
)
JOINED = N_("You are now staff of %(clinic)s: /myclinic shows it and /stats its figures.")
INVITE_USED = N_(
    "This invite link was already used or has expired. Please ask the clinic's owner for a "
    "new one."
)
STAFF_LIST = N_("Staff of %(clinic)s (Telegram user ids): %(users)s\nRemove one with "
                "%(command)s.")
REMOVE_COMMAND = "/staff remove <id>"
NO_STAFF = N_("%(clinic)s has no staff yet: /invite makes an invite link.")
STAFF_REMOVED = N_("%(user)s is no longer staff of %(clinic)s.")
NOT_STAFF = N_("%(user)s is not staff of %(clinic)s.")
LINK_PAUSED = N_(
    "%(clinic)s has paused its estimates here for now. Please contact the clinic for its prices."
)
LINK_GONE = N_(
    "%(clinic)s no longer gives estimates through this bot. Please contact the clinic for its "
    "prices."
)


def name_of(clinic: StoredClinic) -> str:
    return str(clinic.profile.get("name") or clinic.slug)


async def managed(pipeline: Pipeline, turn: Turn, chat: ClinicChat,
                  wanted: str | None) -> tuple[StoredClinic | None, bool]:
    """(the clinic a command is about, whether the user owns it); None when there is none, the
    reason already told. `wanted` names one; else the one /myclinic last showed, else the first
    the user owns or is staff of."""
    rows = rows_of(pipeline)
    if rows is None or turn.user_id is None:
        turn.say(clinic_form.NOT_AVAILABLE)
        return None, False
    owned = {slug_key(c.slug) for c in await rows.owned_by(turn.user_id)}
    mine = [*owned, *(key for key in await rows.staff_of(turn.user_id) if key not in owned)]
    operator = turn.user_id in pipeline.settings.staff_user_ids
    key = slug_key(wanted) if wanted else (
        chat.slug if chat.slug and slug_key(chat.slug) in mine else (mine[0] if mine else None))
    clinic = await rows.get(key) if key and (key in mine or operator) else None
    if clinic is None or clinic.status == "deleted":
        if wanted:
            turn.say(NOT_YOURS, slug=wanted[:64])
        else:
            turn.say(NO_CLINIC)
        return None, False
    chat.slug = clinic.slug
    return clinic, key in owned


async def _owned(pipeline: Pipeline, turn: Turn, chat: ClinicChat,
                 wanted: str | None = None) -> StoredClinic | None:
    clinic, owner = await managed(pipeline, turn, chat, wanted)
    if clinic is not None and not owner:
        turn.say(OWNER_ONLY)
        return None
    return clinic


def _link(pipeline: Pipeline, slug: str) -> str:
    return start_link(pipeline.settings.bot_username or "<bot>", slug)


async def myclinic(pipeline: Pipeline, turn: Turn, wanted: str | None) -> None:
    """/myclinic [slug]: the profile; its owner may then send a field's number to change it."""
    chat = load(turn)
    clinic, owner = await managed(pipeline, turn, chat, wanted)
    if clinic is not None:
        t = turn.t
        lines = [t.gettext(HEADER, clinic=name_of(clinic), link=_link(pipeline, clinic.slug),
                           status=t.gettext(STATUS.get(clinic.status, clinic.status)))]
        for number, field in enumerate(EDITABLE, 1):
            value = shown(field, clinic.profile.get(field.id)) or t.gettext(EMPTY)
            lines.append(t.gettext(FIELD_LINE, number=number, field=t.gettext(field.label),
                                   value=value))
        lines.append(t.gettext(OWNER_MENU if owner else STAFF_MENU))
        turn.send_plain("\n".join(lines))
        chat.form = ClinicForm(mode="pick", slug=clinic.slug) if owner else None
    save(turn, chat)


async def typed_in_menu(pipeline: Pipeline, turn: Turn, chat: ClinicChat, text: str) -> bool:
    """After /myclinic, a field's number; after /deleteclinic, the slug that confirms it. Other
    text closes the menu and goes on to the interview (False)."""
    form = chat.form
    assert form is not None and form.slug is not None
    chat.form = None
    if form.mode == "delete":
        await _delete(pipeline, turn, form.slug, confirmed=text.strip().lower() == form.slug)
        return True
    choice = text.strip()
    if not (choice.isdecimal() and 1 <= int(choice) <= len(EDITABLE)):
        return False
    clinic = await _owned(pipeline, turn, chat, form.slug)
    if clinic is not None:
        field = EDITABLE[int(choice) - 1]
        chat.form = ClinicForm(mode="edit", slug=clinic.slug, field=field.id)
        clinic_form.ask(turn, chat.form, clinic.profile.get(field.id))
    return True


async def set_status(pipeline: Pipeline, turn: Turn, status: str) -> None:
    """/pauseclinic, /resumeclinic: the owner pauses or resumes the clinic's link."""
    chat = load(turn)
    clinic = await _owned(pipeline, turn, chat)
    rows = rows_of(pipeline)
    if clinic is not None and rows is not None:
        if clinic.status == "disabled":
            turn.say(CANNOT_RESUME, clinic=name_of(clinic))
        else:
            await rows.change(clinic.slug, by=turn.user_id, status=status)
            turn.say(PAUSED if status == "paused" else RESUMED, clinic=name_of(clinic))
    save(turn, chat)


async def delete(pipeline: Pipeline, turn: Turn) -> None:
    """/deleteclinic: asks for the link name to confirm."""
    chat = load(turn)
    clinic = await _owned(pipeline, turn, chat)
    if clinic is not None:
        chat.form = ClinicForm(mode="delete", slug=clinic.slug)
        turn.say(DELETE_CONFIRM, clinic=name_of(clinic), slug=clinic.slug)
    save(turn, chat)


async def _delete(pipeline: Pipeline, turn: Turn, slug: str, confirmed: bool) -> None:
    rows = rows_of(pipeline)
    clinic = await rows.get(slug) if rows is not None else None
    if not confirmed or rows is None or clinic is None or clinic.owner_id != turn.user_id:
        turn.say(KEPT)
        return
    await rows.change(slug, by=turn.user_id, status="deleted")
    turn.say(DELETED, clinic=name_of(clinic))


async def invite(pipeline: Pipeline, turn: Turn) -> None:
    """/invite: a one-time staff invite link of the owner's clinic, valid for 24 hours."""
    chat = load(turn)
    clinic = await _owned(pipeline, turn, chat)
    rows = rows_of(pipeline)
    save(turn, chat)
    if clinic is None or rows is None or turn.user_id is None:
        return
    token = await rows.new_token("invite", clinic.slug, turn.user_id, INVITE_SECONDS)
    t, name = turn.t, name_of(clinic)

    async def send(bot: Bot) -> list[Op]:
        link = start_link(bot.username or pipeline.settings.bot_username or "",
                          INVITE_PREFIX + token)
        return [Send(texts.esc(t.gettext(INVITE, clinic=name, link=link)))]

    turn.after = send


async def staff(pipeline: Pipeline, turn: Turn, args: list[str]) -> None:
    """/staff lists the clinic's staff; /staff remove <id> removes one (owner only)."""
    chat = load(turn)
    clinic = await _owned(pipeline, turn, chat)
    rows = rows_of(pipeline)
    save(turn, chat)
    if clinic is None or rows is None:
        return
    name = name_of(clinic)
    if len(args) == 2 and args[0].lower() == "remove" and args[1].isdecimal():
        removed = await rows.remove_staff(clinic.slug, int(args[1]))
        turn.say(STAFF_REMOVED if removed else NOT_STAFF, user=args[1], clinic=name)
        return
    users = await rows.staff(clinic.slug)
    if users:
        turn.say(STAFF_LIST, clinic=name, users=", ".join(str(u) for u in users),
                 command=REMOVE_COMMAND)
    else:
        turn.say(NO_STAFF, clinic=name)


async def start_payload(pipeline: Pipeline, turn: Turn, payload: str | None) -> bool:
    """A /start payload that is not a patient's: a staff invite, or the link of a clinic out of
    service (told politely). True when handled here."""
    rows = rows_of(pipeline)
    if not payload or rows is None:
        return False
    if payload.startswith(INVITE_PREFIX):
        key = None
        if turn.user_id is not None:
            key = await rows.accept_invite(payload.removeprefix(INVITE_PREFIX), turn.user_id)
        clinic = await rows.get(key) if key else None
        if clinic is None:
            turn.say(INVITE_USED)
        else:
            turn.say(JOINED, clinic=name_of(clinic))
        return True
    status = pipeline.live.status(payload)
    if status is None:
        return False
    stored = await rows.get(payload)
    name = name_of(stored) if stored else payload
    turn.say(LINK_PAUSED if status == "paused" else LINK_GONE, clinic=name)
    return True


async def forget(pipeline: Pipeline, user_id: int) -> None:
    """/forget: the user's staff memberships, invites and logins go too."""
    rows = rows_of(pipeline)
    if rows is not None:
        await rows.forget_user(user_id)


def arguments(text: str | None) -> list[str]:
    """The words after a command."""
    return (text or "").split()[1:]


def first(args: list[str]) -> Any:
    return args[0][:64] if args else None
