"""The operator's clinic commands; each does its job and exits.

    massage-bot clinic list             every clinic: CLINICS_FILE's and the stored ones
    massage-bot clinic disable SLUG     takes a stored clinic out of service (its link then
                                        tells patients politely); its owner cannot resume it
    massage-bot clinic enable SLUG      puts it back in service
    massage-bot clinic history SLUG     its versions: when, by whom, status

Changes are versions like the owners' own (`changed_by` empty: the operator), and every worker
sees them within CLINIC_REFRESH_SECONDS. Exit 0 when done, 2 for a bad setting or a slug that is
not a stored clinic (a CLINICS_FILE clinic is changed in that file), 1 when the database cannot
be used.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from ..clinics import ClinicFileError, load_clinics
from ..settings import SettingsError, load_settings
from ..store import open_store
from ..store.base import StoreBase
from ..store.cli import _database_failure, _fail
from ..store.clinic_rows import ClinicRows

COMMAND = "clinic"


def run(args: argparse.Namespace) -> int:
    """`massage-bot clinic ACTION [SLUG]`."""
    try:
        settings = load_settings()
        fixed = load_clinics(settings.clinics_file)
        store = open_store(settings.database_url)
    except (SettingsError, ClinicFileError) as exc:
        return _fail(COMMAND, str(exc))
    except ValueError as exc:
        return _fail(COMMAND, f"DATABASE_URL: {exc}")
    slug = getattr(args, "slug", None)
    if slug and fixed.get(slug) is not None:
        return _fail(COMMAND, f"{slug!r} is a CLINICS_FILE clinic ({settings.clinics_file}): "
                              "change it in that file")
    try:
        lines, code = asyncio.run(_act(store, args.action, slug, [c.slug for c in fixed.clinics]))
    except Exception as exc:
        return _database_failure(COMMAND, exc)
    if code:
        return _fail(COMMAND, lines[0], code)
    print("\n".join(lines))
    return 0


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _act(store, action: str, slug: str | None, in_file: list[str]) -> tuple[list[str], int]:
    try:
        await store.open()
        assert isinstance(store, StoreBase)
        rows = ClinicRows(store)
        if action == "list":
            listed = [f"{s}\tfile\tactive" for s in in_file]
            listed += [f"{c.slug}\towner {c.owner_id}\t{c.status}" for c in await rows.all()]
            return listed or ["no clinics"], 0
        assert slug is not None
        if action == "history":
            versions = await rows.versions(slug)
            if not versions:
                return [f"no stored clinic {slug!r}"], 2
            return [f"v{v.version}\t{_when(v.changed_at)}\t"
                    f"{'operator' if v.changed_by is None else f'user {v.changed_by}'}\t"
                    f"{v.status}" for v in versions], 0
        status = "disabled" if action == "disable" else "active"
        changed = await rows.change(slug, by=None, status=status)
        if changed is None:
            return [f"no stored clinic {slug!r} (massage-bot clinic list shows them)"], 2
        return [f"{changed.slug}: {status} (version {changed.version})"], 0
    finally:
        await store.close()
