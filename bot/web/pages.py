"""The clinic's page (`GET /c/<slug>`) and its estimate form (`POST /c/<slug>/estimate`).

Server-rendered, no JavaScript: the page says what to have ready, opens the bot through the
clinic's start link (a button and the same link as a QR code), and has an HTML form for patients
without Telegram. The form is the chat's interview (`bot.web.forms`): the same questions, read by
the same `step()`, with the same messages; the result page shows what the chat would show (the
recommended way to pay, its total or range, and the explanation with the next steps).

Templates (`templates/*.html`) are Jinja2 with autoescape: every value is HTML-escaped; every
word is a gettext message (`{% trans %}` in the templates, extracted by Babel as babel.cfg says,
or a message id of the catalog translated in `bot.web.forms`). Nothing a visitor types is stored
or logged; the pages holding it are sent with `Cache-Control: no-store`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from functools import cache
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from multidict import MultiDict, MultiDictProxy

from .. import documents
from ..clinics import Clinic, ClinicDirectory
from ..i18n import N_, SUPPORTED, Translator, translator
from ..interview.facts import Facts
from ..interview.forms import Outcome, Reply
from ..interview.questions import QUESTIONS
from ..metrics import Metrics
from ..onboarding.live import LiveClinics
from ..render import answer_text, cost_span, cost_text, explain, recommendation_text
from ..render.calendar import dated_rows
from ..today import today_for
from . import forms
from .api import expect_continue
from .documents import form_document
from .estimates import Busy, EstimatePool
from .lang import choose
from .links import qr_svg, start_link

__all__ = ["ClinicPages", "environment", "render"]

log = logging.getLogger(__name__)

MAX_FIELDS = 400  # posted fields read at most (the form has about 100)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NO_STORE = {"Cache-Control": "no-store"}  # pages that hold what the visitor typed
BUSY = N_("Many people are asking for estimates right now. Please send the form again in a "
          "moment: your answers are still here.")


@cache
def environment(lang: str) -> Environment:
    """The templates, with gettext in `lang` (one environment per language)."""
    t = translator(lang)
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
    )
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    # New-style gettext: `{% trans %}` variables are escaped, then put into the translation.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: t.gettext(message),
        ngettext=lambda singular, plural, n: t.ngettext(singular, plural, n),
        newstyle=True,
    )
    return env


def render(name: str, lang: str, /, **values: Any) -> str:
    """The template `name` filled with `values` (escaped), its words in `lang`."""
    return environment(lang).get_template(name).render(lang=lang, **values)


class ClinicPages:
    """The clinic pages of one application."""

    def __init__(
        self,
        clinics: ClinicDirectory,
        metrics: Metrics,
        bot_username: Callable[[], str | None],
        pool: EstimatePool | None = None,
        live: LiveClinics | None = None,
    ) -> None:
        self.clinics = clinics
        self.live = live  # the store's clinics too, reloaded when they change
        self.metrics = metrics
        self.bot_username = bot_username
        self.pool = pool  # None: the form is read in this process (tests, a single script)

    async def _fill(self, replies: Mapping[str, Reply], slug: str, lang: str,
                    shown: Collection[str]) -> tuple[Outcome | None, tuple[int, str] | None]:
        """The form read by the chat's interview, in the estimate pool when there is one."""
        clinic = self.clinics.get(slug)
        today = today_for(clinic.state if clinic is not None else None)
        if self.pool is None:
            return forms.fill_form(replies, slug, self.clinics, lang, shown, today)
        return await self.pool.call(forms.fill_form, replies, slug, self.clinics, lang, shown,
                                    today)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/c/{slug}", self.clinic_page, name="clinic"),
            web.post("/c/{slug}/estimate", self.estimate_page, name="clinic-estimate",
                     expect_handler=expect_continue),
            web.post("/c/{slug}/documents/{kind:gfe|lmn|summary}", self.document_file,
                     name="clinic-document", expect_handler=expect_continue),
        ]

    # Shared parts.

    def _page(self, t: Translator, name: str, path: str, title: str, status: int = 200,
              private: bool = False, **values: Any) -> web.Response:
        languages = [
            {"href": f"{path}?lang={lang}", "lang": lang, "current": lang == t.lang,
             "name": translator(lang).language_name()}
            for lang in SUPPORTED
        ]
        body = render(name, t.lang, title=title, languages=languages, **values)
        headers = {**SECURITY_HEADERS, "Content-Language": t.lang, "Vary": "Accept-Language"}
        if private:
            headers.update(NO_STORE)
        return web.Response(text=body, status=status, content_type="text/html",
                            charset="utf-8", headers=headers)

    async def _clinic(self, slug: str) -> Clinic | None:
        if self.live is not None:
            self.clinics = await self.live.current()
        return self.clinics.get(slug)

    def _not_found(self, request: web.Request, t: Translator) -> web.Response:
        slug = request.match_info.get("slug", "")
        if self.live is not None and self.live.status(slug) is not None:
            # A clinic that paused or left: its printed QR codes get a polite page, not a 404.
            path = f"/c/{quote(slug, safe='')}"
            title = t.gettext("This clinic is not taking estimates here")
            return self._page(t, "clinic_unavailable.html", path, title, status=410)
        path = f"/c/{quote(request.match_info.get('slug', ''), safe='')}"
        return self._page(t, "not_found.html", path, t.gettext("Clinic not found"), status=404)

    @staticmethod
    def _translator(request: web.Request, explicit: str | None = None) -> Translator:
        lang = choose(explicit or request.query.get("lang"),
                      request.headers.get("Accept-Language"))
        return translator(lang)

    def _telegram(self, clinic: Clinic, t: Translator) -> dict[str, Any] | None:
        username = self.bot_username()
        if not username:
            return None
        link = start_link(username, clinic.slug)
        # qr_svg escapes what it writes (the title text); the SVG is built by segno.
        return {"link": link, "qr": Markup(qr_svg(link, t.gettext("QR code of the link to "
                                                                   "the chat")))}

    def _form_page(self, clinic: Clinic, t: Translator, form: Mapping[str, str] | None = None,
                   outcome: Outcome | None = None, problem: str | None = None,
                   status: int = 200) -> web.Response:
        fields = forms.fields(clinic, t, form, outcome)
        needs_look = problem is not None or any(f.error or f.check or f.added for f in fields)
        title = t.gettext("%(clinic)s: what your massage will cost", clinic=clinic.name)
        return self._page(
            t, "clinic.html", f"/c/{quote(clinic.slug)}", title, status=status,
            private=form is not None, clinic=clinic, telegram=self._telegram(clinic, t),
            action=f"/c/{quote(clinic.slug)}/estimate", fields=fields, needs_look=needs_look,
            problem=problem,
        )

    # Handlers.

    async def clinic_page(self, request: web.Request) -> web.Response:
        t = self._translator(request)
        clinic = await self._clinic(request.match_info["slug"])
        if clinic is None:
            return self._not_found(request, t)
        return self._form_page(clinic, t)

    @staticmethod
    async def _posted(request: web.Request) -> MultiDict[str] | None:
        """The posted text fields (None when the body cannot be read as a form)."""
        if request.content_type not in ("application/x-www-form-urlencoded",
                                        "multipart/form-data"):
            return MultiDict()
        try:
            body: MultiDictProxy[Any] = await request.post()
        except RequestPayloadError:
            # Not in its Content-Encoding, or cut short: aiohttp is told the body ended, so it
            # does not try to read the rest after the response.
            request.content.feed_eof()
            return None
        except (HttpProcessingError, ValueError, UnicodeError, LookupError, AssertionError,
                ConnectionError, EOFError):
            return None  # a malformed multipart body, an unknown charset, raw bytes
        posted: MultiDict[str] = MultiDict()
        for key, value in list(body.items())[:MAX_FIELDS]:
            if isinstance(value, str):
                posted.add(key[:64], value[:forms.MAX_FIELD_LENGTH])
        return posted

    async def _posted_form(self, request: web.Request
                           ) -> tuple[MultiDict[str] | None, MultiDict[str], dict[str, str],
                                      Translator, Clinic | None]:
        """The posted form (None: not a form), it or an empty one, its fields as text, the
        page's language and the clinic of the URL (None: no such clinic)."""
        posted = await self._posted(request)
        form = posted if posted is not None else MultiDict()
        text_form = {key: form.getone(key) for key in form}
        t = self._translator(request, text_form.get("lang"))
        return posted, form, text_form, t, await self._clinic(request.match_info["slug"])

    async def estimate_page(self, request: web.Request) -> web.Response:
        posted, form, text_form, t, clinic = await self._posted_form(request)
        if clinic is None:
            return self._not_found(request, t)
        if posted is None:
            response = self._form_page(clinic, t, {}, status=400)
            # What is left of the body cannot be trusted to end where it says: a new connection.
            response.force_close()
            return response
        shown = forms.shown(text_form, clinic, form.getall("asked", []))
        try:
            with self.metrics.estimate_timer("page"):
                outcome, refused = await self._fill(
                    forms.replies(text_form), clinic.slug, t.lang, shown)
        except Busy:  # the answers come back in the form, to send again
            response = self._form_page(clinic, t, text_form, problem=t.gettext(BUSY), status=503)
            response.headers["Retry-After"] = str(Busy.retry_after)
            return response
        if outcome is None:
            # Answers the interview took but the scenario refuses: never logged with values.
            errors, details = refused or (0, "")
            log.warning("form answers refused by the scenario (%d errors)", errors)
            problem = t.gettext("These answers do not fit together: %(details)s",
                                details=details)
            return self._form_page(clinic, t, text_form, problem=problem, status=422)
        if text_form.get("edit"):  # "Change the answers" on the result page
            return self._form_page(clinic, t, text_form, outcome, status=200)
        if not outcome.complete:
            status = 422 if outcome.problems else 200
            return self._form_page(clinic, t, text_form, outcome, status=status)
        return self._result_page(clinic, t, outcome, form)

    async def document_file(self, request: web.Request) -> web.Response:
        """A document of the result page: the posted answers read again (nothing was kept),
        the document drawn in the estimate pool and sent as a file."""
        _, form, text_form, t, clinic = await self._posted_form(request)
        if clinic is None:
            return self._not_found(request, t)
        kind = request.match_info["kind"]
        shown = forms.shown(text_form, clinic, form.getall("asked", []))
        args = (forms.replies(text_form), clinic.slug, self.clinics, t.lang, shown, kind,
                text_form.get("patient_name", ""), text_form.get("patient_birth_date", ""))
        try:
            status, media_type, body = (form_document(*args) if self.pool is None
                                        else await self.pool.call(form_document, *args))
        except Busy:
            status, media_type, body = 503, "text/plain", t.gettext(BUSY).encode("utf-8")
        if status != 200:
            back = f"/c/{quote(clinic.slug)}?lang={t.lang}"
            return self._page(t, "document_error.html", f"/c/{quote(clinic.slug)}",
                              t.gettext("The document could not be made"), status=status,
                              private=True, message=body.decode("utf-8"), back=back,
                              clinic=clinic)
        name = documents.filename(kind, t.lang)
        return web.Response(body=body, content_type=media_type, headers={
            **SECURITY_HEADERS, **NO_STORE, "Content-Language": t.lang,
            "Content-Disposition": f'attachment; filename="{name}"'})

    def _result_page(self, clinic: Clinic, t: Translator, outcome: Outcome,
                     form: MultiDict[str]) -> web.Response:
        prompt = outcome.result
        assert prompt is not None and prompt.estimate is not None
        assert prompt.scenario is not None
        result, scenario = prompt.estimate, prompt.scenario
        low, high = cost_span(result)
        answers = outcome.state.answers
        facts = Facts(answers, clinic)
        rows = [(t.gettext(q.title), answer_text(q.id, answers[q.id], facts, t))
                for q in QUESTIONS if q.id in answers]
        notes = [forms.problem_text(note, t)
                 for qid in outcome.asked for note in outcome.notes.get(qid, [])]
        posted = [(key, value) for key, value in form.items() if key not in ("lang", "edit")]
        title = t.gettext("Your estimate at %(clinic)s", clinic=clinic.name)
        offered = [{"kind": kind, "label": documents.label(kind, t.lang),
                    "action": f"/c/{quote(clinic.slug)}/documents/{kind}"}
                   for kind in documents.applicable(result, scenario)]
        return self._page(
            t, "result.html", f"/c/{quote(clinic.slug)}", title, private=True,
            clinic=clinic, back=f"/c/{quote(clinic.slug)}?lang={t.lang}",
            action=f"/c/{quote(clinic.slug)}/estimate", sessions=scenario.sessions,
            total=cost_text(result, t), recommendation=recommendation_text(result, scenario, t),
            is_range=low != high, explanation=explain(result, scenario, t).split("\n\n"),
            answers=rows, notes=notes, posted=posted, documents=offered,
            schedule=dated_rows(result, t),
        )
