"""The visitor's language: an explicit choice (`?lang=es`), else Accept-Language, else English."""

from __future__ import annotations

import re

from ..i18n import DEFAULT, SUPPORTED, negotiate

_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?")


def accept_language(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 left out).

    `"es-MX,es;q=0.9,en;q=0.8"` → `["es-MX", "es", "en"]`. Malformed parts are skipped.
    """
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")[:32]):
        match = _RANGE.match(part)
        if not match:
            continue
        tag, quality = match.group(1), match.group(2)
        try:
            q = float(quality) if quality is not None else 1.0
        except ValueError:
            continue
        if q > 0 and tag != "*":
            ranked.append((-q, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def choose(explicit: str | None, header: str | None) -> str:
    """A supported language: `explicit` if supported, else the best of `header`, else English."""
    if explicit and negotiate(explicit, None, default="") in SUPPORTED:
        return negotiate(explicit, None)
    for tag in accept_language(header):
        lang = negotiate(None, tag, default="")
        if lang in SUPPORTED:
            return lang
    return DEFAULT
