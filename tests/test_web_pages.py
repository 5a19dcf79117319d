"""The clinic page, its estimate form and result page, and the 404 page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clinics import ClinicDirectory, load_clinics
from bot.i18n import translator
from bot.render import explain
from bot.settings import Settings
from bot.web.pages import build_scenario, escape, read_form, render
from bot.web.server import create_app
from estimator import Scenario, estimate

FORM = {
    "payer": "commercial",
    "insurer": "Aetna",
    "plan_type": "ppo",
    "prescription": "yes",
    "preauth": "not_required",
    "diagnosis": "m54.50",
    "sessions": "12",
    "deductible": "$1,000",
    "deductible_met": "200",
    "copay": "0",
    "coinsurance": "20%",
    "oop_max": "5000",
    "visit_limit": "20",
    "visits_used": "4",
}


def settings(**overrides) -> Settings:
    values = {"telegram_bot_token": None, "webhook_url": None, "bot_username": "DemoClinicBot",
              "api_keys": []}
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def start(clinics: ClinicDirectory | None = None, **overrides) -> TestClient:
    app = create_app(settings(**overrides), clinics=clinics or load_clinics())
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def client():
    client = await start()
    yield client
    await client.close()


def text_of(page: str) -> str:
    """The visible text, roughly: tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#x27;", "'")


# --- the clinic page -----------------------------------------------------------------------


async def test_the_clinic_page_in_english(client):
    response = await client.get("/c/demo-clinic", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status == 200
    assert response.headers["Content-Language"] == "en"
    page = await response.text()
    assert '<html lang="en">' in page
    assert "Demo Medical Massage (Seattle)" in page
    words = text_of(page)
    assert "insurance card" in words and "diagnosis code" in words
    assert "12 sessions over 6 weeks" in words
    assert 'href="https://t.me/DemoClinicBot?start=demo-clinic"' in page
    assert re.search(r'<svg[^>]*class="qr"', page)
    assert '<form class="estimate" method="post" action="/c/demo-clinic/estimate"' in page
    assert "<script" not in page
    for payer in load_clinics().get("demo-clinic").payers:
        assert f'<option value="{payer.name}"' in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


async def test_the_clinic_page_in_spanish_from_accept_language(client):
    response = await client.get("/c/demo-clinic", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert response.status == 200
    page = await response.text()
    assert '<html lang="es">' in page
    assert response.headers["Content-Language"] == "es"
    assert '<input type="hidden" name="lang" value="es">' in page
    # The switch names each language in itself and marks the current one.
    assert re.search(r'<a href="/c/demo-clinic\?lang=es" hreflang="es" lang="es" '
                     r'aria-current="true">Español</a>', page)
    assert 'href="/c/demo-clinic?lang=en"' in page and ">English</a>" in page
    t = translator("es")
    assert t.gettext("What to have ready") in page


async def test_the_language_switch_overrides_accept_language(client):
    response = await client.get("/c/demo-clinic?lang=ru", headers={"Accept-Language": "es"})
    assert '<html lang="ru">' in await response.text()
    response = await client.get("/c/demo-clinic?lang=xx", headers={"Accept-Language": "es"})
    assert '<html lang="es">' in await response.text()


async def test_slugs_are_matched_ignoring_case(client):
    response = await client.get("/c/Demo-Clinic")
    assert response.status == 200
    assert "start=demo-clinic" in await response.text()


async def test_without_a_bot_username_the_page_has_the_form_but_no_chat_link():
    client = await start(bot_username=None)
    try:
        page = await (await client.get("/c/demo-clinic")).text()
        assert "t.me" not in page and "<svg" not in page
        assert '<form class="estimate"' in page
    finally:
        await client.close()


@pytest.mark.parametrize(("language", "lang"), [("en", "en"), ("es", "es"), ("ru", "ru")])
async def test_an_unknown_clinic_is_a_404_page_in_the_visitor_language(client, language, lang):
    response = await client.get("/c/no-such-clinic", headers={"Accept-Language": language})
    assert response.status == 404
    page = await response.text()
    assert f'<html lang="{lang}">' in page
    assert translator(lang).gettext("Clinic not found") in page
    response = await client.post("/c/no-such-clinic/estimate", data=FORM)
    assert response.status == 404


async def test_clinic_data_is_escaped():
    clinics = ClinicDirectory.model_validate({"clinics": [{
        "slug": "xss", "name": "<script>alert(1)</script> & Co \"quoted\"", "state": "WA",
        "billed_per_unit": "40.00",
        "payers": [{"name": "<b>Evil</b> Insurer", "allowed_per_unit": "30.00"}],
    }]})
    client = await start(clinics)
    try:
        page = await (await client.get("/c/xss")).text()
        assert "<script>" not in page and "<b>Evil</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co &quot;quoted&quot;" in page
        response = await client.post("/c/xss/estimate",
                                     data={**FORM, "insurer": "<b>Evil</b> Insurer"})
        assert response.status == 200
        page = await response.text()
        assert "<b>Evil</b>" not in page and "&lt;b&gt;Evil&lt;/b&gt; Insurer" in page
    finally:
        await client.close()


def test_the_renderer_escapes_everything_but_markup():
    assert escape('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert escape(escape("<")) == "&lt;"
    page = render("not_found.html", title="<i>", message="a & b")
    assert "&lt;i&gt;" in page and "a &amp; b" in page


# --- the form and its result ------------------------------------------------------------------


def test_the_form_and_the_clinic_make_the_scenario():
    clinic = load_clinics().get("demo-clinic")
    scenario = build_scenario(read_form(FORM, clinic, "en"), clinic)
    assert scenario.payer == "commercial" and scenario.network == "in"
    assert scenario.fees.billed_per_unit == clinic.billed_per_unit
    assert scenario.fees.allowed_per_unit == clinic.payer("Aetna").allowed_per_unit
    assert scenario.fees.cash_per_session == clinic.cash_per_session
    assert scenario.diagnosis_codes == ["M54.50"] and scenario.prescription is True
    assert scenario.plan.deductible == Decimal("1000.00")
    assert scenario.plan.coinsurance_pct == Decimal(20)
    assert (scenario.state, scenario.session_minutes, scenario.cpt_code) == ("WA", 60, "97124")


def test_empty_boxes_are_unknowns_and_another_insurer_is_out_of_network():
    clinic = load_clinics().get("demo-clinic")
    form = {**FORM, "insurer": "other", "deductible": "", "copay": " ", "visits_used": ""}
    scenario = build_scenario(read_form(form, clinic, "en"), clinic)
    assert scenario.network == "out" and scenario.fees.allowed_per_unit is None
    assert scenario.plan.deductible is None and scenario.plan.copay is None
    assert scenario.plan.visits_used is None
    unknown = build_scenario(read_form({**FORM, "insurer": "unknown"}, clinic, "en"), clinic)
    assert unknown.network is None


async def test_posting_the_form_shows_the_estimate_and_the_explanation(client):
    response = await client.post("/c/demo-clinic/estimate", data=FORM)
    assert response.status == 200
    page = await response.text()
    clinic = load_clinics().get("demo-clinic")
    scenario = build_scenario(read_form(FORM, clinic, "en"), clinic)
    result = estimate(scenario)
    t = translator("en")
    assert f'<p class="amount" id="patient-total">{t.money(result.totals.patient)}</p>' in page
    # The headline: the recommended way to pay beside the total, and first in the explanation.
    assert result.recommended.route == "insurance"
    assert '<p class="route" id="recommended">We recommend billing your health plan.</p>' in page
    blocks = explain(result, scenario, t).split("\n\n")
    assert blocks[0].startswith("We recommend billing your health plan.\nYour cost for 12 "
                                f"sessions: {t.money(result.totals.patient)}.")
    for block in blocks:
        assert str(escape(block)) in page
    assert "Aetna" in page and "$1,000.00" in page


async def test_the_result_page_is_in_the_form_language(client):
    response = await client.post("/c/demo-clinic/estimate", data={**FORM, "lang": "es"})
    assert response.status == 200
    page = await response.text()
    assert '<html lang="es">' in page
    clinic = load_clinics().get("demo-clinic")
    scenario = build_scenario(read_form(FORM, clinic, "es"), clinic)
    explanation = explain(estimate(scenario), scenario, translator("es"))
    assert str(escape(explanation.split("\n\n")[0])) in page


async def test_unknowns_show_a_range(client):
    # A small deductible, how much of it is met unknown: billing the plan stays the best way,
    # and what it costs depends on the answer.
    form = {**FORM, "deductible": "300", "deductible_met": ""}
    response = await client.post("/c/demo-clinic/estimate", data=form)
    page = await response.text()
    clinic = load_clinics().get("demo-clinic")
    result = estimate(build_scenario(read_form(form, clinic, "en"), clinic))
    rng = result.range
    assert rng is not None and rng.low != rng.high
    t = translator("en")
    low, high = t.money(rng.low), t.money(rng.high)
    assert f'<p class="amount" id="patient-total">{low} to {high}</p>' in page
    assert f"Your cost for 12 sessions: between {low} and {high}." in page
    assert "It depends on the answers you left open" in page


async def test_a_cheaper_cash_price_is_the_headline(client):
    # Nothing of the deductible met: the plan's share costs more than the clinic's cash price.
    form = {**FORM, "deductible_met": "0"}
    response = await client.post("/c/demo-clinic/estimate", data=form)
    page = await response.text()
    clinic = load_clinics().get("demo-clinic")
    result = estimate(build_scenario(read_form(form, clinic, "en"), clinic))
    assert result.recommended.route == "self_pay"
    t = translator("en")
    cash = t.money(result.recommended.patient_total)
    assert f'<p class="amount" id="patient-total">{cash}</p>' in page
    assert "We recommend paying the clinic yourself, at its cash price." in page
    assert str(escape("paying the clinic's cash price is cheaper than billing it")) in page
    assert "Good news" not in page


async def test_answers_that_cannot_be_read_come_back_with_messages(client):
    form = {**FORM, "deductible": "a lot", "coinsurance": "120", "sessions": "0",
            "payer": "martian", "diagnosis": "???"}
    response = await client.post("/c/demo-clinic/estimate", data=form)
    assert response.status == 422
    page = await response.text()
    assert 'role="alert"' in page
    for name in ("deductible", "coinsurance", "sessions", "payer", "diagnosis"):
        assert f'id="f-{name}-error"' in page, name
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', page), name
    assert 'value="a lot"' in page  # what was typed stays in the box
    assert page.count(" autofocus") == 1  # the first field to fix has the focus
    assert re.search(r'<select id="f-payer"[^>]* autofocus', page)
    assert "“a lot” is not a number." in page


async def test_answers_that_do_not_fit_together_come_back_with_a_message(client):
    response = await client.post("/c/demo-clinic/estimate",
                                 data={**FORM, "visit_limit": "5", "visits_used": "9"})
    assert response.status == 422
    page = await response.text()
    assert 'id="f-visits_used-error"' in page
    assert "more than the visits the plan allows (5)" in page


async def test_a_post_without_form_fields_takes_the_defaults(client):
    response = await client.post("/c/demo-clinic/estimate", data=b"{}",
                                 headers={"Content-Type": "application/json"})
    assert response.status == 200  # every field has a default
    assert 'id="patient-total"' in await response.text()


async def test_the_stylesheet_is_served(client):
    response = await client.get("/static/site.css")
    assert response.status == 200
    assert response.content_type == "text/css"


def test_a_self_pay_visitor_needs_no_plan():
    clinic = load_clinics().get("demo-tampa")
    form = {"payer": "self_pay", "sessions": "6"}
    scenario = build_scenario(read_form(form, clinic, "en"), clinic)
    assert isinstance(scenario, Scenario) and scenario.payer == "self_pay"
    assert estimate(scenario).totals.patient == Decimal(6) * clinic.cash_per_session
