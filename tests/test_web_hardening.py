"""Issue 12, the HTTP side: headers on every response, duplicate JSON keys, the estimate API
off the event loop and its per-client limit."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clinics import load_clinics
from bot.settings import Settings
from bot.web import estimates
from bot.web.estimates import ClientLimits
from bot.web.openapi import ESTIMATE_PATH, OPENAPI_PATH
from bot.web.server import MAX_BODY_BYTES, create_app
from tests.fakes import FakeTelegramAPI
from tests.fakes.scenarios import WORST

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


# --- the estimate API off the event loop, and its limits ---------------------------------------



async def started(**overrides) -> TestClient:
    client = TestClient(TestServer(create_app(settings(**overrides), clinics=load_clinics())))
    await client.start_server()
    return client


async def test_health_is_answered_while_heavy_estimates_run():
    from bot.web.server import POOL_KEY

    client = await started(api_estimate_processes=1, api_estimate_queue=16)
    try:
        pool = client.server.app[POOL_KEY]
        assert (await client.post(ESTIMATE_PATH, json=SMALL)).status == 200  # processes up
        finished: list[str] = []

        async def heavy() -> None:
            response = await client.post(ESTIMATE_PATH, json=WORST)
            assert response.status == 200
            finished.append("estimate")

        estimates = [asyncio.create_task(heavy()) for _ in range(6)]
        # Until every one of them is being computed or waits for it (or, were they computed on
        # the loop, done).
        while pool.in_flight < 6 and not all(task.done() for task in estimates):
            await asyncio.sleep(0.001)
        for _ in range(20):  # one after the other: each needs the server's loop again
            assert (await client.get("/healthz")).status == 200
        finished.append("healthz")
        await asyncio.gather(*estimates)
        # Six estimates of the largest scenario, one process: the loop answered twenty health
        # checks before most of them were done.
        assert finished.index("healthz") < 3, finished
    finally:
        await client.close()


async def test_a_client_over_its_limit_gets_429_with_retry_after():
    client = await started(api_rate_limit_requests=2, api_rate_limit_seconds=60)
    try:
        for _ in range(2):
            assert (await client.post(ESTIMATE_PATH, json=SMALL)).status == 200
        response = await client.post(ESTIMATE_PATH, json=SMALL)
        assert response.status == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        problem = await response.json()
        assert problem["error"] == "rate_limited"
        assert "2 estimates in 60 seconds" in problem["message"]
        assert (await client.get("/healthz")).status == 200  # the rest of the server is not
    finally:
        await client.close()


async def test_the_limit_counts_each_api_key_on_its_own():
    client = await started(api_keys=["key-one", "key-two"], api_rate_limit_requests=1)
    try:
        def post(key: str):
            return client.post(ESTIMATE_PATH, json=SMALL,
                               headers={"Authorization": f"Bearer {key}"})

        assert (await post("key-one")).status == 200
        assert (await post("key-one")).status == 429
        assert (await post("key-two")).status == 200
        # A wrong key is refused as such, and counts against nobody.
        assert (await post("not-a-key")).status == 401
        assert (await post("key-two")).status == 429
    finally:
        await client.close()


async def test_a_full_line_gets_503_with_retry_after_at_once():
    client = await started(api_estimate_processes=1, api_estimate_queue=1)
    try:
        assert (await client.post(ESTIMATE_PATH, json=SMALL)).status == 200  # processes up
        responses = await asyncio.gather(
            *(client.post(ESTIMATE_PATH, json=WORST) for _ in range(5)))
        statuses = sorted(response.status for response in responses)
        assert statuses == [200, 200, 503, 503, 503]
        busy = [response for response in responses if response.status == 503]
        assert all(response.headers["Retry-After"] == "1" for response in busy)
        assert {(await response.json())["error"] for response in busy} == {"busy"}
        assert (await client.post(ESTIMATE_PATH, json=SMALL)).status == 200  # and after
    finally:
        await client.close()


def test_client_limits_slide_and_say_how_long_to_wait():
    now = [1000.0]
    limits = ClientLimits(limit=2, period=10, clock=lambda: now[0])
    assert limits.retry_after("a") is None
    now[0] += 4
    assert limits.retry_after("a") is None
    assert limits.retry_after("b") is None  # another client
    now[0] += 1
    assert limits.retry_after("a") == 5  # the first of a's two leaves the window at 1010
    now[0] += 5.5
    assert limits.retry_after("a") is None
    assert limits.retry_after("a") == 4


def test_client_limits_forget_the_least_recent_client_first(monkeypatch):
    monkeypatch.setattr(estimates, "MAX_CLIENTS", 3)
    limits = ClientLimits(limit=1, period=60, clock=lambda: 0.0)
    for client in ("a", "b", "c"):
        assert limits.retry_after(client) is None
    assert limits.retry_after("a") is not None  # a is the most recent now
    assert limits.retry_after("d") is None  # b is forgotten
    assert limits.retry_after("a") is not None and limits.retry_after("c") is not None
    assert limits.retry_after("b") is None


# --- the Expect header (found by tests/test_fuzz_http.py) --------------------------------------


@pytest.fixture
async def full_server():
    from tests.test_web_server import TOKEN, echo_application, make_settings

    async with FakeTelegramAPI(token=TOKEN) as fake:
        app = create_app(make_settings(fake), clinics=load_clinics(),
                         telegram_app=echo_application(fake))
        async with TestClient(TestServer(app)) as client:
            yield client


BODY_ROUTES = [("/telegram", b"{}"), (ESTIMATE_PATH, json.dumps(SMALL).encode()),
               (f"/c/{SLUG}/estimate", b"payer=self_pay")]


@pytest.mark.parametrize(("path", "body"), BODY_ROUTES)
@pytest.mark.parametrize("expect", [b"\xff", b"something-else"])
async def test_an_unknown_expect_is_417_without_a_traceback(full_server, caplog, path, body,
                                                           expect):
    from tests.test_web_server import post_bytes, raw_request, tracebacks

    status = await raw_request(full_server.port, post_bytes(path, {b"Expect": expect}, body))
    assert status == 417
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(("path", "body"), BODY_ROUTES)
async def test_a_client_leaving_before_100_continue_leaves_no_traceback(full_server, caplog,
                                                                       path, body):
    from tests.test_web_server import post_bytes, tracebacks

    request = post_bytes(path, {b"Expect": b"100-continue"}, body)
    for _ in range(10):  # gone at once: the server finds the connection closing
        _, writer = await asyncio.open_connection("127.0.0.1", full_server.port)
        writer.write(request)
        writer.close()
    await asyncio.sleep(0.3)
    assert tracebacks(caplog) == []
    # And a client that waits for the 100 Continue is served as usual.
    response = await full_server.post(ESTIMATE_PATH, json=SMALL,
                                      headers={"Expect": "100-continue"})
    assert response.status == 200


# --- the OpenAPI document and the validation agree ---------------------------------------------

BASE = {"payer": "auto", "fallback_payer": "commercial", "fees": {"billed_per_unit": "40.00"}}
PROBES = [True, False, 0, 1, 0.0, 1.0, 5, 5.0, 5.5, 1e300, "5", "true", "yes", "", None, [], {}]


def _document_schema() -> dict:
    from bot.web.openapi import document

    doc = document()
    return {"$ref": "#/components/schemas/Scenario", **doc}, doc["components"]["schemas"]


def _fields(schemas: dict, kind: str) -> list[tuple[str, ...]]:
    """The scenario's fields (paths) whose document type is `kind` (alone or with null)."""
    found = []
    for model, prefix in (("Scenario", ()), ("Plan", ("plan",)), ("WorkersComp",
                                                                ("workers_comp",)),
                          ("Auto", ("auto",))):
        for name, prop in schemas[model]["properties"].items():
            types = {option.get("type") for option in prop.get("anyOf", [prop])}
            if kind in types:
                found.append((*prefix, name))
    return found


def _with(path: tuple[str, ...], value: object) -> dict:
    data = json.loads(json.dumps(BASE))
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
    return data


@pytest.mark.parametrize("kind", ["boolean", "integer"])
def test_what_the_document_allows_is_what_the_api_accepts(kind):
    """Every boolean and integer field, probed with values of every JSON type: the scenario
    validates exactly when the OpenAPI document's schema says it does (`lmn: 0` was accepted
    though the document says boolean; `sessions: 69.0` refused though it says integer)."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    from pydantic import ValidationError

    from estimator import Scenario

    schema, schemas = _document_schema()
    validator = jsonschema_rs.Draft202012Validator(schema)
    fields = _fields(schemas, kind)
    assert ("lmn",) in fields or ("sessions",) in fields
    disagreements = []
    for path in fields:
        for value in PROBES:
            data = _with(path, value)
            try:
                Scenario.model_validate(data)
                accepted = True
            except ValidationError:
                accepted = False
            if accepted != validator.is_valid(data):
                disagreements.append(f"{'.'.join(path)}={value!r}: document "
                                     f"{'allows' if validator.is_valid(data) else 'refuses'}")
    assert disagreements == []


async def test_the_api_takes_lmn_as_a_boolean_only_and_counts_without_a_fraction(client):
    def post(**fields):
        return client.post(ESTIMATE_PATH, json={**SMALL, **fields})

    assert (await post(lmn=0)).status == 422
    assert (await post(lmn="yes")).status == 422
    assert (await post(lmn=True)).status == 200
    response = await post(sessions=69.0)
    assert response.status == 200
    assert len((await response.json())["sessions"]) == 69
    assert (await post(sessions=69.5)).status == 422
    assert (await post(sessions=True)).status == 422


# The clinic page's form is the whole interview narrowed down (dozens of estimates for a car
# accident over 365 sessions): it is read in the same pool, not on the loop.
HEAVY_FORM = {"purpose": "medical", "payer": "auto", "fallback": "commercial", "insurer": "p0",
              "prescription": "yes", "diagnosis": "M54.50", "sessions": "365"}
FORM_PATH = "/c/demo-clinic/estimate"


async def test_the_clinic_form_is_read_in_the_pool_and_a_full_line_keeps_the_answers():
    """One estimate process and one place in line: while the process is busy (a job that
    sleeps, so the test does not hang on how fast an estimate is), one form waits in line and
    the others get a 503 page that keeps what the visitor typed; the event loop answers
    meanwhile, and the form in line gets its estimate once the process is free."""
    from bot.web.server import POOL_KEY

    client = await started(api_estimate_processes=1, api_estimate_queue=1)
    try:
        pool = client.server.app[POOL_KEY]
        assert (await client.post(ESTIMATE_PATH, json=SMALL)).status == 200  # processes up
        busy_for = 5.0  # far longer than posting four forms takes, even on a loaded machine
        blocker = asyncio.create_task(pool.call(time.sleep, busy_for))
        while pool.in_flight < 1:
            await asyncio.sleep(0.001)
        forms = [asyncio.create_task(client.post(FORM_PATH, data=HEAVY_FORM)) for _ in range(4)]
        while sum(task.done() for task in forms) < 3:
            await asyncio.sleep(0.001)
        assert not blocker.done(), "the process was free before the forms were read"
        assert (await client.get("/healthz")).status == 200
        responses = await asyncio.gather(*forms)
        await blocker
        assert sorted(r.status for r in responses) == [200, 503, 503, 503]
        busy = next(r for r in responses if r.status == 503)
        page = await busy.text()
        assert busy.headers["Retry-After"] == "1"
        assert "send the form again in a moment" in page
        assert 'value="365"' in page  # nothing the visitor typed is lost
        done = next(r for r in responses if r.status == 200)
        assert 'id="recommended"' in await done.text()
    finally:
        await client.close()
