"""The clinic page, its estimate form (the chat's questions, read by the chat's `step()`), the
result page, and the 404 page."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape

from bot.clinics import ClinicDirectory, load_clinics
from bot.i18n import translator
from bot.interview import Answer, step
from bot.interview.forms import form_questions
from bot.interview.parsing import ParseError
from bot.interview.questions import BY_ID
from bot.interview.reading import problem_for
from bot.render import explain
from bot.settings import Settings
from bot.web.forms import problem_text
from bot.web.pages import environment, render
from bot.web.server import create_app

# The form's fields are the catalog's question ids; choices are the options' stable values.
FORM = {
    "purpose": "medical",
    "payer": "commercial",
    "insurer": "p0",  # Aetna, the clinic's first insurer
    "plan_type": "ppo",
    "prescription": "yes",
    "diagnosis": "m54.50",
    "preauth": "not_required",
    "deductible": "$1,000",
    "deductible_met": "200",
    "cost_share": "coinsurance",
    "coinsurance": "20%",
    "oop_max": "5000",
    "oop_met": "0",
    "visit_limit": "20",
    "visits_used": "4",
    "sessions": "12",
    "account": "none",
}
CHOICES = {"purpose", "payer", "insurer", "plan_type", "prescription", "preauth", "cost_share",
           "account"}


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
    """The visible text, roughly: tags removed, whitespace collapsed, entities of quotes read."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    return text.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")


def chat(answers: dict[str, str], slug: str = "demo-clinic", lang: str = "en",
         asked: list[str | None] | None = None):
    """The chat played with the same answers, one message each, "I don't know" to the rest,
    narrowing the first estimate down while some answers are not used yet: its state and its
    last prompt (the result). `asked` gets each question asked, and None for "Narrow it
    down"."""
    asked = [] if asked is None else asked
    clinics = load_clinics()
    state, prompt = step(None, Answer(kind="start", value=slug), clinics, lang)
    narrowed = 0
    for _ in range(100):
        unused = any(q not in state.answers for q in answers if q != "lang")
        if prompt.kind == "result" and prompt.narrow and unused and narrowed < 2:
            narrowed += 1
            asked.append(None)
            state, prompt = step(state, Answer(kind="narrow"), clinics, lang)
            continue
        if prompt.kind != "question":
            break
        asked.append(prompt.question_id)
        value = answers.get(prompt.question_id)
        if value is None:
            answer = Answer(kind="unknown")
        elif prompt.question_id in CHOICES:
            answer = Answer(kind="choice", value=value)
        else:
            answer = Answer(kind="text", value=value)
        state, prompt = step(state, answer, clinics, lang)
    return state, prompt


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="f-{name}-error">([^<]*)</p>', page)
    assert match, name
    return match.group(1)


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
    # The clinic's insurers are the insurer question's options, as in the chat.
    for index, payer in enumerate(load_clinics().get("demo-clinic").payers):
        assert f'<option value="p{index}">{payer.name}</option>' in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Cache-Control" not in response.headers  # nothing of the visitor's in it


async def test_the_form_is_the_chat_question_catalog(client):
    page = await (await client.get("/c/demo-clinic?lang=en")).text()
    clinic = load_clinics().get("demo-clinic")
    questions = form_questions(clinic)
    names = re.findall(r'<(?:select|input) id="f-([a-z_]+)" name="\1"', page)
    assert sorted(names) == sorted(q.id for q in questions)
    # A clinic link knows the provider, session length and prices: never asked. Where a car is
    # insured it does not know (a Florida clinic treats New York policies too): asked.
    assert {"provider", "minutes", "price", "cash"}.isdisjoint(names)
    assert "state" in names
    t = translator("en")
    words = text_of(page)
    for question in questions:
        assert t.gettext(question.message) in words, question.id  # the label
        assert t.gettext(question.help) in words, question.id  # the hint
    # Every field has "I don't know": the default of a select, a checkbox beside a typed box.
    assert re.search(r'<select id="f-payer" name="payer"[^>]*>\s*<option value="" selected>'
                     r"I don&#39;t know</option>", page)
    assert '<input type="checkbox" name="deductible-unknown" value="1">' in page
    # A typed question's options ("No deductible") are offered beside the box.
    assert re.search(r'<select id="f-deductible-option" name="deductible-option">.*?'
                     r'<option value="0">No deductible</option>', page, re.S)


async def test_the_form_speaks_the_chat_words_in_spanish(client):
    page = await (await client.get("/c/demo-clinic?lang=es")).text()
    t = translator("es")
    words = text_of(page)
    payer = BY_ID["payer"]
    assert t.gettext(payer.message) in words
    for option in payer.options:
        assert f">{escape(t.gettext(option.label))}</option>" in page
    assert t.gettext("I don't know") in words


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
    assert str(escape(translator(lang).gettext("Clinic not found"))) in page
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
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co &#34;quoted&#34;" in page
        assert "&lt;b&gt;Evil&lt;/b&gt; Insurer</option>" in page
        response = await client.post("/c/xss/estimate", data={**FORM, "insurer": "p0"})
        assert response.status == 200
        page = await response.text()
        assert 'id="patient-total"' in page
        assert "<b>Evil</b>" not in page and "&lt;b&gt;Evil&lt;/b&gt; Insurer" in page
    finally:
        await client.close()


async def test_what_the_visitor_types_is_escaped(client):
    response = await client.post("/c/demo-clinic/estimate",
                                 data={**FORM, "deductible": '"><script>alert(1)</script>'})
    assert response.status == 422
    page = await response.text()
    assert "<script>" not in page
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_the_templates_escape_everything():
    env = environment("en")
    assert env.autoescape is not False
    assert env.from_string("{{ x }}").render(x='<a href="x">') == "&lt;a href=&#34;x&#34;&gt;"
    page = render("not_found.html", "en", title="<i>", languages=[])
    assert "&lt;i&gt;" in page and "<i>" not in page


# --- the form and its result ------------------------------------------------------------------


async def test_posting_the_form_shows_the_chat_estimate_and_explanation(client):
    response = await client.post("/c/demo-clinic/estimate", data=FORM)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"  # it shows the visitor's answers
    page = await response.text()
    state, prompt = chat(FORM)
    result, scenario = prompt.estimate, prompt.scenario
    assert scenario.payer == "commercial" and scenario.network == "in"
    assert scenario.diagnosis_codes == ["M54.50"] and scenario.plan.deductible == Decimal(1000)
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
    # The answers as the chat records them: the insurer's name, the amount, the code's title.
    words = text_of(page)
    assert "Aetna" in words and "$1,000.00" in words and "Low back pain" in words


async def test_the_result_page_is_in_the_form_language(client):
    response = await client.post("/c/demo-clinic/estimate", data={**FORM, "lang": "es"})
    assert response.status == 200
    page = await response.text()
    assert '<html lang="es">' in page
    _, prompt = chat(FORM, lang="es")
    explanation = explain(prompt.estimate, prompt.scenario, translator("es"))
    assert str(escape(explanation.split("\n\n")[0])) in page


async def test_typed_amounts_are_read_as_the_chat_reads_them_in_spanish(client):
    form = {**FORM, "deductible": "1.200,50", "lang": "es"}
    page = await (await client.post("/c/demo-clinic/estimate", data=form)).text()
    state, _ = chat(form, lang="es")
    assert state.answers["deductible"] == "1200.50"
    assert translator("es").money(Decimal("1200.50")) in text_of(page)


async def test_i_dont_know_is_the_chat_unknown_and_shows_a_range(client):
    # A small deductible, how much of it is met unknown: billing the plan stays the best way,
    # and what it costs depends on the answer.
    form = {**FORM, "deductible": "300", "deductible_met": "150", "deductible_met-unknown": "1"}
    response = await client.post("/c/demo-clinic/estimate", data=form)
    assert response.status == 200
    page = await response.text()
    state, prompt = chat({**FORM, "deductible": "300", "deductible_met": None})
    rng = prompt.estimate.range
    assert rng is not None and rng.low != rng.high
    t = translator("en")
    low, high = t.money(rng.low), t.money(rng.high)
    assert f'<p class="amount" id="patient-total">{low} to {high}</p>' in page
    assert f"Your cost for 12 sessions: between {low} and {high}." in page
    assert "It depends on the answers you left open" in page
    assert re.search(r"<dt>Deductible met</dt><dd>don&#39;t know</dd>", page)


async def test_a_cheaper_cash_price_is_the_headline(client):
    # Nothing of the deductible met: the plan's share costs more than the clinic's cash price.
    form = {**FORM, "deductible_met": "", "deductible_met-option": "0"}
    page = await (await client.post("/c/demo-clinic/estimate", data=form)).text()
    _, prompt = chat({**FORM, "deductible_met": "0"})
    result = prompt.estimate
    assert result.recommended.route == "self_pay"
    t = translator("en")
    cash = t.money(result.recommended.patient_total)
    assert f'<p class="amount" id="patient-total">{cash}</p>' in page
    assert "We recommend paying the clinic yourself, at its cash price." in page
    assert str(escape("paying the clinic's cash price is cheaper than billing it")) in page


async def test_answers_that_cannot_be_read_come_back_with_the_chat_messages(client):
    form = {**FORM, "deductible": "a lot", "coinsurance": "120", "sessions": "0",
            "payer": "martian", "diagnosis": "???"}
    response = await client.post("/c/demo-clinic/estimate", data=form)
    assert response.status == 422
    assert response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    assert 'role="alert"' in page
    t = translator("en")
    # "martian" is no payer: the chat's "choose one of the options", and the form goes on.
    assert field_error(page, "payer") == str(escape(t.gettext(
        "Please choose one of the options.")))
    assert field_error(page, "deductible") == str(escape(t.gettext(
        "Please type an amount in dollars, for example 1200.")))
    problem = problem_for(ParseError("out_of_range", low=0, high=100), BY_ID["coinsurance"])
    assert field_error(page, "coinsurance") == problem_text(problem, t) == (
        "Please enter a value from 0% to 100%.")
    assert field_error(page, "sessions") == "Please enter a value from 1 to 365."
    assert 'id="f-diagnosis-error"' in page
    for name in ("deductible", "coinsurance", "sessions", "payer", "diagnosis"):
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', page), name
    # Everything typed stays in the form.
    assert 'value="a lot"' in page and 'value="120"' in page and 'value="???"' in page
    assert '<option value="p0" selected>Aetna</option>' in page
    assert page.count(" autofocus") == 1  # the first field to fix has the focus
    assert re.search(r'<select id="f-payer"[^>]* autofocus', page)


async def test_visits_used_above_the_limit_are_refused_as_in_the_chat(client):
    response = await client.post("/c/demo-clinic/estimate",
                                 data={**FORM, "visit_limit": "5", "visits_used": "9"})
    assert response.status == 422
    page = await response.text()
    assert field_error(page, "visits_used") == "Please enter a value from 0 to 5."
    assert 'value="9"' in page


async def test_a_value_the_chat_reads_back_is_confirmed_in_the_form(client):
    # "1.000" in Spanish may be a thousand or one dollar: the chat asks, so does the form.
    form = {**FORM, "deductible": "1.000", "lang": "es"}
    response = await client.post("/c/demo-clinic/estimate", data=form)
    page = await response.text()
    assert response.status == 200 and 'id="patient-total"' not in page
    assert 'id="f-deductible-check"' in page
    assert '<input type="hidden" name="deductible-checked" value="1.000">' in page
    assert '<input type="radio" name="deductible-confirm" value="1000.00">' in page
    assert '<input type="radio" name="deductible-confirm" value="1.00">' in page
    confirmed = {**form, "deductible-checked": "1.000", "deductible-confirm": "1000.00"}
    page = await (await client.post("/c/demo-clinic/estimate", data=confirmed)).text()
    assert 'id="patient-total"' in page
    assert translator("es").money(Decimal(1000)) in text_of(page)
    # Kept while another answer is fixed: not asked twice.
    page = await (await client.post("/c/demo-clinic/estimate",
                                     data={**confirmed, "coinsurance": "lots"})).text()
    assert 'id="f-deductible-check"' not in page and 'id="f-coinsurance-error"' in page
    assert '<input type="hidden" name="deductible-confirm" value="1000.00">' in page
    assert re.search(r'<input id="f-coinsurance"[^>]* autofocus', page)
    # A confirmation of another text is not taken for this one.
    changed = {**confirmed, "deductible": "2.000"}
    page = await (await client.post("/c/demo-clinic/estimate", data=changed)).text()
    assert 'id="patient-total"' not in page and 'value="2.000"' in page


async def test_a_category_code_adds_the_chat_question_for_the_billable_code(client):
    form = {**FORM, "diagnosis": "M54.5"}
    page = await (await client.post("/c/demo-clinic/estimate", data=form)).text()
    assert 'id="patient-total"' not in page
    assert '<input type="hidden" name="asked" value="diagnosis_child">' in page
    assert re.search(r'<select id="f-diagnosis_child" name="diagnosis_child"[^>]* autofocus',
                     page)
    assert "M54.51" in page and "Vertebrogenic low back pain" in page
    assert 'value="M54.5"' in page
    picked = {**form, "asked": "diagnosis_child", "diagnosis_child": "M54.51"}
    page = await (await client.post("/c/demo-clinic/estimate", data=picked)).text()
    assert 'id="patient-total"' in page and "M54.51" in text_of(page)
    # "Change the answers" shows it again, picked, without pointing at it.
    page = await (await client.post("/c/demo-clinic/estimate",
                                    data={**picked, "edit": "1"})).text()
    assert '<option value="M54.51" selected>' in page
    assert '<input type="hidden" name="asked" value="diagnosis_child">' in page
    assert "One more question" not in page and 'role="alert"' not in page


async def test_questions_that_do_not_apply_are_ignored_on_the_server(client):
    # A self-paying patient's plan answers are left out, as the chat never asks them.
    form = {**FORM, "payer": "self_pay", "deductible": "a lot"}
    response = await client.post("/c/demo-clinic/estimate", data=form)
    assert response.status == 200
    page = await response.text()
    state, prompt = chat({**FORM, "payer": "self_pay"})
    assert "deductible" not in state.answers and "insurer" not in state.answers
    t = translator("en")
    assert (f'<p class="amount" id="patient-total">{t.money(prompt.estimate.totals.patient)}'
            "</p>") in page
    assert "<dt>Deductible</dt>" not in page


async def test_an_empty_form_asks_what_the_chat_asks_and_then_assumes_as_it_does(client):
    response = await client.post("/c/demo-clinic/estimate", data={"lang": "en"})
    page = await response.text()
    assert response.status == 200 and 'id="patient-total"' not in page
    # "I don't know" to the first question: the chat's simpler question comes next.
    assert '<input type="hidden" name="asked" value="purpose_check">' in page
    assert "Did a doctor prescribe it, or is it for pain or an injury?" in text_of(page)
    response = await client.post("/c/demo-clinic/estimate",
                                 data={"lang": "en", "asked": "purpose_check"})
    page = await response.text()
    assert response.status == 200 and 'id="patient-total"' in page
    words = text_of(page)
    assert "Then we'll treat the massage as medical" in words
    assert "Then we'll go on as if you have a health plan" in words


async def test_a_post_that_is_not_a_form_is_the_empty_form(client):
    response = await client.post("/c/demo-clinic/estimate", data=b"{}",
                                 headers={"Content-Type": "application/json"})
    assert response.status == 200
    assert 'name="asked" value="purpose_check"' in await response.text()


@pytest.mark.parametrize(("headers", "body"), [
    ({"Content-Type": "multipart/form-data"}, b"no boundary"),
    ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\nnot a header\r\n"),
    ({"Content-Type": "application/x-www-form-urlencoded; charset=bogus"}, b"payer=self_pay"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"payer=\xff\xfe&deductible=%ff"),
    ({"Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"},
     b"not gzip"),
])
async def test_a_body_that_cannot_be_read_is_a_400_not_a_500(client, caplog, headers, body):
    response = await client.post("/c/demo-clinic/estimate", data=body, headers=headers)
    assert response.status == 400
    assert '<form class="estimate"' in await response.text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The next request is answered (a body left half read does not hang the connection).
    response = await client.post("/c/demo-clinic/estimate", data=FORM)
    assert response.status == 200


async def test_change_the_answers_brings_the_form_back_with_them(client):
    page = await (await client.post("/c/demo-clinic/estimate", data=FORM)).text()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    assert hidden["deductible"] == "$1,000" and hidden["edit"] == "1"
    response = await client.post("/c/demo-clinic/estimate", data=hidden)
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    assert 'id="patient-total"' not in page
    assert 'value="$1,000"' in page and '<option value="ppo" selected>PPO</option>' in page


async def test_nothing_the_visitor_types_is_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "Z98.890123"
    await client.post("/c/demo-clinic/estimate", data={**FORM, "diagnosis": secret,
                                                        "deductible": "4321.09"})
    await client.post("/c/demo-clinic/estimate", data=FORM)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert secret not in logged and "4321" not in logged and "M54.50" not in logged


async def test_the_stylesheet_is_served(client):
    response = await client.get("/static/site.css")
    assert response.status == 200
    assert response.content_type == "text/css"
    assert ".route" in await response.text()


async def test_a_self_pay_visitor_needs_no_plan():
    client = await start()
    try:
        form = {"purpose": "medical", "payer": "self_pay", "sessions": "6", "account": "none",
                "prescription": "no"}
        page = await (await client.post("/c/demo-tampa/estimate", data=form)).text()
        clinic = load_clinics().get("demo-tampa")
        total = translator("en").money(Decimal(6) * clinic.cash_per_session)
        assert f'<p class="amount" id="patient-total">{total}</p>' in page
    finally:
        await client.close()


async def test_a_course_that_may_cross_january_1_asks_its_first_day_and_shows_the_dates(
        client, monkeypatch):
    monkeypatch.setenv("MASSAGE_BOT_TODAY", "2026-12-07")  # the clinic's day (bot/today.py)
    page = await (await client.post("/c/demo-clinic/estimate", data=FORM)).text()
    assert 'id="patient-total"' not in page
    assert '<input type="hidden" name="asked" value="start">' in page
    assert '<option value="2026-12-14">Next week, from Dec 14, 2026</option>' in page
    dated = {**FORM, "asked": "start", "start": "2026-12-07"}
    page = await (await client.post("/c/demo-clinic/estimate", data=dated)).text()
    # Then the month the plan year starts, as the chat asks it.
    assert '<input type="hidden" name="asked" value="plan_year">' in page
    assert '<option value="7">July</option>' in page
    posted = [*dated.items(), ("asked", "plan_year"), ("plan_year", "1")]
    page = await (await client.post("/c/demo-clinic/estimate", data=posted)).text()
    assert 'id="patient-total"' in page and 'id="schedule"' in page
    assert "<td>Dec 7, 2026</td>" in page and "<td>Jan 4, 2027</td>" in page
    # Paying the clinic ($85.00 a session) is recommended: the plan's year is not the clinic's.
    assert "We recommend paying the clinic yourself" in page
    assert "Your plan year starts again during the course:" not in page
