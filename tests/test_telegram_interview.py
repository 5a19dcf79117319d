"""The interview on Telegram, end to end: the real PTB Application polling the fake Bot API, a
real SQLite store, the demo clinics file."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from bot.render import headline_text
from bot.telegram import texts
from estimator import Scenario, estimate
from tests.fakes.patients import INTERVIEW
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    CLINICS,
    NARROW,
    BotUnderTest,
    act,
    answered,
    bot_fixture,
    cost_texts,
    fake_fixture,
    interview_view,
    is_result,
    moved_on_from,
    question_of,
    run_interview,
)

# A patient with a PPO, no clinic link: every question is asked, by buttons and typing (the
# shared interview, with the diagnosis and the deductible typed the way people type them).
# The prescription's day: "I don't know" by its button (the last answer, a press: the result
# comes in the interview message, edited in place).
GENERIC = {**INTERVIEW, "diagnosis": ("text", "m54.50"), "deductible": ("text", "$1,000"),
           "rx_date": ("unknown", None)}


def generic_scenario(**plan_changes) -> Scenario:
    """The same facts as GENERIC, written as the estimator's scenario by hand."""
    plan = {
        "deductible": "1000", "deductible_met": "200", "coinsurance_pct": "20",
        "oop_max": "5000", "oop_met": "200", "visit_limit": 20, "visits_used": 4,
        "covers_massage_therapists": True, **plan_changes,
    }
    return Scenario(
        payer="commercial", plan_type="ppo", network="in", purpose="medical", prescription=True,
        diagnosis_codes=["M54.50"], preauth="not_required", provider_type="massage_therapist",
        sessions=12, session_minutes=60,
        fees={"billed_per_unit": "40.00", "cash_per_session": "90"}, plan=plan, hsa_fsa="none",
    )


async def test_full_interview_in_english(bot, fake):
    chat = 1001
    asked: list[str] = []
    result = await run_interview(fake, chat, GENERIC, asked=asked)

    expected = estimate(generic_scenario())
    for amount in cost_texts(expected, "en"):
        assert amount in result.text
    # The headline: the recommended way to pay, the course's cost with both ends, per session.
    headline = headline_text(expected, generic_scenario(), translator("en"))
    assert headline.startswith("We recommend billing your health plan.\nYour cost for 12 sessions: "
                               "between ")
    assert headline in result.text
    # One interview message, edited in place, with the record of answers above the result
    # (typed answers replace it with a new one, and the old one goes).
    assert len([m for m in fake.messages(chat) if m.buttons]) == 1
    assert "Your answers:" in result.text and "Deductible: $1,000.00" in result.text
    assert "Coinsurance: 20%" in result.text
    assert result.edit_count >= 1
    # Every button press was answered.
    assert len(fake.answered_callbacks) == len(fake.calls_to("answerCallbackQuery"))
    pressed = [c for c in fake.calls if c.method == "answerCallbackQuery"]
    presses = [q for q in asked if q is None or GENERIC.get(q, ("unknown",))[0] != "text"]
    assert len(pressed) == len(presses)  # the choices, "I don't know", "Narrow it down"
    # The state is in the store, with the answers as values (not the typed text).
    record = await bot.stored(chat)
    assert record.state["interview"]["finished"] is True
    assert record.state["interview"]["answers"]["deductible"] == "1000.00"
    assert record.language is None  # no /language: Telegram's language_code is used


SPANISH = {**GENERIC, "deductible": ("text", "1,000"), "coinsurance": ("text", "20 %"),
           "price": ("text", "160.00")}
RUSSIAN = {**GENERIC, "deductible": ("text", "1 000"), "coinsurance": ("text", "20"),
           "oop_max": ("text", "5 000"), "price": ("text", "160,00"), "sessions": ("text", "12")}


@pytest.mark.parametrize(("lang", "code", "script"), [
    ("es", "es-MX", SPANISH),
    ("ru", "ru", RUSSIAN),
])
async def test_full_interview_in_spanish_and_russian(bot, fake, lang, code, script):
    chat = 1002
    result = await run_interview(fake, chat, script, lang=code)
    expected = estimate(generic_scenario())
    for amount in cost_texts(expected, lang):
        assert amount in result.text, (amount, result.text)
    t = translator(lang)
    assert headline_text(expected, generic_scenario(), t) in result.text
    # The buttons are in the patient's language too.
    assert (t.gettext("Change an answer"), "c") in result.buttons


async def test_clinic_start_link_skips_what_the_clinic_knows(bot, fake):
    chat = 1003
    asked: list[str] = []
    script = {
        **GENERIC,
        "insurer": ("choice", "p0"),  # Aetna, in network with demo-clinic at $30.00 a unit
        "deductible_met": ("choice", "0"),
    }
    result = await run_interview(fake, chat, script, start="/start demo-clinic", asked=asked)

    assert "You came from Demo Medical Massage (Seattle)" in fake.calls_to("sendMessage")[0]["text"]
    for known in ("network", "price", "minutes", "cash", "provider", "state"):
        assert known not in asked
    assert "insurer" in asked
    clinic = CLINICS.get("demo-clinic")
    scenario = Scenario(
        payer="commercial", plan_type="ppo", network="in", prescription=True,
        diagnosis_codes=["M54.50"], preauth="not_required", provider_type=clinic.provider_type,
        state=clinic.state, cpt_code=clinic.cpt_code, sessions=12,
        session_minutes=clinic.session_minutes,
        fees={"billed_per_unit": clinic.billed_per_unit, "allowed_per_unit": "30.00",
              "cash_per_session": clinic.cash_per_session},
        plan={"deductible": "1000", "deductible_met": "0", "coinsurance_pct": "20",
              "oop_max": "5000", "oop_met": "200", "visit_limit": 20, "visits_used": 4},
    )
    for amount in cost_texts(estimate(scenario), "en"):
        assert amount in result.text
    assert (await bot.stored(chat)).state["interview"]["clinic"] == "demo-clinic"


async def test_unknown_clinic_slug_gets_a_note_and_the_generic_interview(bot, fake):
    chat = 1004
    await fake.user_sends(chat, "/start no-such-<clinic>")
    view = await fake.wait_for_bot(chat, interview_view)
    assert "no-such-<clinic>" in view.text  # escaped on the way, shown as typed
    assert question_of(view) == "purpose"
    assert (await bot.stored(chat)).state["interview"]["clinic"] is None


async def test_i_dont_know_gives_a_range(bot, fake):
    chat = 1005
    # A small deductible, how much of it is met unknown: billing the plan stays the best way,
    # and its cost depends on the answer (with $1,000 the clinic's cash price would be safer).
    script = {**GENERIC, "deductible": ("text", "300"), "deductible_met": ("unknown", None)}
    result = await run_interview(fake, chat, script)
    expected = estimate(generic_scenario(deductible="300", deductible_met=None))
    assert expected.range is not None and expected.range.low < expected.range.high
    t = translator("en")
    low, high = t.money(expected.range.low), t.money(expected.range.high)
    assert f"Your cost for 12 sessions: between {low} and {high}." in result.text
    assert "Knowing how much of your deductible is met would narrow this the most." in result.text
    assert "Deductible met: don't know" in result.text


async def test_back_and_help(bot, fake):
    chat = 1006
    await fake.user_sends(chat, "/start")
    view = await fake.wait_for_bot(chat, interview_view)
    view = await act(fake, chat, "purpose", ("choice", "medical"))
    assert question_of(view) == "payer" and "Reason: A medical condition" in view.text

    view = await act(fake, chat, "payer", ("back", None))
    assert question_of(view) == "purpose"
    assert "Reason:" not in view.text  # the answer went with the step back
    assert view.message_id == fake.messages(chat)[0].message_id  # edited in place

    await fake.press_button(chat, lambda text, data: data == "h|purpose")
    explained = await fake.wait_for_bot(chat, lambda m: "relaxation, or wellness" in m.text
                                        or "Insurance pays only" in m.text)
    assert question_of(explained) == "purpose"
    assert not any(data == "h|purpose" for _, data in explained.buttons)


async def test_garbage_is_asked_again_naming_what_is_expected(bot, fake):
    chat = 1007
    script = {k: v for k, v in GENERIC.items()}
    await fake.user_sends(chat, "/start")
    view = await fake.wait_for_bot(chat, interview_view)
    while question_of(view) != "deductible":
        question = question_of(view)
        view = await act(fake, chat, question, script[question] if question else NARROW)
    await fake.user_sends(chat, "a lot <b>")
    again = await fake.wait_for_bot(chat, lambda m: "Please type an amount" in m.text)
    assert question_of(again) == "deductible"
    assert "Please type an amount in dollars, for example 1200." in again.text
    # Typed garbage on a choice question: "choose one of the options".
    view = await act(fake, chat, "deductible", ("text", "1000"))
    while question_of(view) != "cost_share":
        view = await act(fake, chat, question_of(view), script[question_of(view)])
    await fake.user_sends(chat, "maybe")
    again = await fake.wait_for_bot(chat, lambda m: "Please choose one of the options" in m.text)
    assert question_of(again) == question_of(view)
    await fake.wait_idle()
    # One interview message at a time: the replaced ones are gone.
    assert len([m for m in fake.messages(chat) if m.buttons]) == 1


async def test_stale_buttons(bot, fake):
    chat = 1008
    await fake.user_sends(chat, "/start")
    first = await fake.wait_for_bot(chat, interview_view)
    await act(fake, chat, "purpose", ("choice", "medical"))

    # The same message, a button of the question before (a double tap): noted, re-shown.
    query = await fake.user_presses(chat, first.message_id, "a|purpose|relaxation")
    assert (await answered(fake, query))["text"] == texts.STALE_BUTTON
    await fake.wait_idle()
    record = await bot.stored(chat)
    assert record.state["interview"]["answers"] == {"purpose": "medical"}
    assert question_of(fake.last_bot_message(chat)) == "payer"

    # Data this bot never made.
    query = await fake.user_presses(chat, first.message_id, "zz|top")
    assert (await answered(fake, query))["text"] == texts.STALE_BUTTON

    # A button of an old message: the current question comes again as a new message.
    result = await run_interview(fake, chat, GENERIC, start="/restart")
    await fake.user_sends(chat, "/estimate")
    again = await fake.wait_for_bot(chat, is_result)
    assert again.message_id != result.message_id
    await fake.wait_idle()
    # The old result is kept, without its buttons.
    assert [m.message_id for m in fake.messages(chat) if m.buttons] == [again.message_id]
    query = await fake.user_presses(chat, result.message_id, "r")
    shown = await fake.wait_for_bot(chat, is_result)
    assert (await answered(fake, query))["text"] == texts.STALE_BUTTON
    assert shown.message_id > again.message_id
    assert (await bot.stored(chat)).state["interview"]["finished"] is True


async def test_change_an_answer_after_the_result(bot, fake):
    chat = 1009
    await run_interview(fake, chat, GENERIC)
    before = estimate(generic_scenario())
    await fake.press_button(chat, lambda text, data: data == "c")
    listing = await fake.wait_for_bot(chat, lambda m: any(d == "c|deductible_met"
                                                         for _, d in m.buttons))
    assert ("Back", "e") in listing.buttons
    await fake.press_button(chat, lambda text, data: data == "c|deductible_met")
    asked = await fake.wait_for_bot(chat, lambda m: question_of(m) == "deductible_met")
    assert asked.message_id == listing.message_id
    result = await act(fake, chat, "deductible_met", ("choice", "all"))
    after = estimate(generic_scenario(deductible_met="1000"))
    assert is_result(result)
    assert f"Before the change: {translator('en').money(before.totals.patient)}" in result.text
    for amount in cost_texts(after, "en"):
        assert amount in result.text


async def test_restart_mid_interview_continues(fake, tmp_path, caplog):
    chat = 1010
    database = tmp_path / "restart.db"
    first = await BotUnderTest(fake, database).start()
    try:
        await fake.user_sends(chat, "/start")
        await fake.wait_for_bot(chat, interview_view)
        await act(fake, chat, "purpose", ("choice", "medical"))
        view = await act(fake, chat, "payer", ("choice", "commercial"))
        assert question_of(view) == "network"
        await fake.wait_idle()
    finally:
        await first.stop()

    second = await BotUnderTest(fake, database).start()
    try:
        # The button on the message the first process sent still works, and is answered.
        presses = len(fake.calls_to("answerCallbackQuery"))
        view = await act(fake, chat, "network", ("choice", "in"))
        assert question_of(view) == "provider"
        await fake.wait_idle()
        assert len(fake.calls_to("answerCallbackQuery")) == presses + 1
        assert len(fake.answered_callbacks) == len(fake.calls_to("answerCallbackQuery"))
        assert "Who pays: Health plan" in view.text and "Network: In network" in view.text
        await fake.user_sends(chat, "/start")
        resumed = await fake.wait_for_bot(chat, interview_view)
        assert "Welcome back" in resumed.text and question_of(resumed) == "provider"
    finally:
        await second.stop()


async def test_language_command_and_negotiation(bot, fake):
    chat = 1011
    await fake.user_sends(chat, "/start", language_code="pt-BR")  # unsupported: the default
    view = await fake.wait_for_bot(chat, interview_view)
    assert ("I don't know", "u|purpose") in view.buttons
    await fake.user_sends(chat, "/language")
    menu = await fake.wait_for_bot(chat, lambda m: ("Español", "l|es") in m.buttons)
    await fake.press_button(chat, lambda text, data: data == "l|es")
    shown = await fake.wait_for_bot(chat, interview_view)
    es = translator("es")
    assert (es.gettext("I don't know"), "u|purpose") in shown.buttons
    assert fake.messages(chat)[0].message_id != shown.message_id
    assert menu.message_id in [m.message_id for m in fake.messages(chat)]
    assert (await bot.stored(chat)).language == "es"


async def test_cancel_estimate_help_privacy_and_unknown_input(bot, fake):
    chat = 1012
    await fake.user_sends(chat, "/estimate")
    await fake.wait_for_bot(chat, lambda m: m.text == texts.NO_ESTIMATE_YET)
    await fake.user_sends(chat, "/start")
    await fake.wait_for_bot(chat, interview_view)
    await fake.user_sends(chat, "/cancel")
    await fake.wait_for_bot(chat, lambda m: m.text == texts.CANCELLED)
    assert (await bot.stored(chat)).state["interview"] is None
    assert not any(m.buttons for m in fake.messages(chat))

    await fake.user_sends(chat, "/help")
    help_text = await fake.wait_for_bot(chat, lambda m: "What I cannot do" in m.text)
    assert "Glossary" in help_text.text
    await fake.user_sends(chat, "/privacy")
    privacy = await fake.wait_for_bot(chat, lambda m: "What I store" in m.text)
    assert "after 30 days without messages" in privacy.text and "/forget" in privacy.text
    await fake.user_sends(chat, "/frobnicate")
    await fake.wait_for_bot(chat, lambda m: m.text == texts.UNKNOWN_COMMAND)
    await fake.user_sends_sticker(chat)
    await fake.wait_for_bot(chat, lambda m: m.text == texts.NOT_TEXT)
    # Typing with nothing in progress starts the interview.
    await fake.user_sends(chat, "hello")
    await fake.wait_for_bot(chat, lambda m: question_of(m) == "purpose")


async def test_forget_deletes_everything_after_confirmation(bot, fake):
    chat = 1013
    await fake.user_sends(chat, "/start")
    await fake.wait_for_bot(chat, interview_view)
    await act(fake, chat, "purpose", ("choice", "medical"))
    await fake.user_sends(chat, "/forget")
    await fake.wait_for_bot(chat, lambda m: ("No, keep it", "f|n") in m.buttons)
    await fake.press_button(chat, lambda text, data: data == "f|n")
    await fake.wait_for_bot(chat, lambda m: m.text == texts.FORGET_KEPT)
    assert (await bot.stored(chat)) is not None

    await fake.user_sends(chat, "/forget")
    await fake.wait_for_bot(chat, lambda m: ("Yes, delete it", "f|y") in m.buttons)
    await fake.press_button(chat, lambda text, data: data == "f|y")
    await fake.wait_for_bot(chat, lambda m: m.text == texts.FORGOTTEN)
    await fake.wait_idle()
    assert (await bot.stored(chat)) is None
    assert not any(m.buttons for m in fake.messages(chat))


async def test_group_chats_get_one_line_and_nothing_is_stored(bot, fake):
    group = -100500
    await fake.user_sends(group, "/start", chat_type="group", user_id=5)
    line = await fake.wait_for_bot(group)
    assert line.text == "Please message me privately: https://t.me/massage_cost_test_bot"
    await fake.user_sends(group, "hello everyone", chat_type="group", user_id=5)
    await fake.wait_idle()
    assert len(fake.messages(group)) == 1
    assert (await bot.stored(group)) is None


async def test_store_outage_is_answered_and_nothing_breaks(bot, fake, monkeypatch, caplog):
    from bot.store import StoreUnavailable

    chat = 1014
    await fake.user_sends(chat, "/start")
    await fake.wait_for_bot(chat, interview_view)
    await fake.wait_idle()  # the new interview message is recorded

    def broken(chat_id):
        raise StoreUnavailable("database is down")

    monkeypatch.setattr(bot.store, "chat", broken)
    query = await fake.press_button(chat, lambda text, data: data == "a|purpose|medical")
    answer = await answered(fake, query)
    assert answer["text"] == texts.UNAVAILABLE and answer["show_alert"] is True
    await fake.user_sends(chat, "1000")
    await fake.wait_for_bot(chat, lambda m: m.text == texts.UNAVAILABLE)
    monkeypatch.undo()
    caplog.clear()  # the outage warnings were expected

    view = await act(fake, chat, "purpose", ("choice", "medical"))
    assert question_of(view) == "payer"


async def test_profile_is_registered_per_language(bot, fake):
    assert set(fake.commands) == {"", "es", "ru"}
    assert [c["command"] for c in fake.commands[""]][:3] == ["start", "estimate", "language"]
    assert set(fake.descriptions) == {"", "es", "ru"}
    assert set(fake.short_descriptions) == {"", "es", "ru"}


async def test_logs_hash_the_chat_and_never_show_answers(bot, fake, caplog):
    chat = 987654321
    script = {**GENERIC, "deductible": ("text", "1777"), "diagnosis": ("text", "M54.59")}
    asked: list[str] = []
    await run_interview(fake, chat, script, asked=asked)
    await fake.wait_idle()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.updates"]
    assert len(lines) == len(asked) + 1  # one per update, /start included
    assert any("question=deductible->" in line for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (str(chat), "1777", "M54.59", "Pat"):
        assert secret not in everything
    assert all("total_ms=" in line for line in lines)


async def test_duplicate_updates_are_applied_once(bot, fake):
    from telegram import Update

    chat = 1015
    await fake.user_sends(chat, "/start")
    await fake.wait_for_bot(chat, interview_view)
    await fake.press_button(chat, lambda text, data: data == "a|purpose|medical")
    await fake.wait_for_bot(chat, moved_on_from("purpose"))
    await fake.wait_idle()
    # Telegram re-delivers the same update (same update_id): nothing changes the second time.
    message = {"message_id": 99, "date": 0, "chat": {"id": chat, "type": "private"},
               "from": {"id": chat, "is_bot": False, "first_name": "Pat"}, "text": "1000"}
    update = Update.de_json({"update_id": 424242, "message": message}, bot.app.bot)
    await bot.app.process_update(update)
    after_first = (await bot.stored(chat)).state
    sent = len(fake.calls_to("sendMessage"))
    await bot.app.process_update(update)
    assert (await bot.stored(chat)).state == after_first
    assert len(fake.calls_to("sendMessage")) == sent
