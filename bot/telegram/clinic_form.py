"""/newclinic and the field edits of /myclinic: the clinic profile interview in a private chat.

The questions are data (`bot.onboarding.fields`); what is answered so far travels in the chat's
saved state (`TelegramState.clinic`, a `ClinicChat`), so any worker takes the next reply. While a
form is open, typed text goes to it (`typed`), not to the patient interview; /cancel closes it.
The finished profile becomes a clinic owned by whoever answered (`ClinicRows.create`), and its
start link, page and QR code come back as one photo.
"""

from __future__ import annotations

import io
import time
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from telegram import Bot

from .. import ratelimit, render
from ..clinics import Clinic
from ..i18n import N_
from ..onboarding import rules, typical
from ..onboarding.fields import ACCEPT, BY_ID, FIELDS, SKIP, FieldProblem, shown
from ..ratelimit import Window
from ..store.clinic_rows import ClinicRows
from . import texts
from .outbox import Op, Send
from .pipeline import Pipeline
from .turn import Turn

DAY = 86400.0

NOT_AVAILABLE = N_("Clinics cannot be set up with this bot's current database.")
TOO_MANY = N_("You already have %(count)s clinics, the most one person can set up here.")
SLOW_DOWN = N_("You have started enough new clinics for today. Please try again tomorrow.")
INTRO = N_(
    "Let's set up your clinic: a few short questions, about ten minutes. Patients who open its "
    "link get estimates with its prices. Send /cancel to stop at any time."
)
SUGGESTED = N_("I suggest %(slug)s: send + to use it, or type your own.")
SKIP_HINT = N_("Send - to skip this one.")
CLEAR_HINT = N_("Send - to clear it.")
NOW = N_("Now: %(value)s")
CANCELLED = N_("Stopped. Nothing was changed.")
READY = N_(
    "%(clinic)s is ready.\nPatients start here: %(link)s\nThe clinic's page: %(page)s\n"
    "Print this QR code or share the link. /myclinic shows and changes the profile."
)
READY_NO_PAGE = N_(
    "%(clinic)s is ready.\nPatients start here: %(link)s\n"
    "Print this QR code or share the link. /myclinic shows and changes the profile."
)
SAVED = N_("Saved: %(field)s is now %(value)s.")
CLEARED = N_("Saved: %(field)s is now empty.")
BEFORE_AFTER = N_("What the typical patient is told, before and after:")
PROFILE_PROBLEM = N_("That change would make the profile invalid: %(problem)s")
GONE = N_("That clinic is no longer yours to change.")


class ClinicForm(BaseModel):
    mode: Literal["new", "pick", "edit", "delete"] = "new"
    slug: str | None = None  # the clinic being changed (every mode but "new")
    field: str | None = None  # the field asked
    answers: dict[str, Any] = {}
    suggested: str | None = None  # the link name offered for the name given


class ClinicChat(BaseModel):
    """What a clinic owner's chat keeps between updates."""

    form: ClinicForm | None = None
    rate: Window = Field(default_factory=Window)  # /newclinic runs: NEW_CLINIC_PER_DAY
    slug: str | None = None  # the clinic /myclinic last showed


def load(turn: Turn) -> ClinicChat:
    try:
        return ClinicChat.model_validate(turn.tg.clinic or {})
    except ValidationError:
        return ClinicChat()


def save(turn: Turn, chat: ClinicChat) -> None:
    turn.tg.clinic = chat.model_dump(mode="json")


def rows_of(pipeline: Pipeline) -> ClinicRows | None:
    return pipeline.live.rows


async def taken(pipeline: Pipeline, slug: str) -> bool:
    """In CLINICS_FILE, or in the store in any status (a deleted clinic's link stays its own)."""
    rows = rows_of(pipeline)
    return pipeline.live.in_file(slug) or (rows is not None and await rows.get(slug) is not None)


def ask(turn: Turn, form: ClinicForm, current: Any = None) -> None:
    """The form's current question, with what may be typed besides an answer."""
    t = turn.t
    field = BY_ID[form.field or ""]
    lines = [t.gettext(field.question)]
    if field.id == "slug" and form.suggested:
        lines.append(t.gettext(SUGGESTED, slug=form.suggested))
    if form.mode == "edit" and shown(field, current) is not None:
        lines.append(t.gettext(NOW, value=shown(field, current)))
    if field.optional:
        hint = CLEAR_HINT if form.mode == "edit" else SKIP_HINT
        lines.append(t.gettext(hint))
    turn.send_plain("\n".join(lines))


# --- /newclinic ---------------------------------------------------------------------------------


async def newclinic(pipeline: Pipeline, turn: Turn) -> None:
    """/newclinic: starts the profile interview (within the owner's and the day's limits)."""
    rows, settings = rows_of(pipeline), pipeline.settings
    if rows is None or turn.user_id is None:
        turn.say(NOT_AVAILABLE)
        return
    owned = await rows.owned_by(turn.user_id)
    if len(owned) >= settings.max_clinics_per_owner:
        turn.say(TOO_MANY, count=len(owned))
        return
    chat = load(turn)
    if ratelimit.check(chat.rate, time.time(), settings.new_clinic_per_day, DAY) != "allow":
        turn.say(SLOW_DOWN)
        save(turn, chat)
        return
    chat.form = ClinicForm(mode="new", field=FIELDS[0].id)
    save(turn, chat)
    turn.say(INTRO)
    ask(turn, chat.form)


async def typed(pipeline: Pipeline, turn: Turn, text: str) -> bool:
    """Typed text while a clinic form is open: applied to it (True); else False."""
    chat = load(turn)
    form = chat.form
    if form is None:
        return False
    if form.mode in ("pick", "delete"):
        from . import clinic_commands  # the profile menu and the deletion live there

        handled = await clinic_commands.typed_in_menu(pipeline, turn, chat, text)
        save(turn, chat)
        return handled
    if form.mode == "edit":
        await _edit(pipeline, turn, chat, text)
    else:
        await _answer(pipeline, turn, chat, text)
    save(turn, chat)
    return True


def close(turn: Turn) -> None:
    """Leave an open clinic form quietly (/start: the user went on to something else)."""
    chat = load(turn)
    if chat.form is not None:
        chat.form = None
        save(turn, chat)


def cancel(turn: Turn) -> bool:
    """/cancel while a clinic form is open: closes it (True); else False."""
    chat = load(turn)
    if chat.form is None:
        return False
    chat.form = None
    save(turn, chat)
    turn.say(CANCELLED)
    return True


def _read(turn: Turn, form: ClinicForm, text: str) -> tuple[bool, Any]:
    """(read, value) of a reply to the current field; a problem is told and the field asked
    again."""
    field = BY_ID[form.field or ""]
    text = text.strip()
    if field.optional and text == SKIP:
        return True, None
    if field.id == "slug" and text == ACCEPT and form.suggested:
        return True, form.suggested
    try:
        return True, field.read(text, turn.lang)
    except FieldProblem as problem:
        turn.send_plain(render.problem_text(problem.problem, turn.t))
        return False, None


async def _suggest(pipeline: Pipeline, name: str) -> str | None:
    for candidate in rules.slug_candidates(name):
        if not await taken(pipeline, candidate):
            return candidate
    return None


async def _answer(pipeline: Pipeline, turn: Turn, chat: ClinicChat, text: str) -> None:
    form = chat.form
    assert form is not None and form.field is not None
    ok, value = _read(turn, form, text)
    if ok and form.field == "slug" and await taken(pipeline, value):
        turn.say(rules.SLUG_TAKEN, slug=value)
        ok = False
    if not ok:
        ask(turn, form)
        return
    form.answers[form.field] = value
    if form.field == "name":
        form.suggested = await _suggest(pipeline, value)
    following = next((f for f in FIELDS if f.id not in form.answers), None)
    if following is not None:
        form.field = following.id
        ask(turn, form)
        return
    await _create(pipeline, turn, chat)


async def _create(pipeline: Pipeline, turn: Turn, chat: ClinicChat) -> None:
    form = chat.form
    rows = rows_of(pipeline)
    assert form is not None and rows is not None and turn.user_id is not None
    profile = {key: value for key, value in form.answers.items() if value is not None}
    clinic = Clinic.model_validate(profile)  # each answer was checked on its own
    if not await rows.create(clinic.slug, profile, turn.user_id):
        turn.say(rules.SLUG_TAKEN, slug=clinic.slug)  # taken meanwhile, by someone faster
        del form.answers["slug"]
        form.field, form.suggested = "slug", await _suggest(pipeline, clinic.name)
        ask(turn, form)
        return
    chat.form, chat.slug = None, clinic.slug
    turn.after = announce(pipeline, turn, clinic)


def page_url(pipeline: Pipeline, slug: str) -> str | None:
    """The clinic's web page, on the host WEBHOOK_URL names (None without one)."""
    webhook = pipeline.settings.webhook_url
    if not webhook:
        return None
    scheme, _, rest = webhook.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/c/{slug}"


def announce(pipeline: Pipeline, turn: Turn, clinic: Clinic) -> Any:
    """After the section: the start link, the page and the QR code, as one photo."""
    from ..web.links import qr_code, start_link

    t, chat_id = turn.t, turn.chat_id

    async def send(bot: Bot) -> list[Op]:
        username = bot.username or pipeline.settings.bot_username or ""
        link = start_link(username, clinic.slug)
        page = page_url(pipeline, clinic.slug)
        caption = (t.gettext(READY, clinic=clinic.name, link=link, page=page) if page
                   else t.gettext(READY_NO_PAGE, clinic=clinic.name, link=link))
        png = io.BytesIO()
        qr_code(link).save(png, kind="png", scale=8, border=4)
        await bot.send_photo(chat_id, photo=png.getvalue(), caption=caption)
        return []

    return send


# --- one field of /myclinic -------------------------------------------------------------------


async def _edit(pipeline: Pipeline, turn: Turn, chat: ClinicChat, text: str) -> None:
    """The new value of the field chosen in /myclinic: saved as a new version, with the
    typical patient's estimates before and after."""
    form, rows = chat.form, rows_of(pipeline)
    assert form is not None and form.slug is not None and rows is not None
    stored = await rows.get(form.slug)
    if stored is None or stored.owner_id != turn.user_id or stored.status == "deleted":
        chat.form = None
        turn.say(GONE)
        return
    ok, value = _read(turn, form, text)
    if not ok:
        ask(turn, form, stored.profile.get(form.field or ""))
        return
    field = BY_ID[form.field or ""]
    profile = {k: v for k, v in {**stored.profile, field.id: value}.items() if v is not None}
    try:
        before = Clinic.model_validate(stored.profile)
        after = Clinic.model_validate(profile)
    except ValidationError as error:
        turn.say(PROFILE_PROBLEM, problem=error.errors()[0]["msg"])
        return
    await rows.change(form.slug, by=turn.user_id, profile=profile)
    chat.form = None
    name = turn.t.gettext(field.label)
    if value is None:
        turn.say(CLEARED, field=name)
    else:
        turn.say(SAVED, field=name, value=shown(field, value))
    turn.ops.extend(comparison(turn, before, after))


def comparison(turn: Turn, before: Clinic, after: Clinic) -> list[Op]:
    """Each typical patient's estimate before and after, as /whatif shows them."""
    from .staff_commands import _comparison

    t = turn.t
    old, new = typical.estimates(before), typical.estimates(after)
    parts = [f"<b>{texts.esc(t.gettext(BEFORE_AFTER))}</b>"]
    for key, (message, params, result) in new.items():
        previous = old.get(key, (message, params, result))[2]
        table = texts.esc(_comparison(previous, result, t))
        parts.append(f"{texts.esc(t.gettext(message, **params))}\n<pre>{table}</pre>")
    return [Send("\n\n".join(parts))]
