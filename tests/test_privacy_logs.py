"""Logs and metrics never carry a diagnosis code, an amount or a name (issue 6, point 3).

Whole interviews run through the real bot (`build_application`) on the fake Bot API, once behind
the web server's webhook (`create_app`, as `massage-bot serve` runs it; a relay plays Telegram,
fetching the fake's updates and posting them to /telegram) and once by polling (as
`massage-bot polling` does), with every logger captured at DEBUG (a handler on the root logger,
the root logger at DEBUG: what LOG_LEVEL=DEBUG does). The patients are "Zelda", in English,
Spanish and Russian; they type amounts with cents in their locale's format and a diagnosis code;
a staff member runs /scenario, /whatif and a scenario file with their own amounts and code; a
self-pay patient asks for the Good Faith Estimate, typing their full name and date of birth; the
JSON API gets a scenario too; and one update fails inside the handler with an exception whose
message quotes the patient's answer.

Then neither the captured log records (message, arguments, exception text) nor the /metrics page
may contain: the diagnosis codes (or their descriptions), the typed amounts in any formatting
(1234.56, 1,234.56, 1 234,56, 1.234,56, $1,234.56...), the amounts of the estimates the bot
showed, the first name, the surname and the date of birth typed for the Good Faith Estimate, the
raw chat ids (which must appear hashed: that is checked too), the bot token or the webhook
secret.

python-telegram-bot logs at DEBUG the Bot API URL with the token in it, every call's parameters
(the texts sent: the record of answers, amounts, codes) and every update (name, chat id, text),
and aiosqlite logs every SQL parameter (the stored answers, unencrypted without a key): the bot
keeps those loggers at WARNING (bot/logs.py, called by build_application), and the test checks
that too; without it, this test fails on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from datetime import timedelta
from decimal import Decimal

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clinics import load_clinics
from bot.settings import Settings
from bot.store import open_store
from bot.telegram import ALLOWED_UPDATES, build_application
from bot.telegram import handlers as telegram_handlers
from bot.web.server import SECRET_HEADER, WEBHOOK_PATH, create_app
from estimator import icd10
from tests.fakes import BotMessage, FakeTelegramAPI

TOKEN = "918273:PRIVtok_x9QmZr4Lw8Nc2Vb7Ht5Jk3Dp6Sf1Gy0"
TOKEN_SECRET = TOKEN.split(":", 1)[1]
WEBHOOK_SECRET = "whsec-privacy-5Yq8Rt2"
ENCRYPTION_KEY = "3XJ1NfG2mQ3sUjGrCkSx8lxmcpWQSsrdGdI3SFBgZ8Y="  # a Fernet key, for tests only
LOG_SALT = b"privacy-test-salt"
CLINICS = load_clinics()
NAME = "Zelda"

EN_CHAT, ES_CHAT, RU_CHAT, FAIL_CHAT = 918273645, 927364518, 936451827, 945182736
STAFF_CHAT = 561234987  # a private chat's id is its user's id
GFE_CHAT = 954827163
CHATS = (EN_CHAT, ES_CHAT, RU_CHAT, FAIL_CHAT, STAFF_CHAT, GFE_CHAT)
SURNAME = "Quixotewell"  # typed with NAME for the Good Faith Estimate
BIRTH_DATE = "07/19/1961"  # typed as a US date: in any format, it must not be logged
BIRTH_DATE_PATTERN = re.compile(r"1961-0?7-19|0?7/19/1961|19[./-]0?7[./-]1961|July 19, 1961")


def _script(code: str, amounts: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Every question of the generic interview (no clinic link), amounts and code typed."""
    return {
        "purpose": ("choice", "medical"), "payer": ("choice", "commercial"),
        "network": ("choice", "in"), "plan_type": ("choice", "ppo"),
        "provider": ("choice", "massage_therapist"), "prescription": ("choice", "yes"),
        "diagnosis": ("text", code), "preauth": ("choice", "not_required"),
        "covers_mt": ("choice", "yes"), "cost_share": ("choice", "coinsurance"),
        "coinsurance": ("text", "17"), "visit_limit": ("text", "20"),
        "visits_used": ("text", "4"), "sessions": ("choice", "12"), "minutes": ("choice", "60"),
        "account": ("choice", "none"),
        **{question: ("text", typed) for question, typed in amounts.items()},
    }


# The same amounts, typed as each language writes them.
INTERVIEWS = [
    (EN_CHAT, "en", "M62.830", _script("M62.830", {
        "deductible": "$1,234.56", "deductible_met": "345.67", "oop_max": "4,321.09",
        "oop_met": "456.78", "price": "163.27", "cash": "87.13"})),
    (ES_CHAT, "es-MX", "M54.16", _script("m54.16", {
        "deductible": "1.234,56", "deductible_met": "345,67", "oop_max": "4321,09",
        "oop_met": "456,78", "price": "163,27", "cash": "87,13"})),
    (RU_CHAT, "ru", "S39.012A", _script("S39.012A", {
        "deductible": "1 234,56", "deductible_met": "345,67", "oop_max": "4 321,09",
        "oop_met": "456,78", "price": "163,27", "cash": "87,13"})),
]
TYPED_AMOUNTS = ["1234.56", "345.67", "4321.09", "456.78", "163.27", "87.13"]
STAFF_CODE = "M79.18"
STAFF_AMOUNTS = ["2345.67", "543.21", "41.23", "3456.78", "987.65"]
FAIL_AMOUNT = "7654.32"  # what the failing update's exception quotes
CODES = [code for _, _, code, _ in INTERVIEWS] + [STAFF_CODE]
SCENARIO_COMMAND = (
    "/scenario payer=commercial network=in deductible=2345.67 deductible_met=543.21 "
    f"coinsurance_pct=20 sessions=12 prescription=yes diagnosis_codes={STAFF_CODE} "
    "preauth=not_required billed_per_unit=41.23"
)
WHATIF_COMMAND = "/whatif deductible_met=987.65"
CASE_FILE = f"""
- name: Staff case
  scenario:
    payer: commercial
    network: in
    prescription: true
    diagnosis_codes: [{STAFF_CODE}]
    sessions: 12
    fees: {{billed_per_unit: "41.23", cash_per_session: "3456.78"}}
    plan: {{deductible: "2345.67", deductible_met: "543.21", coinsurance_pct: "20"}}
  expect:
    totals: {{patient: "3456.78"}}
""".encode()
API_SCENARIO = {
    "payer": "commercial", "network": "in", "prescription": True,
    "diagnosis_codes": [STAFF_CODE], "sessions": 12,
    "fees": {"billed_per_unit": "41.23", "cash_per_session": "3456.78"},
    "plan": {"deductible": "2345.67", "deductible_met": "543.21", "coinsurance_pct": "20"},
}


# --- what must not show -------------------------------------------------------------------------

_SEPARATOR = r"[\s,.'\u00a0\u202f\u2009]?"


def amount_pattern(value: str) -> re.Pattern[str]:
    """An amount with its cents, in any grouping and decimal mark: 1234.56, 1,234.56,
    1 234,56, 1.234,56, 1\u00a0234,56, $1,234.56, Decimal('1234.56')..."""
    whole, cents = Decimal(value).quantize(Decimal("0.01")).to_eng_string().split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return re.compile(rf"(?<!\d){_SEPARATOR.join(groups)}[.,]{cents}(?!\d)")


def code_pattern(code: str) -> re.Pattern[str]:
    """A diagnosis code, with or without its dot, in any case."""
    plain = code.replace(".", "")
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(plain[:3])}\.?{re.escape(plain[3:])}",
                      re.IGNORECASE)


_MONEY = re.compile(r"(?<![\d.,])(\d{1,3}(?:[,\u00a0\u202f ]\d{3})*|\d+)[.,](\d{2})(?!\d)")


def shown_amounts(texts: list[str]) -> set[str]:
    """The amounts of at least 10 with cents in what the bot showed (the estimates)."""
    found = set()
    for text in texts:
        for whole, cents in _MONEY.findall(text):
            digits = re.sub(r"\D", "", whole)
            if int(digits) >= 10:
                found.add(f"{int(digits)}.{cents}")
    return found


def secrets_patterns(shown: set[str]) -> dict[str, re.Pattern[str]]:
    patterns: dict[str, re.Pattern[str]] = {}
    for amount in {*TYPED_AMOUNTS, *STAFF_AMOUNTS, FAIL_AMOUNT, *shown}:
        patterns[f"amount {amount}"] = amount_pattern(amount)
    for code in CODES:
        patterns[f"diagnosis code {code}"] = code_pattern(code)
        description = icd10.check(code).description
        patterns[f"diagnosis {description!r}"] = re.compile(re.escape(description), re.I)
    patterns["the first name"] = re.compile(NAME)
    patterns["the surname"] = re.compile(SURNAME)
    patterns["the date of birth"] = BIRTH_DATE_PATTERN
    for chat in CHATS:
        patterns[f"chat id {chat}"] = re.compile(rf"(?<!\d){chat}(?!\d)")
    patterns["the bot token"] = re.compile(re.escape(TOKEN_SECRET))
    patterns["the webhook secret"] = re.compile(re.escape(WEBHOOK_SECRET))
    return patterns


def leaks(text: str, patterns: dict[str, re.Pattern[str]]) -> dict[str, str]:
    """What of `patterns` occurs in `text`, each with a little context."""
    found = {}
    for what, pattern in patterns.items():
        match = pattern.search(text)
        if match:
            start = max(match.start() - 80, 0)
            found[what] = text[start : match.end() + 80]
    return found


# --- capturing every log record -------------------------------------------------------------


class Capture(logging.Handler):
    """Every record, fully formatted (message, arguments and exception text)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.records: list[tuple[logging.LogRecord, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append((record, self.format(record)))
        except Exception as error:  # a record that cannot be formatted is a finding too
            self.records.append((record, f"UNFORMATTABLE {record.name}: {error!r}"))

    def text(self, keep=lambda record: True) -> str:
        return "\n".join(line for record, line in self.records if keep(record))


@contextlib.contextmanager
def everything_at_debug():
    """The root logger at DEBUG with a capturing handler; every logger's own level untouched
    (the bot may quiet a chatty library, and that must hold)."""
    root = logging.getLogger()
    capture = Capture()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.setLevel(level)
        root.removeHandler(capture)


def chat_hash(chat_id: int) -> str:
    """How the bot writes a chat id in its logs (see Pipeline.chat_hash)."""
    return hashlib.sha256(LOG_SALT + str(chat_id).encode()).hexdigest()[:12]


# --- running the bot --------------------------------------------------------------------------


def make_settings(database, encrypted: bool) -> Settings:
    return Settings(
        _env_file=None, telegram_bot_token=TOKEN, database_url=f"sqlite:///{database}",
        staff_user_ids=[STAFF_CHAT], webhook_secret=WEBHOOK_SECRET, webhook_url=None,
        data_encryption_key=ENCRYPTION_KEY if encrypted else None, api_keys=[], log_level="DEBUG",
        rate_limit_updates=1_000_000,
    )


async def relay(fake: FakeTelegramAPI, client: TestClient) -> None:
    """Telegram's part in webhook mode: each update the fake holds, posted to /telegram."""
    offset = 0
    url = f"{fake.url}/bot{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.post(url, json={"offset": offset, "timeout": 1}) as response:
                updates = (await response.json())["result"]
            for update in updates:
                offset = update["update_id"] + 1
                answer = await client.post(WEBHOOK_PATH, json=update,
                                           headers={SECRET_HEADER: WEBHOOK_SECRET})
                assert answer.status == 200, await answer.text()


@contextlib.asynccontextmanager
async def running_bot(mode: str, encrypted: bool, tmp_path):
    """The bot in `mode` ("webhook" or "polling") on the fake, and the web app's client (its
    /metrics). Everything is built after logging went to DEBUG, as the real commands do."""
    async with FakeTelegramAPI(token=TOKEN) as fake:
        settings = make_settings(tmp_path / f"{mode}.db", encrypted)
        key = settings.data_encryption_key
        store = open_store(settings.database_url,
                           encryption_key=key.get_secret_value() if key else None)
        await store.open()
        application = build_application(settings, store=store, clinics=CLINICS,
                                        base_url=f"{fake.url}/bot", log_salt=LOG_SALT)
        try:
            if mode == "webhook":
                web_app = create_app(settings, clinics=CLINICS, store=store,
                                     telegram_app=application,
                                     allowed_updates=list(ALLOWED_UPDATES))
                async with TestClient(TestServer(web_app)) as client:
                    task = asyncio.create_task(relay(fake, client))
                    try:
                        yield fake, client
                    finally:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
            else:
                await application.initialize()
                await application.post_init(application)
                await application.start()
                await application.updater.start_polling(
                    poll_interval=0, timeout=timedelta(seconds=0.2),
                    allowed_updates=ALLOWED_UPDATES,
                )
                try:
                    web_app = create_app(settings, clinics=CLINICS, store=store)
                    async with TestClient(TestServer(web_app)) as client:
                        yield fake, client
                finally:
                    await application.updater.stop()
                    await application.stop()
                    await application.shutdown()
        finally:
            await store.close()
        assert fake.internal_errors == []


def _question(message: BotMessage) -> str | None:
    for _, data in message.buttons:
        if data and len(data) > 2 and data[0] in "anuhb" and data[1] == "|":
            return data.split("|")[1]
    return None


def _is_result(message: BotMessage) -> bool:
    return any(data == "r" for _, data in message.buttons)


def _moved_on(question: str | None):
    return lambda m: bool(m.buttons) and (_is_result(m) or _question(m) not in (None, question))


async def interview(fake: FakeTelegramAPI, chat: int, lang: str, script,
                    start: str = "/start") -> BotMessage:
    """/start, then every answer of `script` (buttons pressed, text typed) as Zelda, narrowing
    the first estimate down to ask for the rest."""
    await fake.user_sends(chat, start, language_code=lang, first_name=NAME)
    view = await fake.wait_for_bot(chat, _moved_on(None))
    while not _is_result(view) or any(data == "w" for _, data in view.buttons):
        if _is_result(view):  # "Narrow it down": its first question comes below the estimate
            await fake.press_button(chat, lambda text, data: data == "w", language_code=lang)
            view = await fake.wait_for_bot(chat, lambda m: _question(m) is not None)
            continue
        question = _question(view)
        kind, value = script.get(question, ("unknown", None))
        if kind == "unknown":
            await fake.press_button(chat, lambda text, data, q=question: data == f"u|{q}",
                                    language_code=lang)
        elif kind == "choice":
            await fake.press_button(chat, lambda text, data, q=question, v=value:
                                    data == f"a|{q}|{v}", language_code=lang)
        else:
            await fake.user_sends(chat, value, language_code=lang, first_name=NAME)
        view = await fake.wait_for_bot(chat, _moved_on(question))
    return view


async def staff_work(fake: FakeTelegramAPI) -> None:
    chat = STAFF_CHAT
    await fake.user_sends(chat, SCENARIO_COMMAND, first_name=NAME)
    await fake.wait_for_bot(chat, lambda m: "Session by session" in m.text)
    await fake.user_sends(chat, WHATIF_COMMAND, first_name=NAME)
    await fake.wait_for_bot(chat, lambda m: m.text.startswith("What if"), timeout=10)
    await fake.user_sends_document(chat, "staff-cases.yaml", CASE_FILE, first_name=NAME)
    await fake.wait_for_bot(chat, lambda m: "case passed" in m.text or "cases passed" in m.text)


async def good_faith_estimate(fake: FakeTelegramAPI) -> None:
    """A self-pay patient at a clinic gets the GFE: full name and date of birth typed."""
    chat = GFE_CHAT
    script = {**_script("M62.830", {"cash": "87.13"}), "payer": ("choice", "self_pay")}
    result = await interview(fake, chat, "en", script, start="/start demo-clinic")
    await fake.user_presses(chat, result.message_id, "d|gfe")
    await fake.wait_for_bot(chat, lambda m: "full name" in m.text)
    await fake.user_sends(chat, f"{NAME} {SURNAME}", first_name=NAME)
    await fake.wait_for_bot(chat, lambda m: "date of birth" in m.text)
    await fake.user_sends(chat, BIRTH_DATE, first_name=NAME)
    await fake.wait_for_bot(chat, lambda m: m.document is not None)
    [sent] = fake.documents_sent(chat)
    assert sent.filename == "good-faith-estimate-en.pdf"


async def failing_update(fake: FakeTelegramAPI) -> None:
    """An update that fails inside the handler with an exception quoting the answer: the bot
    apologises and logs where it failed, never the exception's message."""
    real_step = telegram_handlers.step

    def step(state, answer, clinics, lang, today=None):
        if answer.value == FAIL_AMOUNT:
            raise ValueError(f"cannot use {answer.value} for {NAME}, code {STAFF_CODE}")
        return real_step(state, answer, clinics, lang, today)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(telegram_handlers, "step", step)
        await fake.user_sends(FAIL_CHAT, "/start", first_name=NAME)
        await fake.wait_for_bot(FAIL_CHAT, _moved_on(None))
        await fake.user_sends(FAIL_CHAT, FAIL_AMOUNT, first_name=NAME)
        await fake.wait_for_bot(FAIL_CHAT, lambda m: "something went wrong" in m.text)


async def run_everything(mode: str, encrypted: bool, tmp_path) -> tuple[Capture, str, set[str]]:
    """Every conversation above; returns the captured logs, the /metrics text and the amounts
    the bot showed."""
    with everything_at_debug() as capture:
        logging.getLogger("tests.privacy").debug("the capture is at DEBUG")
        async with running_bot(mode, encrypted, tmp_path) as (fake, client):
            results = await asyncio.gather(*(
                interview(fake, chat, lang, script) for chat, lang, _, script in INTERVIEWS
            ))
            await staff_work(fake)
            await good_faith_estimate(fake)
            await failing_update(fake)
            response = await client.post("/api/v1/estimate", json=API_SCENARIO)
            assert response.status == 200, await response.text()
            response = await client.post("/api/v1/estimate",
                                         json={**API_SCENARIO, "sessions": "2345.67"})
            assert response.status == 422
            await fake.wait_idle()
            metrics = await (await client.get("/metrics")).text()
            shown = shown_amounts(
                [m.text for chat in CHATS for m in fake.messages(chat)]
                + [json.dumps(API_SCENARIO)]
            )
    assert all(_is_result(result) for result in results)
    return capture, metrics, shown


# Libraries that log tokens, texts and SQL parameters at DEBUG: the bot keeps them at WARNING
# (bot/logs.py, from build_application), whatever the root logger's level.
CHATTY = ("telegram", "httpx", "httpcore", "aiosqlite", "asyncpg")


@pytest.mark.parametrize(("mode", "encrypted"), [("webhook", True), ("polling", False)])
async def test_no_log_record_and_no_metric_carries_patient_data(mode, encrypted, tmp_path):
    capture, metrics, shown = await run_everything(mode, encrypted, tmp_path)
    patterns = secrets_patterns(shown)

    # The capture works: a DEBUG record of our own came through, the bot logged each update
    # with the chat hashed, and the failure was logged (where, not what).
    everything = capture.text()
    assert "the capture is at DEBUG" in everything
    for chat in CHATS:
        assert f"chat={chat_hash(chat)}" in everything, f"no update logged for chat {chat}"
    assert "update failed with ValueError" in everything
    assert "massage_bot_" in metrics
    if mode == "webhook":
        assert 'massage_bot_updates_total{kind="message"}' in metrics
    # Every typed amount was shown back to the patient, and found there by the patterns.
    for amount in TYPED_AMOUNTS:
        assert amount in shown, amount

    by_logger: dict[str, set[str]] = {}
    for record, line in capture.records:
        for what in leaks(line, patterns):
            by_logger.setdefault(record.name, set()).add(what)
    assert by_logger == {}, "\n".join(
        f"{name} logs {', '.join(sorted(found))}" for name, found in sorted(by_logger.items())
    )
    assert leaks(metrics, patterns) == {}
    for name in CHATTY:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name


def test_the_patterns_find_amounts_and_codes_in_any_formatting():
    patterns = secrets_patterns(set())
    for text in ("$1,234.56", "1234.56", "1 234,56", "1.234,56", "1\u00a0234,56",
                 "1\u202f234,56 $", "Decimal('1234.56')", "deductible=1234,56"):
        assert "amount 1234.56" in leaks(text, patterns), text
    for text in ("11234.56", "1234.567", "234.56", "1234.5"):
        assert "amount 1234.56" not in leaks(text, patterns), text
    for text in ("M62.830", "m62830", "code=M62.830;", "Muscle spasm of back"):
        assert leaks(text, patterns), text
    assert leaks(f"chat={chat_hash(EN_CHAT)}", patterns) == {}
    assert set(leaks(f"chat {EN_CHAT} Zelda {TOKEN}", patterns)) == {
        f"chat id {EN_CHAT}", "the first name", "the bot token"}


def test_a_library_failure_is_logged_as_its_type_without_a_traceback():
    import io
    import logging

    from bot.logs import NoThirdPartyTracebacks

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(NoThirdPartyTracebacks())
    pool = logging.getLogger("asyncpg.pool")
    pool.addHandler(handler)
    try:
        try:
            raise ConnectionRefusedError("connect to 127.0.0.1:5432 with answer 1234.56 refused")
        except ConnectionRefusedError:
            pool.error("error in pool", exc_info=True)
    finally:
        pool.removeHandler(handler)
    text = out.getvalue()
    assert "error in pool [ConnectionRefusedError]" in text
    assert "Traceback" not in text and "1234.56" not in text
