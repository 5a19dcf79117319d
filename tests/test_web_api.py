"""The JSON estimate API and its OpenAPI document."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clinics import load_clinics
from bot.i18n import translator
from bot.render import explain, recommendation_text
from bot.settings import Settings
from bot.web.openapi import ESTIMATE_PATH, OPENAPI_PATH
from bot.web.server import create_app
from estimator import Estimate, Scenario, estimate

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "example.json"
KEY = "k3y-for-tests"


def scenario_data() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


async def api_client(**overrides) -> TestClient:
    values = {"telegram_bot_token": None, "webhook_url": None, "bot_username": "DemoClinicBot",
              "api_keys": []}
    values.update(overrides)
    app = create_app(Settings(_env_file=None, **values), clinics=load_clinics())
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def client():
    client = await api_client()
    yield client
    await client.close()


async def test_the_api_answers_what_the_estimator_answers(client):
    response = await client.post(ESTIMATE_PATH, json=scenario_data())
    assert response.status == 200
    expected = estimate(Scenario.model_validate(scenario_data())).model_dump(mode="json")
    assert await response.json() == expected
    assert "explanation" not in expected


async def test_omitted_fields_take_their_defaults(client):
    response = await client.post(ESTIMATE_PATH, json={"fees": {"billed_per_unit": "40.00"}})
    assert response.status == 200
    body = await response.json()
    assert body == estimate(Scenario(fees={"billed_per_unit": "40.00"})).model_dump(mode="json")


@pytest.mark.parametrize(
    ("language", "lang"),
    [("es-MX,es;q=0.9,en;q=0.5", "es"), ("ru", "ru"), ("de, fr;q=0.5", "en"), (None, "en")],
)
async def test_the_explanation_is_in_the_language_asked_for(client, language, lang):
    headers = {"Accept-Language": language} if language else {}
    response = await client.post(f"{ESTIMATE_PATH}?explain=true", json=scenario_data(),
                                 headers=headers)
    assert response.status == 200
    assert response.headers["Content-Language"] == lang
    body = await response.json()
    scenario = Scenario.model_validate(scenario_data())
    result = estimate(scenario)
    explanation = body.pop("explanation")
    assert explanation == explain(result, scenario, translator(lang))
    # The headline first: the recommended way to pay, then the course's total.
    t = translator(lang)
    assert explanation.startswith(recommendation_text(result, scenario, t) + "\n")
    assert t.money(result.recommended.patient_total) in explanation.split("\n")[1]
    assert body == result.model_dump(mode="json")


async def test_a_bad_field_is_422_naming_the_field(client):
    data = scenario_data()
    data["plan"]["copay"] = "-5"
    data["sessions"] = 0
    response = await client.post(ESTIMATE_PATH, json=data)
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "invalid_scenario"
    locs = [error["loc"] for error in body["errors"]]
    assert ["plan", "copay"] in locs and ["sessions"] in locs
    assert all(set(error) == {"loc", "msg", "type"} for error in body["errors"])
    assert "plan.copay" in body["message"] and "sessions" in body["message"]


async def test_union_member_tags_are_left_out_of_the_location(client):
    data = scenario_data()
    data["plan"]["oop_max"] = "lots"
    response = await client.post(ESTIMATE_PATH, json=data)
    assert response.status == 422
    locs = {tuple(error["loc"]) for error in (await response.json())["errors"]}
    assert locs == {("plan", "oop_max")}


@pytest.mark.parametrize(
    "payload", [[1, 2], "text", 42, None, {}, {"fees": {"billed_per_unit": 1}, "extra": 1}]
)
async def test_json_that_is_not_a_scenario_is_422(client, payload):
    response = await client.post(ESTIMATE_PATH, data=json.dumps(payload),
                                 headers={"Content-Type": "application/json"})
    assert response.status == 422
    assert (await response.json())["errors"]


@pytest.mark.parametrize("body", [b"{", b"not json", b"", b"\xff", b'{"sessions": NaN}',
                                  b"[" * 100_000])
async def test_a_body_that_is_not_json_is_400(client, body):
    response = await client.post(ESTIMATE_PATH, data=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"] == "not_json"


async def test_a_malformed_explain_flag_is_400(client):
    response = await client.post(f"{ESTIMATE_PATH}?explain=maybe", json=scenario_data())
    assert response.status == 400
    assert (await response.json())["error"] == "bad_parameter"


async def test_a_body_over_one_megabyte_is_413(client):
    body = b'{"fees": {"billed_per_unit": "1"}, "state": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post(ESTIMATE_PATH, data=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 413


async def test_api_keys_require_a_bearer_token():
    client = await api_client(api_keys=[KEY, "another-key"])
    try:
        response = await client.post(ESTIMATE_PATH, json=scenario_data())
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await response.json())["error"] == "unauthorized"

        response = await client.post(ESTIMATE_PATH, json=scenario_data(),
                                     headers={"Authorization": "Bearer wrong"})
        assert response.status == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]

        response = await client.post(ESTIMATE_PATH, json=scenario_data(),
                                     headers={"Authorization": f"Basic {KEY}"})
        assert response.status == 401

        for key in (KEY, "another-key"):
            response = await client.post(ESTIMATE_PATH, json=scenario_data(),
                                         headers={"Authorization": f"Bearer {key}"})
            assert response.status == 200

        document = await (await client.get(OPENAPI_PATH)).json()  # the document stays public
        assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
        assert "401" in document["paths"][ESTIMATE_PATH]["post"]["responses"]
    finally:
        await client.close()


# --- the OpenAPI document -------------------------------------------------------------------


async def test_the_openapi_document_is_3_1_and_built_from_the_models(client):
    response = await client.get(OPENAPI_PATH)
    assert response.status == 200
    document = await response.json()
    assert document["openapi"] == "3.1.0"
    operation = document["paths"][ESTIMATE_PATH]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Scenario"
    }
    assert "securitySchemes" not in document["components"]
    schemas = document["components"]["schemas"]
    assert set(Scenario.model_fields) == set(schemas["Scenario"]["properties"])
    assert set(Estimate.model_fields) <= set(schemas["EstimateResponse"]["properties"])
    assert "explanation" not in schemas["EstimateResponse"]["required"]
    rows = schemas["SessionRow"]
    assert rows["additionalProperties"] is False
    assert set(rows["required"]) == set(rows["properties"]) >= {"n", "billed", "patient"}
    assert schemas["Estimate"]["properties"]["sessions"]["items"] == {
        "$ref": "#/components/schemas/SessionRow"
    }
    text = json.dumps(document)
    assert "#/$defs/" not in text  # every reference points into components


async def test_a_response_matches_the_document_schema(client):
    # jsonschema-rs comes with schemathesis (the test extras).
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    document = await (await client.get(OPENAPI_PATH)).json()
    schema = {"$ref": "#/components/schemas/EstimateResponse", **document}
    data = scenario_data()
    data["plan"]["deductible"] = None  # a range (the plan stays cheaper than the clinic's charge)
    data["fees"].pop("cash_per_session", None)
    response = await client.post(f"{ESTIMATE_PATH}?explain=true", json=data)
    body = await response.json()
    assert body["range"] is not None
    jsonschema_rs.Draft202012Validator(schema).validate(body)
    body["unexpected"] = 1
    assert not jsonschema_rs.Draft202012Validator(schema).is_valid(body)


# --- hostile requests: 4xx, never counted as the API's error, no traceback -------------------


@pytest.mark.parametrize(
    "authorization",
    [b"Bearer \xff\xfe", "Bearer \u043a\u043b\u044e\u0447".encode(), KEY.encode() + b"\x80",
     b"Bearer " + KEY.encode() + b"\xff", "Bearer k3y-for-tests\u00e9".encode()],
)
async def test_an_api_key_that_is_not_ascii_is_a_wrong_key(caplog, authorization):
    from tests.test_web_server import metric, post_bytes, raw_request, tracebacks

    client = await api_client(api_keys=[KEY])
    try:
        status = await raw_request(client.port, post_bytes(
            ESTIMATE_PATH, {b"Authorization": authorization,
                            b"Content-Type": b"application/json"},
            json.dumps(scenario_data()).encode()))
        assert status == 401
        assert metric(client, 'massage_bot_errors_total{where="api"}') == 0
        assert tracebacks(caplog) == []
    finally:
        await client.close()


def test_is_api_key_refuses_what_cannot_be_a_key():
    settings = Settings(_env_file=None, api_keys=[KEY])
    assert settings.is_api_key(KEY)
    for candidate in ("\udcff", KEY + "\udc80", "\ud800", "\u043a\u043b\u044e\u0447", "", None):
        assert not settings.is_api_key(candidate)


@pytest.mark.parametrize(("encoding", "body"),
                         [(b"gzip", b"not gzip"), (b"deflate", b"not deflate either")])
async def test_a_body_that_does_not_decode_is_400(caplog, encoding, body):
    from tests.test_web_server import metric, post_bytes, raw_request, tracebacks

    client = await api_client(api_keys=[KEY])
    try:
        status = await raw_request(client.port, post_bytes(
            ESTIMATE_PATH, {b"Authorization": f"Bearer {KEY}".encode(),
                            b"Content-Encoding": encoding,
                            b"Content-Type": b"application/json"}, body))
        assert status == 400
        await asyncio.sleep(0.1)
        assert metric(client, 'massage_bot_errors_total{where="api"}') == 0
        assert tracebacks(caplog) == []
        # A good gzip body is read as usual.
        response = await client.post(
            ESTIMATE_PATH, data=gzip.compress(json.dumps(scenario_data()).encode()),
            headers={"Authorization": f"Bearer {KEY}", "Content-Encoding": "gzip",
                     "Content-Type": "application/json"})
        assert response.status == 200
    finally:
        await client.close()


async def test_an_unreadable_body_is_400_with_its_own_code(client):
    response = await client.post(ESTIMATE_PATH, data=b"not gzip",
                                 headers={"Content-Encoding": "gzip",
                                          "Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"] == "unreadable_body"


async def test_a_client_leaving_mid_body_leaves_no_traceback(caplog):
    from tests.test_web_server import metric, post_bytes, raw_request, tracebacks

    client = await api_client()
    try:
        body = json.dumps(scenario_data()).encode()
        request = post_bytes(ESTIMATE_PATH, {b"Content-Type": b"application/json"},
                             body[:10], length=len(body))
        assert await raw_request(client.port, request, hang_up=True) is None
        await asyncio.sleep(0.3)
        assert metric(client, 'massage_bot_errors_total{where="api"}') == 0
        assert tracebacks(caplog) == []
        assert (await client.post(ESTIMATE_PATH, json=scenario_data())).status == 200
    finally:
        await client.close()
