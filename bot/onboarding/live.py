"""The clinic directory every channel reads: CLINICS_FILE's clinics (the operator's, read-only)
and the store's active ones, reloaded within CLINIC_REFRESH_SECONDS of any change on any worker.

A worker checks one number (`clinic_epoch`, bumped by every change) at most every
CLINIC_REFRESH_SECONDS and reloads only when it moved. A YAML clinic wins over a stored one of
the same slug (the operator's file is the authority; creating such a slug is refused anyway).
A stored clinic that is paused, deleted or disabled is not in the directory: `status(slug)` says
which, so its link can say so politely.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from pydantic import ValidationError

from ..clinics import Clinic, ClinicDirectory
from ..store import Store, StoreUnavailable
from ..store.base import StoreBase
from ..store.clinic_rows import ClinicRows, StoredClinic, slug_key

log = logging.getLogger(__name__)


def clinic_of(stored: StoredClinic, staff: list[int]) -> Clinic:
    """The Clinic model of a stored clinic, its owner and staff allowed the staff tools."""
    users = [stored.owner_id, *(user for user in staff if user != stored.owner_id)]
    return Clinic.model_validate({**stored.profile, "slug": stored.slug, "staff_user_ids": users})


class LiveClinics:
    """CLINICS_FILE's clinics plus the store's, kept current (see the module docstring)."""

    def __init__(self, fixed: ClinicDirectory, store: Store | None, refresh_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fixed = fixed
        self.rows = ClinicRows(store) if isinstance(store, StoreBase) else None
        self.directory = fixed
        self.owners: dict[str, int] = {}  # slug key -> owner, stored clinics only
        self._inactive: dict[str, str] = {}  # slug key -> status
        self._refresh = refresh_seconds
        self._clock = clock
        self._epoch: int | None = None
        self._checked = -math.inf

    def in_file(self, slug: str) -> bool:
        return self.fixed.get(slug) is not None

    def status(self, slug: str | None) -> str | None:
        """"paused", "deleted" or "disabled" for a stored clinic out of service, else None."""
        return self._inactive.get(slug_key(slug)) if slug else None

    async def current(self, force: bool = False) -> ClinicDirectory:
        """The directory, reloaded first when the store's clinics changed (checked at most every
        CLINIC_REFRESH_SECONDS unless `force`). With the store down, the last one known."""
        if self.rows is None:
            return self.directory
        now = self._clock()
        if not force and now - self._checked < self._refresh:
            return self.directory
        self._checked = now
        try:
            epoch = await self.rows.epoch()
            if epoch != self._epoch:
                await self._reload()
                self._epoch = epoch
        except StoreUnavailable:
            log.warning("clinics not reloaded: the store is unavailable")
        return self.directory

    async def _reload(self) -> None:
        assert self.rows is not None
        stored, staff = await self.rows.all(), await self.rows.all_staff()
        clinics, inactive, owners = list(self.fixed.clinics), {}, {}
        for row in stored:
            key = slug_key(row.slug)
            if self.in_file(row.slug):
                log.warning("a stored clinic has the slug of a CLINICS_FILE clinic: not used")
                continue
            owners[key] = row.owner_id
            if row.status != "active":
                inactive[key] = row.status
                continue
            try:
                clinics.append(clinic_of(row, staff.get(key, [])))
            except ValidationError:
                log.warning("a stored clinic profile cannot be read: not used")
        # Each clinic is validated, and slugs are unique (primary key, YAML ones skipped).
        self.directory = ClinicDirectory.model_construct(clinics=clinics)
        self._inactive, self.owners = inactive, owners
