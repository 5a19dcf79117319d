"""The documents on Telegram, end to end: the real PTB Application polling the fake Bot API, a
real SQLite store, the demo clinics. Buttons under the estimate send the Good Faith Estimate,
the letter for the doctor and the summary as PDF files (sendDocument), read back here with
pypdf; the GFE asks the patient's name and date of birth first, which are kept no longer than
needed and never logged."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from bot.documents import summary
from bot.i18n import translator
from bot.telegram.documents import Asking
from tests.fakes.patients import CHOICE
from tests.test_telegram_interview import GENERIC
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    CLINIC_STAFF,
    CLINICS,
    BotUnderTest,
    answered,
    bot_fixture,
    fake_fixture,
    run_interview,
)

GFE, LMN, SUMMARY, STOP = "d|gfe", "d|lmn", "d|summary", "d|x"
CASH = {**GENERIC, "payer": (CHOICE, "self_pay")}
# An HDHP with an HSA and no prescription: the account pays only with a letter of medical
# necessity (estimator/accounts.py).
HSA = {**GENERIC, "insurer": (CHOICE, "p0"), "plan_type": (CHOICE, "hdhp"),
       "prescription": (CHOICE, "no"), "account": (CHOICE, "hsa"), "lmn": (CHOICE, "no")}
NAME, SURNAME = "Ximena", "Quintanilla-Ortuño"
NPI = "1234567893"  # demo-clinic's


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace made single spaces."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def document_of(fake, chat: int, message) -> tuple[str | None, str | None, bytes]:
    """The file a bot message carries: its name, media type and bytes."""
    sent = next(d for d in fake.documents_sent(chat) if d.message_id == message.message_id)
    return sent.filename, sent.mime_type, sent.content


def has_document(message) -> bool:
    return message.document is not None


async def press_on(fake, chat: int, message, data: str, lang: str = "en") -> dict:
    """Press `data` under `message`; the bot's answer to the press (it must come)."""
    query = await fake.user_presses(chat, message.message_id, data, language_code=lang)
    return await answered(fake, query)


async def type_and_wait(fake, chat: int, text: str, lang: str = "en"):
    await fake.user_sends(chat, text, language_code=lang)
    return await fake.wait_for_bot(chat)


async def test_a_cash_patient_gets_the_good_faith_estimate_after_name_and_birth_date(
        bot, fake, caplog):
    chat = 5001
    result = await run_interview(fake, chat, CASH, start="/start demo-clinic")
    assert ("Good Faith Estimate (PDF)", GFE) in result.buttons
    assert ("Summary (PDF)", SUMMARY) in result.buttons
    assert not any(data == LMN for _, data in result.buttons)  # no account to unlock

    answer = await press_on(fake, chat, result, GFE)
    assert answer.get("text") is None  # answered at once, nothing to say in a toast
    asked = await fake.wait_for_bot(chat)
    assert asked.text.endswith("The patient's full name, for the Good Faith Estimate:")
    assert "nowhere else" in asked.text
    assert asked.buttons == [("Cancel", STOP)]

    # A name needs a letter; the date must be a real one, in the past.
    assert (await type_and_wait(fake, chat, "12345")).text == (
        "Please type the patient's full name.")
    reply = await type_and_wait(fake, chat, f"  {NAME}   {SURNAME} ")
    assert reply.text == "The patient's date of birth (for example 1980-04-25):"
    stored = await bot.stored(chat)
    assert stored.state["telegram"]["document"] == {"source": "interview",
                                                    "name": f"{NAME} {SURNAME}"}
    for typed in ("1980-02-30", "2999-01-01", "yesterday"):
        again = await type_and_wait(fake, chat, typed)
        assert again.text == (
            f"\u201c{typed}\u201d is not a date of birth I can use. Please type the date of "
            "birth as year-month-day, such as 1980-04-25.")
        assert again.buttons == [("Cancel", STOP)]
    assert fake.documents_sent(chat) == []

    await fake.user_sends(chat, "04/25/1980")  # month first, in English
    sent = await fake.wait_for_bot(chat, has_document)
    filename, mime, data = document_of(fake, chat, sent)
    assert (filename, mime) == ("good-faith-estimate-en.pdf", "application/pdf")
    text = pdf_text(data)
    for field in (f"{NAME} {SURNAME}", "April 25, 1980", NPI, "91-1234567",
                  "Demo Medical Massage (Seattle)", "100 Example Ave, Seattle, WA 98101",
                  "97124"):
        assert field in text, field

    # Nothing of the patient is kept once the file is sent, and nothing was ever logged.
    stored = await bot.stored(chat)
    assert stored.state["telegram"]["document"] is None
    assert NAME not in json.dumps(stored.state, ensure_ascii=False)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert NAME not in logged and "1980" not in logged
    # Typed text goes back to the interview.
    assert "/estimate" in (await type_and_wait(fake, chat, "1980-04-25")).text
    assert len(fake.documents_sent(chat)) == 1


async def test_an_hsa_patient_gets_the_letter_for_the_doctor(bot, fake):
    chat = 5002
    result = await run_interview(fake, chat, HSA, start="/start demo-clinic")
    labels = [text for text, data in result.buttons if data.startswith("d|")]
    # Without a prescription the plan pays nothing: the course is paid in cash, so the GFE too.
    assert labels == ["Good Faith Estimate (PDF)", "Letter for your doctor (PDF)",
                      "Summary (PDF)"]

    await press_on(fake, chat, result, LMN)
    sent = await fake.wait_for_bot(chat, has_document)
    filename, mime, data = document_of(fake, chat, sent)
    assert (filename, mime) == ("letter-of-medical-necessity-en.pdf", "application/pdf")
    text = pdf_text(data)
    for field in ("Letter of Medical Necessity", "97124", "Demo Medical Massage (Seattle)",
                  "100 Example Ave, Seattle, WA 98101"):
        assert field in text, field
    # Nothing was asked: the clinician fills in the patient on the letter.
    assert [m for m in fake.messages(chat) if m.message_id > result.message_id] == [sent]


@pytest.mark.parametrize(("lang", "code"), [("es", "es-MX"), ("ru", "ru")])
async def test_the_summary_comes_in_the_patients_language(bot, fake, lang, code):
    chat = 5003
    result = await run_interview(fake, chat, CASH, start="/start demo-clinic", lang=code)
    t = translator(lang)
    assert (t.gettext("Summary (PDF)"), SUMMARY) in result.buttons
    assert (t.gettext("Good Faith Estimate (PDF)"), GFE) in result.buttons

    await press_on(fake, chat, result, SUMMARY, code)
    sent = await fake.wait_for_bot(chat, has_document)
    filename, _, data = document_of(fake, chat, sent)
    assert filename == f"estimate-summary-{lang}.pdf"
    text = pdf_text(data)
    assert summary.title(t) in text
    assert "Demo Medical Massage (Seattle)" in text
    # The session table, in the language's money format (the clinic's cash price).
    price = t.money(CLINICS.get("demo-clinic").cash_per_session)
    assert " ".join(price.split()) in text


async def test_a_clinic_without_an_npi_is_refused_before_anything_is_asked(bot, fake):
    chat = 5004
    result = await run_interview(fake, chat, CASH, start="/start demo-tampa")
    await press_on(fake, chat, result, GFE)
    refused = await fake.wait_for_bot(chat)
    assert refused.text == (
        "The Good Faith Estimate cannot be made yet: the clinic's profile lacks the clinic's "
        "NPI (National Provider Identifier). Please ask the clinic to add it.")
    assert (await bot.stored(chat)).state["telegram"]["document"] is None
    assert fake.documents_sent(chat) == []


async def test_without_a_clinic_link_the_gfe_says_where_to_start(bot, fake):
    chat = 5005
    result = await run_interview(fake, chat, CASH)
    await press_on(fake, chat, result, GFE, "ru")
    refused = await fake.wait_for_bot(chat)
    t = translator("ru")
    assert t.gettext("the clinic (start from the clinic's link)") in refused.text
    # The summary needs no clinic.
    await press_on(fake, chat, result, SUMMARY)
    assert document_of(fake, chat, await fake.wait_for_bot(chat, has_document))[0] == (
        "estimate-summary-en.pdf")


async def test_the_questions_can_be_given_up_by_button_word_or_cancel(bot, fake):
    chat = 5006
    result = await run_interview(fake, chat, CASH, start="/start demo-clinic", lang="es")
    t = translator("es")

    await press_on(fake, chat, result, GFE, "es")
    asked = await fake.wait_for_bot(chat)
    assert asked.buttons == [(t.gettext("Cancel"), STOP)]
    await press_on(fake, chat, asked, STOP, "es")
    stopped = await fake.wait_for_bot(chat)
    assert stopped.message_id == asked.message_id and stopped.buttons == []
    assert stopped.text == t.gettext(
        "No Good Faith Estimate was made. The buttons under your estimate still work.")

    await press_on(fake, chat, result, GFE, "es")
    await fake.wait_for_bot(chat)
    await type_and_wait(fake, chat, "Ana Díaz", "es")
    assert (await bot.stored(chat)).state["telegram"]["document"]["name"] == "Ana Díaz"
    reply = await type_and_wait(fake, chat, "Cancelar", "es")
    assert reply.text == stopped.text
    assert (await bot.stored(chat)).state["telegram"]["document"] is None

    # /cancel stops the questions, not the interview: the estimate is still there.
    await press_on(fake, chat, result, GFE, "es")
    await fake.wait_for_bot(chat)
    assert (await type_and_wait(fake, chat, "/cancel", "es")).text == stopped.text
    assert (await bot.stored(chat)).state["interview"]["finished"] is True
    # An old question's "Cancel" only loses its button.
    await press_on(fake, chat, asked, STOP, "es")
    await fake.wait_idle()
    assert fake.documents_sent(chat) == []


async def test_forget_during_the_questions_leaves_nothing(bot, fake):
    chat = 5007
    result = await run_interview(fake, chat, CASH, start="/start demo-clinic")
    await press_on(fake, chat, result, GFE)
    await fake.wait_for_bot(chat)
    await type_and_wait(fake, chat, f"{NAME} {SURNAME}")
    assert (await bot.stored(chat)).state["telegram"]["document"]["name"] == f"{NAME} {SURNAME}"

    await fake.user_sends(chat, "/forget")
    confirm = await fake.wait_for_bot(chat, lambda m: bool(m.buttons))
    await press_on(fake, chat, confirm, "f|y")
    await fake.wait_for_bot(chat, lambda m: m.message_id == confirm.message_id)
    assert await bot.stored(chat) is None

    # The date of birth typed now is not the GFE's: nothing is made, nothing kept.
    await fake.user_sends(chat, "1980-04-25")
    await fake.wait_for_bot(chat)
    await fake.wait_idle()
    assert fake.documents_sent(chat) == []
    record = await bot.stored(chat)
    assert record is None or record.state["telegram"]["document"] is None
    assert NAME not in json.dumps(record.state if record else {}, ensure_ascii=False)


async def test_the_name_is_stored_only_encrypted(fake, tmp_path):
    """With DATA_ENCRYPTION_KEY, the name kept between the two questions is not in the
    database file in the clear."""
    key = "3XJ1NfG2mQ3sUjGrCkSx8lxmcpWQSsrdGdI3SFBgZ8Y="  # a Fernet key, for tests only
    database = tmp_path / "encrypted.db"
    bot = await BotUnderTest(fake, database, encryption_key=key).start()
    try:
        chat = 5008
        result = await run_interview(fake, chat, CASH, start="/start demo-clinic")
        await press_on(fake, chat, result, GFE)
        await fake.wait_for_bot(chat)
        await type_and_wait(fake, chat, SURNAME)
        assert (await bot.stored(chat)).state["telegram"]["document"]["name"] == SURNAME
        files = [path.read_bytes() for path in tmp_path.iterdir()
                 if path.name.startswith(database.name)]
        assert files and not any(SURNAME.encode() in data for data in files)
    finally:
        await bot.stop()


async def test_staff_ask_for_documents_with_scenario(bot, fake):
    chat = CLINIC_STAFF  # demo-clinic's staff: its profile fills the scenario
    command = ("/scenario documents=summary,lmn,gfe payer=self_pay purpose=medical "
               "sessions=6 prescription=no hsa_fsa=hsa diagnosis_codes=M54.50")
    await fake.user_sends(chat, command)
    asked = await fake.wait_for_bot(chat, lambda m: m.buttons == [("Cancel", STOP)])
    names = [d.filename for d in fake.documents_sent(chat)]
    assert names == ["estimate-summary-en.pdf", "letter-of-medical-necessity-en.pdf"]
    assert asked.message_id > max(d.message_id for d in fake.documents_sent(chat))
    assert "Session by session" in fake.transcript(chat)

    await type_and_wait(fake, chat, "Jordan Example")
    await fake.user_sends(chat, "1975-12-31")
    sent = await fake.wait_for_bot(chat, has_document)
    filename, _, data = document_of(fake, chat, sent)
    assert filename == "good-faith-estimate-en.pdf"
    text = pdf_text(data)
    assert "Jordan Example" in text and NPI in text and CLINICS.get("demo-clinic").name in text
    assert "$510.00" in text  # 6 sessions at the clinic's cash price, $85.00

    await fake.user_sends(chat, "/scenario documents=invoice payer=self_pay")
    assert (await fake.wait_for_bot(chat)).text == (
        "Unknown document invoice. Documents: gfe, lmn, summary")
    await fake.user_sends(chat, "/scenario")
    await fake.wait_for_bot(chat, lambda m: "documents=summary,lmn,gfe" in m.text)


async def test_patients_cannot_use_the_staff_option(bot, fake):
    chat = 5009
    await fake.user_sends(chat, "/scenario documents=summary payer=self_pay")
    assert "staff" in (await fake.wait_for_bot(chat)).text.lower()
    await fake.wait_idle()
    assert fake.documents_sent(chat) == []


def test_what_holds_the_name_never_prints_it():
    """What a traceback or a careless log line would print of the open questions."""
    assert NAME not in repr(Asking(name=NAME)) and NAME not in str(Asking(name=NAME))
