"""Staff tools on Telegram, end to end: /scenario, /whatif and scenario files."""

from __future__ import annotations

import asyncio

from bot import staff_files
from bot.i18n import translator
from bot.render import headline_text
from bot.staff import parse_pairs, scenario_from_pairs, whatif
from bot.telegram import texts
from estimator import estimate
from tests.test_scenario_files import alias_bomb
from tests.test_telegram_interview import GENERIC, generic_scenario
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    CLINIC_STAFF,
    CLINICS,
    EXTRA_STAFF,
    bot_fixture,
    cost_texts,
    fake_fixture,
    run_interview,
)

SCENARIO = ("payer=commercial network=out deductible=1000 deductible_met=200 coinsurance_pct=20 "
            "sessions=12 prescription=yes diagnosis_codes=M54.50 preauth=not_required")


async def test_scenario_shows_the_estimate_and_the_session_table(bot, fake):
    chat = CLINIC_STAFF  # a private chat's id is the user's id
    await fake.user_sends(chat, f"/scenario {SCENARIO}")
    table = await fake.wait_for_bot(chat, lambda m: "Session by session:" in m.text)

    expected = estimate(scenario_from_pairs(parse_pairs(SCENARIO), CLINICS.get("demo-clinic")))
    explained = "\n".join(fake.bot_texts(chat))
    for amount in cost_texts(expected, "en"):
        assert amount in explained
    assert headline_text(expected, scenario_from_pairs(parse_pairs(SCENARIO),
                                                       CLINICS.get("demo-clinic")),
                         translator("en")) in explained
    assert "<pre>" in table.raw_text
    assert len(table.text.splitlines()) == 1 + 1 + 12 + 1  # header, columns, sessions, total
    stored = (await bot.stored(chat)).state["telegram"]["scenario"]
    assert stored["network"] == "out" and stored["plan"]["deductible"] == "1000.00"


async def test_whatif_changes_the_last_scenario_and_compares_totals(bot, fake):
    chat = CLINIC_STAFF
    await fake.user_sends(chat, f"/scenario {SCENARIO}")
    await fake.wait_for_bot(chat, lambda m: "Session by session:" in m.text)
    await fake.user_sends(chat, "/whatif deductible_met=1000 network=in insurer=Aetna")
    compared = await fake.wait_for_bot(chat, lambda m: m.text.startswith("What if"))

    base = scenario_from_pairs(parse_pairs(SCENARIO), CLINICS.get("demo-clinic"))
    changed = whatif(base, parse_pairs("deductible_met=1000 network=in insurer=Aetna"),
                     CLINICS.get("demo-clinic"))
    t = translator("en")
    before, after = estimate(base), estimate(changed)
    assert before.totals.patient != after.totals.patient
    row = next(line for line in compared.text.splitlines() if line.startswith("You pay"))
    assert row.split() == ["You", "pay", t.money(before.totals.patient),
                           t.money(after.totals.patient)]
    assert "Before" in compared.text and "After" in compared.text
    await fake.wait_idle()
    assert f"Before the change: {t.money(before.totals.patient)}" in "\n".join(
        fake.bot_texts(chat))

    # The next /whatif starts from that one.
    await fake.user_sends(chat, "/whatif sessions=6")
    again = await fake.wait_for_bot(chat, lambda m: m.text.startswith("What if sessions=6"))
    smaller = estimate(whatif(changed, parse_pairs("sessions=6")))
    assert t.money(after.totals.patient) in again.text
    assert t.money(smaller.totals.patient) in again.text


async def test_whatif_on_a_finished_interview(bot, fake):
    chat = EXTRA_STAFF  # staff by STAFF_USER_IDS
    await fake.user_sends(chat, "/whatif sessions=6")
    await fake.wait_for_bot(chat, lambda m: m.text == texts.WHATIF_NOTHING)
    await run_interview(fake, chat, GENERIC)
    await fake.user_sends(chat, "/whatif sessions=6")
    compared = await fake.wait_for_bot(chat, lambda m: m.text.startswith("What if"))
    before = estimate(generic_scenario())
    after = estimate(generic_scenario().model_copy(update={"sessions": 6}))
    assert translator("en").money(before.totals.patient) in compared.text
    assert translator("en").money(after.totals.patient) in compared.text


async def test_bad_keys_and_values_are_answered_with_the_valid_ones(bot, fake):
    chat = CLINIC_STAFF
    await fake.user_sends(chat, "/scenario colour=<blue>")
    reply = await fake.wait_for_bot(chat)
    assert reply.text.startswith(
        "Unknown key colour. Valid keys: account_balance, allowed_per_unit")
    assert "deductible_met" in reply.text and "billed_per_unit" in reply.text
    await fake.user_sends(chat, "/scenario sessions=lots")
    reply = await fake.wait_for_bot(chat)
    assert "sessions: Input should be a valid integer" in reply.text
    await fake.user_sends(chat, "/scenario")
    reply = await fake.wait_for_bot(chat)
    assert reply.text.startswith("Send the scenario as key=value pairs")


CASES = """
- name: Twelve sessions out of network
  scenario:
    payer: commercial
    network: in
    prescription: true
    diagnosis_codes: [M54.50]
    preauth: not_required
    sessions: 12
    fees: {billed_per_unit: "40.00", allowed_per_unit: "30.00", cash_per_session: "90.00"}
    plan: {deductible: "1000.00", deductible_met: "200.00", coinsurance_pct: "20",
           oop_max: "5000.00", oop_met: "200.00", visit_limit: 20, visits_used: 4}
  expect:
    totals: {patient: "928.00"}
- name: A wrong expectation <on purpose>
  scenario:
    sessions: 2
    fees: {billed_per_unit: "40.00"}
  expect:
    totals: {patient: "1.00"}
"""


async def test_scenario_file_runs_each_case(bot, fake):
    chat = CLINIC_STAFF
    await fake.user_sends_document(chat, "cases.yaml", CASES.encode())
    report = await fake.wait_for_bot(chat, lambda m: "cases passed" in m.text)
    lines = report.text.splitlines()
    assert lines[0] == "1 of 2 cases passed."
    assert "Passed: Twelve sessions out of network" in report.text
    assert "Failed: A wrong expectation <on purpose>" in report.text
    assert "totals.patient: expected '1.00', got '320.00'" in report.text
    assert [call.method for call in fake.calls].count("getFile") == 1

    await fake.user_sends_document(chat, "broken.yaml", b"- name: x\n  scenario: {sessions: 0}\n")
    broken = await fake.wait_for_bot(chat)
    assert broken.text.startswith("This scenario file cannot be read: broken.yaml, case 1")


async def test_non_staff_are_refused_politely(bot, fake):
    chat = 4242
    await fake.user_sends(chat, f"/scenario {SCENARIO}")
    reply = await fake.wait_for_bot(chat)
    assert reply.text == texts.STAFF_ONLY
    await fake.user_sends(chat, "/whatif sessions=3")
    assert (await fake.wait_for_bot(chat)).text == texts.STAFF_ONLY
    await fake.user_sends_document(chat, "cases.yaml", CASES.encode())
    assert (await fake.wait_for_bot(chat)).text == texts.STAFF_ONLY
    await fake.wait_idle()
    assert [call.method for call in fake.calls].count("getFile") == 0


# --- hostile or heavy scenario files: bounded, and everyone else is answered meanwhile --------


async def answered_meanwhile(fake, chat: int) -> float:
    """Seconds until another patient's /start is answered."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await fake.user_sends(chat, "/start")
    await fake.wait_for_bot(chat, timeout=10)
    return loop.time() - started


async def test_an_alias_bomb_is_refused_and_other_chats_are_answered_meanwhile(bot, fake):
    """A file of a few hundred bytes whose `expect` expands to 43 million values (10 levels:
    3.5 billion) froze the event loop while its failure was formatted, the GIL held."""
    bomb = alias_bomb(levels=8)
    await fake.user_sends_document(CLINIC_STAFF, "bomb.yaml", bomb.encode())
    await asyncio.sleep(0.3)  # the staff's update is being handled
    assert await answered_meanwhile(fake, 5005) < 1.5
    refused = await fake.wait_for_bot(CLINIC_STAFF, timeout=20)
    assert refused.text.startswith("This scenario file cannot be read: bomb.yaml, line ")
    assert "more than 50,000 values once its aliases are expanded" in refused.text


HEAVY = """
- &heavy
  name: A year of sessions with every amount unknown
  scenario:
    payer: commercial
    prescription: true
    diagnosis_codes: [M54.50]
    sessions: 365
    fees: {billed_per_unit: "40.00"}
    plan: {deductible: null, deductible_met: null, copay: null, coinsurance_pct: null,
           oop_max: null, oop_met: null, visit_limit: null}
  expect: {sessions: [{n: 1}]}
""" + "- *heavy\n" * 199


async def test_a_file_over_the_cpu_limit_is_stopped_and_other_chats_are_answered_meanwhile(
    bot, fake, monkeypatch
):
    monkeypatch.setattr(staff_files, "LIMITS", staff_files.Limits(cpu_seconds=2))
    await fake.user_sends_document(CLINIC_STAFF, "heavy.yaml", HEAVY.encode())
    await asyncio.sleep(0.3)
    for chat in (5006, 5007):
        assert await answered_meanwhile(fake, chat) < 1.5
    stopped = await fake.wait_for_bot(CLINIC_STAFF, timeout=30)
    assert stopped.text == ("This scenario file needs more than 2 seconds of computing, the "
                            "limit for one file, so it was stopped. Split it into smaller files.")


async def test_a_file_over_the_memory_limit_is_stopped(bot, fake, monkeypatch):
    # Loading the ICD-10 code set alone takes more address space than this.
    monkeypatch.setattr(staff_files, "LIMITS", staff_files.Limits(memory_bytes=150 * 2**20))
    await fake.user_sends_document(CLINIC_STAFF, "cases.yaml", CASES.encode())
    stopped = await fake.wait_for_bot(CLINIC_STAFF, timeout=30)
    assert stopped.text.startswith("This scenario file needs more than 150 MB of memory")


async def test_a_long_report_is_cut_to_three_messages(bot, fake):
    failing = CASES.split("- name: A wrong")[1]
    many = "".join(f"- name: Wrong {n}{failing}" for n in range(150))
    await fake.user_sends_document(CLINIC_STAFF, "many.yaml", many.encode())
    last = await fake.wait_for_bot(CLINIC_STAFF, lambda m: "more lines not shown" in m.text,
                                   timeout=30)
    assert last.text.splitlines()[-1].endswith(
        "more lines not shown: massage-estimate check prints them all.")
    await fake.wait_idle()
    assert len(fake.bot_texts(CLINIC_STAFF)) <= 4
    assert fake.bot_texts(CLINIC_STAFF)[0].startswith("0 of 150 cases passed.")


async def test_the_limits_hold_for_any_child(tmp_path):
    """The child limits itself before it imports the estimator; a wall-clock limit kills it
    whatever it does."""
    checked = await staff_files.check_file(CASES, "cases.yaml",
                                           staff_files.Limits(wall_seconds=0.2))
    assert checked.over == "time"
    checked = await staff_files.check_file(CASES, "cases.yaml")
    assert [r.passed for r in checked.results] == [True, False]
    assert checked.results[1].differences == ["totals.patient: expected '1.00', got '320.00'"]


def test_an_interpreter_that_gives_up_at_the_memory_limit_is_over_memory():
    """At the address-space limit, raising MemoryError can itself fail: Python aborts (SIGABRT)
    with a fatal error instead of exiting with the child's code. Seen on a fresh venv."""
    import signal

    fatal = (b"Fatal Python error: _PyErr_NormalizeException: Cannot recover from MemoryErrors "
             b"while normalizing exceptions.\nPython runtime state: initialized\n")
    assert staff_files._outcome(-signal.SIGABRT, b"", fatal).over == "memory"
    other = b"Fatal Python error: Segmentation fault\n"
    assert staff_files._outcome(-signal.SIGABRT, b"", other).failed
