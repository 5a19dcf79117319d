"""Issue 12, the HTTP side: headers on every response, duplicate JSON keys, the estimate API
off the event loop and its per-client limit."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clinics import load_clinics
from bot.settings import Settings
from bot.web.openapi import ESTIMATE_PATH, OPENAPI_PATH
from bot.web.server import MAX_BODY_BYTES, create_app

SLUG = "demo-clinic"
SMALL = {"payer": "self_pay", "fees": {"billed_per_unit": "40.00"}}


def settings(**overrides) -> Settings:
    values = {"telegram_bot_token": None, "webhook_url": None, "bot_username": "DemoClinicBot",
              "api_keys": []}
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def client():
    async with TestClient(TestServer(create_app(settings(), clinics=load_clinics()))) as client:
        yield client


# --- X-Content-Type-Options on every response -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/no-such-page", None, 404),  # aiohttp's own pages
        ("GET", ESTIMATE_PATH, None, 405),
        ("POST", f"/c/{SLUG}/estimate", b"a=" + b"x" * MAX_BODY_BYTES, 413),
        ("GET", "/static/no-such-file.css", None, 404),
        ("GET", "/healthz", None, 200),  # the JSON responses
        ("GET", "/readyz", None, 200),
        ("GET", OPENAPI_PATH, None, 200),
        ("POST", ESTIMATE_PATH, json.dumps(SMALL).encode(), 200),
        ("POST", ESTIMATE_PATH, b"{}", 422),
        ("POST", ESTIMATE_PATH, b"{", 400),
        ("GET", "/metrics", None, 200),
        ("GET", "/static/site.css", None, 200),
    ],
)
async def test_every_response_says_nosniff(client, method, path, body, status):
    headers = {}
    if body is not None:
        headers["Content-Type"] = ("application/x-www-form-urlencoded" if path.startswith("/c/")
                                   else "application/json")
    response = await client.request(method, path, data=body, headers=headers)
    assert response.status == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- a key named twice ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [(b'{"payer": "self_pay", "fees": {"billed_per_unit": "40"}, "payer": "commercial"}',
      '"payer"'),
     (b'{"fees": {"billed_per_unit": "40", "billed_per_unit": "90"}}', '"billed_per_unit"')],
)
async def test_a_key_named_twice_is_400_naming_it(client, body, key):
    response = await client.post(ESTIMATE_PATH, data=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    problem = await response.json()
    assert problem["error"] == "duplicate_key"
    assert f"the key {key} appears twice in one object" in problem["message"]


async def test_a_long_key_named_twice_is_cut_in_the_message(client):
    key = "k" * 5000
    body = json.dumps({"fees": {"billed_per_unit": "40"}}).encode()[:-1] + \
        f', "{key}": 1, "{key}": 2}}'.encode()
    response = await client.post(ESTIMATE_PATH, data=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert len((await response.json())["message"]) < 200
