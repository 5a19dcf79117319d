"""`POST /api/v1/documents/{gfe,lmn,summary}`: the documents through the JSON API, drawn in the
estimate pool's processes, and in the OpenAPI document."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from bot.clinics import load_clinics
from bot.settings import Settings
from bot.web.openapi import DOCUMENT_PATHS, OPENAPI_PATH
from bot.web.server import create_app

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "example.json"
PATIENT = {"name": "Ана Díaz", "birth_date": "1980-04-25"}


def body(**overrides: object) -> dict:
    data = {"scenario": json.loads(EXAMPLE.read_text(encoding="utf-8")),
            "clinic": "demo-clinic", "patient": PATIENT}
    data.update(overrides)
    return data


@pytest.fixture
async def client():
    settings = Settings(_env_file=None, telegram_bot_token=None, webhook_url=None,
                        bot_username="DemoClinicBot", api_keys=[])
    client = TestClient(TestServer(create_app(settings, clinics=load_clinics())))
    await client.start_server()
    yield client
    await client.close()


def text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
                    .split())


@pytest.mark.parametrize("kind", ["gfe", "lmn", "summary"])
async def test_each_document_comes_as_a_pdf_in_the_language_asked_for(client, kind):
    response = await client.post(DOCUMENT_PATHS[kind], json=body(),
                                 headers={"Accept-Language": "es"})
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Language"] == "es"
    assert response.headers["Cache-Control"] == "no-store"
    assert '-es.pdf"' in response.headers["Content-Disposition"]
    shown = text(await response.read())
    assert "Demo Medical Massage (Seattle)" in shown
    if kind == "gfe":
        assert "Ана Díaz" in shown and "25 de abril de 1980" in shown and "1234567893" in shown


async def test_the_gfe_comes_as_fhir_when_asked_for(client):
    response = await client.post(DOCUMENT_PATHS["gfe"], json=body(),
                                 headers={"Accept": "application/fhir+json"})
    assert response.status == 200
    assert response.content_type == "application/fhir+json"
    bundle = Bundle.model_validate_json(await response.read())
    assert bundle.type == "collection"
    # The letter and the summary are PDF only: the header does not change them.
    response = await client.post(DOCUMENT_PATHS["summary"], json=body(),
                                 headers={"Accept": "application/fhir+json"})
    assert response.content_type == "application/pdf"


@pytest.mark.parametrize(("overrides", "error", "field"), [
    ({"clinic": "demo-brooklyn"}, "missing_clinic_field", "npi"),
    ({"clinic": None}, "missing_clinic_field", "clinic"),
    ({"clinic": "no-such-clinic"}, "unknown_clinic", "clinic"),
    ({"patient": None}, "invalid_patient", "patient.name"),
    ({"patient": {"name": "Ana", "birth_date": "2999-01-01"}}, "invalid_patient",
     "patient.birth_date"),
])
async def test_a_gfe_that_cannot_be_made_says_what_is_missing(client, overrides, error, field):
    response = await client.post(DOCUMENT_PATHS["gfe"], json=body(**overrides),
                                 headers={"Accept-Language": "ru"})
    assert response.status == 422
    problem = await response.json()
    assert (problem["error"], problem["field"]) == (error, field)
    assert "Ана" not in json.dumps(problem, ensure_ascii=False)  # the name is never echoed
    if error == "missing_clinic_field" and field == "npi":
        assert "NPI" in problem["message"] and "клиник" in problem["message"]


async def test_an_invalid_scenario_names_its_fields(client):
    response = await client.post(DOCUMENT_PATHS["summary"], json={"scenario": {}})
    assert response.status == 422
    problem = await response.json()
    assert problem["error"] == "invalid_scenario"
    assert ["scenario", "fees"] in [e["loc"] for e in problem["errors"]]
    response = await client.post(DOCUMENT_PATHS["summary"], data=b"{not json")
    assert response.status == 400 and (await response.json())["error"] == "not_json"


async def test_the_openapi_document_describes_the_documents(client):
    document = await (await client.get(OPENAPI_PATH)).json()
    gfe = document["paths"][DOCUMENT_PATHS["gfe"]]["post"]
    assert set(gfe["responses"]["200"]["content"]) == {"application/pdf",
                                                       "application/fhir+json"}
    lmn = document["paths"][DOCUMENT_PATHS["lmn"]]["post"]
    assert set(lmn["responses"]["200"]["content"]) == {"application/pdf"}
    request = document["components"]["schemas"]["DocumentRequest"]
    assert {"scenario", "clinic", "patient"} <= set(request["properties"])
    assert "DocumentProblem" in document["components"]["schemas"]
