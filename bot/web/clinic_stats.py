"""A clinic's funnel figures on the web (`GET /c/<slug>/stats?token=...`), for its owner and
staff only: the token is the short-lived login link /stats sends in chat
(funnel.STATS_LOGIN_SECONDS), made for that clinic. Anything else gets 403 and no figures."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from ..i18n import translator
from ..onboarding import funnel
from ..onboarding.live import LiveClinics
from ..store import StoreUnavailable
from ..store.clinic_rows import slug_key
from .lang import choose
from .pages import NO_STORE, SECURITY_HEADERS, render

WEEKS = 12


class ClinicStatsPage:
    def __init__(self, live: LiveClinics) -> None:
        self.live = live

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get("/c/{slug}/stats", self.stats_page, name="clinic-stats")]

    async def stats_page(self, request: web.Request) -> web.Response:
        t = translator(choose(request.query.get("lang"), request.headers.get("Accept-Language")))
        slug, token = request.match_info["slug"], request.query.get("token", "")[:100]
        rows = self.live.rows
        login = None
        try:
            if rows is not None and token:
                login = await rows.login(token)
            if login is None or login[0] != slug_key(slug):
                return self._page(t, "clinic_stats_denied.html", 403,
                                  t.gettext("This login link has expired"))
            stored = await rows.get(slug) if rows is not None else None
            counted = await rows.funnel(slug, WEEKS) if rows is not None else []
        except StoreUnavailable:
            return self._page(t, "clinic_stats_denied.html", 503,
                              t.gettext("This login link has expired"))
        name = str(stored.profile.get("name", slug)) if stored else slug
        weeks = [{"week": week, "verdicts": funnel.labelled(week.verdicts, funnel.VERDICT, t),
                  "routes": funnel.labelled(week.routes, funnel.ROUTE, t)}
                 for week in funnel.weeks(counted)]
        return self._page(t, "clinic_stats.html", 200,
                          t.gettext("%(clinic)s: patients this bot served", clinic=name),
                          weeks=weeks, slug=quote(slug))

    @staticmethod
    def _page(t, name: str, status: int, title: str, **values) -> web.Response:
        body = render(name, t.lang, title=title, languages=[], **values)
        headers = {**SECURITY_HEADERS, **NO_STORE, "Content-Language": t.lang}
        return web.Response(text=body, status=status, content_type="text/html",
                            charset="utf-8", headers=headers)
