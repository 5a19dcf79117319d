"""The result page's documents: a form per document that applies, posting the answers back to
`/c/<slug>/documents/<kind>` (nothing is kept between the pages), which sends the PDF."""

from __future__ import annotations

import html
import io
import re

from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader

from bot.clinics import load_clinics
from bot.settings import Settings
from bot.web.server import create_app

SELF_PAY = {"purpose": "medical", "payer": "self_pay", "sessions": "6", "account": "none",
            "prescription": "no"}
HSA = {"purpose": "medical", "payer": "commercial", "insurer": "p0", "plan_type": "hdhp",
       "prescription": "no", "sessions": "8", "account": "hsa"}


async def start() -> TestClient:
    settings = Settings(_env_file=None, telegram_bot_token=None, webhook_url=None,
                        bot_username="DemoClinicBot", api_keys=[])
    client = TestClient(TestServer(create_app(settings, clinics=load_clinics())))
    await client.start_server()
    return client


def document_form(page: str, slug: str, kind: str) -> dict[str, str] | None:
    """The hidden fields of the page's form for document `kind` (None: no such form)."""
    match = re.search(rf'<form class="document"[^>]*action="/c/{slug}/documents/{kind}"'
                      r"[^>]*>(.*?)</form>", page, re.S)
    if match is None:
        return None
    return {html.unescape(name): html.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)">', match.group(1))}


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())


async def test_a_self_pay_result_offers_the_gfe_and_the_summary_as_files():
    client = await start()
    try:
        page = await (await client.post("/c/demo-clinic/estimate",
                                        data={**SELF_PAY, "lang": "es"})).text()
        gfe = document_form(page, "demo-clinic", "gfe")
        assert gfe is not None and document_form(page, "demo-clinic", "lmn") is None
        assert 'name="patient_name"' in page and 'type="date"' in page
        assert "Estimado de buena fe (PDF)" in page
        response = await client.post("/c/demo-clinic/documents/gfe", data={
            **gfe, "patient_name": "Ana Díaz", "patient_birth_date": "1980-04-25"})
        assert response.status == 200
        assert response.content_type == "application/pdf"
        assert response.headers["Cache-Control"] == "no-store"
        assert 'good-faith-estimate-es.pdf' in response.headers["Content-Disposition"]
        text = pdf_text(await response.read())
        assert "Ana Díaz" in text and "25 de abril de 1980" in text and "1234567893" in text
        summary = document_form(page, "demo-clinic", "summary")
        assert summary is not None
        response = await client.post("/c/demo-clinic/documents/summary", data=summary)
        assert response.status == 200 and "Demo Medical Massage" in pdf_text(await response.read())
    finally:
        await client.close()


async def test_an_hsa_that_needs_a_letter_offers_it():
    client = await start()
    try:
        page = await (await client.post("/c/demo-clinic/estimate", data=HSA)).text()
        lmn = document_form(page, "demo-clinic", "lmn")
        assert lmn is not None and "Letter for your doctor (PDF)" in page
        response = await client.post("/c/demo-clinic/documents/lmn", data=lmn)
        assert response.status == 200
        assert "Letter of Medical Necessity" in pdf_text(await response.read())
    finally:
        await client.close()


async def test_a_clinic_without_an_npi_gets_a_page_naming_it():
    client = await start()
    try:
        page = await (await client.post("/c/demo-tampa/estimate", data=SELF_PAY)).text()
        gfe = document_form(page, "demo-tampa", "gfe")
        assert gfe is not None
        response = await client.post("/c/demo-tampa/documents/gfe", data={
            **gfe, "patient_name": "Zebulon Quark", "patient_birth_date": "1980-04-25"})
        assert response.status == 422
        text = await response.text()
        assert "NPI" in text and "Zebulon" not in text  # what was typed is not shown back
        assert response.content_type == "text/html"
    finally:
        await client.close()


async def test_answers_that_no_longer_make_an_estimate_are_a_page_not_a_file():
    client = await start()
    try:
        response = await client.post("/c/demo-clinic/documents/summary", data={"lang": "ru"})
        assert response.status == 422 and response.content_type == "text/html"
        assert "снова" in await response.text()
    finally:
        await client.close()
