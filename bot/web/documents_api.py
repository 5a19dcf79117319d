"""`POST /api/v1/documents/{gfe,lmn,summary}`: the documents of an estimate, as files.

    curl -H 'Content-Type: application/json' -H 'Accept-Language: es' -o gfe.pdf \\
         --data '{"scenario": {...}, "clinic": "demo-clinic",
                  "patient": {"name": "Ana Díaz", "birth_date": "1980-04-25"}}' \\
         http://127.0.0.1:8080/api/v1/documents/gfe

- 200: the PDF (`application/pdf`, as an attachment named for the document and language);
  for `gfe` with `Accept: application/fhir+json`, the Da Vinci PCT bundle as FHIR JSON;
- 422 `missing_clinic_field` (`field` names what the clinic must add), `unknown_clinic`,
  `invalid_patient` (`field`: patient.name or patient.birth_date), `not_applicable`, or
  `invalid_scenario` (the body's fields, as the estimate endpoint's);
- 400, 401, 413, 429, 503 as the estimate endpoint (bot.web.api).

The request's authentication, rate limit and estimate pool are the estimate endpoint's; the
document is drawn in the pool's processes (`bot.web.documents.make_document`).
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from ..clinics import ClinicDirectory
from ..documents import FHIR_MEDIA_TYPE, filename
from ..onboarding.live import LiveClinics
from .api import EstimateAPI, expect_continue, json_body, problem
from .documents import make_document
from .estimates import Busy
from .lang import choose
from .openapi import DOCUMENT_PATHS

__all__ = ["DocumentAPI"]

log = logging.getLogger(__name__)


def _wants_fhir(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(part.split(";")[0].strip().lower() == FHIR_MEDIA_TYPE
               for part in accept.split(","))


class DocumentAPI:
    """The document handlers; `api` lends its keys, limits and pool."""

    def __init__(self, api: EstimateAPI, clinics: ClinicDirectory,
                 live: LiveClinics | None = None) -> None:
        self.api = api
        self.clinics = clinics
        self.live = live  # the store's clinics too (bot.onboarding.live)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post(path, self.document, expect_handler=expect_continue)
                for path in DOCUMENT_PATHS.values()]

    async def document(self, request: web.Request) -> web.Response:
        refused = self.api._unauthorized(request) or self.api._limited(request)
        if refused is not None:
            return refused
        kind = request.path.rstrip("/").rsplit("/", 1)[-1]
        data = await json_body(request)
        if isinstance(data, web.Response):
            return data
        lang = choose(None, request.headers.get("Accept-Language"))
        fhir = kind == "gfe" and _wants_fhir(request)
        if self.live is not None:
            self.clinics = await self.live.current()
        try:
            status, media_type, out = await self.api.pool.call(
                make_document, kind, data, lang, fhir, self.clinics)
        except Busy:
            return problem(503, "busy", "every estimate process is busy and the line is full; "
                           "try again in a moment", **{"Retry-After": str(Busy.retry_after)})
        except Exception:
            log.exception("the %s document failed", kind)
            self.api.metrics.error("api")
            return problem(500, "internal_error", "the document failed; this is a bug")
        if status != 200:
            return web.json_response(json.loads(out), status=status)
        name = filename(kind, lang, fhir)
        return web.Response(body=out, content_type=media_type, headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Language": lang, "Vary": "Accept, Accept-Language",
            "Cache-Control": "no-store"})
