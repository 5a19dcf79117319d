"""Staff tools on Telegram: /scenario, /whatif and scenario files (see `bot.staff`).

Staff are the user ids a clinic lists as `staff_user_ids` (any clinic) and STAFF_USER_IDS.
Everyone else gets a polite refusal. The last /scenario or /whatif is kept with the chat's
state so that the next /whatif changes it.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from telegram import Bot, Document
from telegram.error import TelegramError

from estimator import Estimate, Scenario, estimate
from estimator.cases import MAX_FILE_BYTES

from .. import render, staff, staff_files
from ..clinics import ClinicDirectory
from ..i18n import Translator
from ..interview.engine import scenario_for
from ..settings import Settings
from . import documents, texts
from .outbox import Op, Send
from .turn import Turn

log = logging.getLogger(__name__)

# A scenario file's report: at most this many characters (three messages); the lines after it
# are counted, and `massage-estimate check` shows them all.
REPORT_CHARACTERS = 3 * texts.BUDGET
_YAML_TYPES = ("yaml", "yml", "x-yaml", "text/plain")


def _is_staff(turn: Turn, clinics: ClinicDirectory, settings: Settings) -> bool:
    return staff.is_staff(turn.user_id, clinics, settings.staff_user_ids)


def _clinic(turn: Turn, clinics: ClinicDirectory):
    chat_clinic = turn.interview.clinic if turn.interview else None
    return staff.staff_clinic(turn.user_id, clinics, chat_clinic)


def _problem(turn: Turn, error: staff.StaffInputError) -> None:
    turn.ops.append(Send(texts.esc(turn.t.gettext(error.message, **error.params))))


def _pre_pages(header: str, table: str) -> list[str]:
    """A monospace table in <pre> blocks that each fit a message, the header on the first."""
    head = f"<b>{texts.esc(header)}</b>\n"
    pages: list[str] = []
    lines: list[str] = []
    size = len(head)
    for line in table.splitlines():
        escaped = texts.esc(line)
        if lines and size + len(escaped) + 1 + len("<pre></pre>") > texts.BUDGET:
            pages.append(("" if pages else head) + "<pre>" + "\n".join(lines) + "</pre>")
            lines, size = [], 0
        lines.append(escaped)
        size += len(escaped) + 1
    if lines:
        pages.append(("" if pages else head) + "<pre>" + "\n".join(lines) + "</pre>")
    return pages


def _show_estimate(
    turn: Turn, result: Estimate, scenario: Scenario, previous: Decimal | None = None
) -> None:
    turn.send_plain(render.explain(result, scenario, turn.t, previous_total=previous))
    pages = _pre_pages(turn.t.gettext(texts.SESSIONS_HEADER), render.session_table(result, turn.t))
    turn.ops.extend(Send(page) for page in pages)


def _remember(turn: Turn, scenario: Scenario) -> None:
    turn.tg.scenario = scenario.model_dump(mode="json", exclude_unset=True)


def scenario(turn: Turn, text: str, clinics: ClinicDirectory, settings: Settings) -> None:
    """/scenario key=value ...: the full estimate plus the session-by-session table, and the
    documents `documents=summary,lmn,gfe` asks for (bot.telegram.documents)."""
    if not _is_staff(turn, clinics, settings):
        turn.say(texts.STAFF_ONLY)
        return
    if not text:
        turn.say(texts.SCENARIO_USAGE, keys=", ".join(staff.valid_keys()))
        turn.say(documents.STAFF_USAGE)
        return
    try:
        pairs, kinds = documents.staff_request(text)  # documents=summary,lmn,gfe
        built = staff.scenario_from_pairs(staff.parse_pairs(pairs), clinic=_clinic(turn, clinics))
    except staff.StaffInputError as error:
        _problem(turn, error)
        return
    result = estimate(built)
    _show_estimate(turn, result, built)
    _remember(turn, built)
    documents.for_staff(turn, kinds, built, result)


def _last_scenario(turn: Turn, clinics: ClinicDirectory) -> Scenario | None:
    if turn.tg.scenario is not None:
        try:
            return Scenario.model_validate(turn.tg.scenario)
        except ValidationError:
            log.warning("a stored staff scenario could not be read")
    if turn.interview is not None and turn.interview.finished:
        return scenario_for(turn.interview, clinics)
    return None


def _comparison(before: Estimate, after: Estimate, t: Translator) -> str:
    def span(e: Estimate) -> str:
        if e.range is None or e.range.low == e.range.high:
            return "\u2014"
        return f"{t.money(e.range.low)}\u2013{t.money(e.range.high)}"

    old, new = before.totals, after.totals
    rows = [
        ("", t.gettext(texts.COLUMN_BEFORE), t.gettext(texts.COLUMN_AFTER)),
        (t.gettext(texts.ROW_PATIENT), t.money(old.patient), t.money(new.patient)),
        (t.gettext(texts.ROW_INSURER), t.money(old.insurer), t.money(new.insurer)),
        (t.gettext(texts.ROW_RANGE), span(before), span(after)),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join((cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]))
                  for i, cell in enumerate(row)).rstrip()
        for row in rows
    )


def whatif(turn: Turn, text: str, clinics: ClinicDirectory, settings: Settings) -> None:
    """/whatif key=value ...: the last scenario changed; old and new totals side by side."""
    if not _is_staff(turn, clinics, settings):
        turn.say(texts.STAFF_ONLY)
        return
    if not text:
        turn.say(texts.WHATIF_USAGE)
        return
    base = _last_scenario(turn, clinics)
    if base is None:
        turn.say(texts.WHATIF_NOTHING)
        return
    try:
        pairs = staff.parse_pairs(text)
        changed = staff.whatif(base, pairs, clinic=_clinic(turn, clinics))
    except staff.StaffInputError as error:
        _problem(turn, error)
        return
    before, after = estimate(base), estimate(changed)
    changes = " ".join(f"{key}={'null' if v is None else v}" for key, v in pairs.items())
    header = texts.esc(turn.t.gettext(texts.WHATIF_HEADER, changes=changes))
    table = texts.esc(_comparison(before, after, turn.t))
    turn.ops.append(Send(f"<b>{header}</b>\n<pre>{table}</pre>"))
    turn.send_plain(render.explain(after, changed, turn.t, previous_total=before.totals.patient))
    _remember(turn, changed)


def _report(t: Translator, results: list) -> str:
    """One line per case and one per difference, cut at REPORT_CHARACTERS (whole lines)."""
    lines = [texts.cases_summary(t, sum(r.passed for r in results), len(results))]
    for result in results:
        if result.passed:
            lines.append("\u2705 " + t.gettext(texts.CASE_PASSED, name=result.name))
        else:
            lines.append("\u274c " + t.gettext(texts.CASE_FAILED, name=result.name))
            lines.extend(f"    {difference}" for difference in result.differences)
    size = 0
    for shown, line in enumerate(lines):
        size += len(line) + 1
        if size > REPORT_CHARACTERS - 200:  # room for the last line
            left = len(lines) - shown
            return "\n".join([*lines[:shown], texts.lines_not_shown(t, left)])
    return "\n".join(lines)


def _looks_like_yaml(document: Document) -> bool:
    name = (document.file_name or "").lower()
    mime = (document.mime_type or "").lower()
    return name.endswith((".yaml", ".yml")) or any(kind in mime for kind in _YAML_TYPES)


def document(turn: Turn, document: Document, clinics: ClinicDirectory, settings: Settings) -> None:
    """A scenario file: downloaded and run after the store section (see `Turn.after`)."""
    if not _is_staff(turn, clinics, settings):
        turn.say(texts.STAFF_ONLY if _looks_like_yaml(document) else texts.NOT_TEXT)
        return
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        turn.say(texts.FILE_TOO_BIG, size=f"{MAX_FILE_BYTES // 1024} KB")
        return
    t = turn.t
    file_id, name = document.file_id, document.file_name or "scenario.yaml"

    async def run_file(bot: Bot) -> list[Op]:
        def say(message: str, **params: Any) -> list[Op]:
            # Parameters may quote the file (a case name, a parser message): split when long.
            return [Send(chunk) for chunk in texts.split_text(t.gettext(message, **params))]

        try:
            telegram_file = await bot.get_file(file_id)
            data = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as error:
            log.warning("scenario file download failed: %s", type(error).__name__)
            return say(texts.FAILED)
        if len(data) > MAX_FILE_BYTES:
            return say(texts.FILE_TOO_BIG, size=f"{MAX_FILE_BYTES // 1024} KB")
        try:
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            return say(texts.FILE_NOT_TEXT)
        # Never in this process: see bot.staff_files (CPU time and memory bounded).
        checked = await staff_files.check_file(content, name)
        if checked.problem is not None:
            return say(texts.CASE_FILE_ERROR, problem=checked.problem)
        limits = staff_files.LIMITS
        if checked.over == "time":
            return say(texts.FILE_TOO_SLOW, seconds=limits.cpu_seconds)
        if checked.over == "memory":
            return say(texts.FILE_TOO_LARGE_TO_RUN, size=f"{limits.memory_bytes // 2**20} MB")
        if checked.failed:
            return say(texts.FAILED)
        return [Send(chunk) for chunk in texts.split_text(_report(t, checked.results))]

    turn.after = run_file
