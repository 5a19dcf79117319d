"""`massage-bot chat` as a real process, replaying a conversation from standard input."""

import subprocess
import sys
from pathlib import Path

from bot.i18n import translator
from bot.interview import Answer, Prompt
from bot.render import headline_text
from bot.terminal import answer_for, render
from estimator import Scenario, estimate

ROOT = Path(__file__).resolve().parent.parent

# medical, health plan, in network, massage therapist, prescription, a code, 12 sessions; at the
# first estimate "1) Narrow it down", then what it asks: OOP maximum 5000, 20 visits (4 used),
# deductible 1000 (each limit before what was used of it), 200 of it paid, 200 paid toward the OOP
# maximum, 20% coinsurance typed as the share, cash $90 (the clinic's price, unknown, is what
# widens the range most by then), pre-auth not required, massage therapists covered, PPO, 60
# minutes, price $160, no HSA, and "-" (I don't know) to the day the prescription was written.
SCRIPT = [
    "1", "1", "1", "1", "1", "M54.50", "12", "1", "5000", "20", "4", "1000", "200", "200", "20%",
    "90", "3", "1", "1", "60", "160", "1", "-",
]


def chat(lines: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *args], input="\n".join(lines) + "\n",
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


# The same facts for the estimator. Without a clinic the plan's allowed amount is unknown, so the
# cost is a range.
EXPECTED_SCENARIO = Scenario.model_validate({
    "payer": "commercial", "network": "in", "plan_type": "ppo", "prescription": True,
    "diagnosis_codes": ["M54.50"], "preauth": "not_required", "sessions": 12,
    "session_minutes": 60, "fees": {"billed_per_unit": "40", "cash_per_session": "90"},
    "plan": {"deductible": "1000", "deductible_met": "200", "coinsurance_pct": "20",
             "oop_max": "5000", "oop_met": "200", "visit_limit": 20, "visits_used": 4},
})
EXPECTED = estimate(EXPECTED_SCENARIO)


def test_a_replayed_conversation_completes_in_english():
    done = chat(SCRIPT, "--lang", "en")
    assert done.returncode == 0, done.stderr
    low, high = EXPECTED.range.low, EXPECTED.range.high
    # The headline: the recommended way to pay, then both ends of the course's cost.
    headline = headline_text(EXPECTED, EXPECTED_SCENARIO, translator("en"))
    assert headline.startswith("We recommend ")
    assert f"Your cost for 12 sessions: between ${low:,.2f} and ${high:,.2f}" in headline
    assert headline in done.stdout
    assert "Other ways to pay:" in done.stdout
    # Under the first estimate's questions for the insurer: how to enter what they said.
    assert 'Once your insurer has answered, choose "Narrow it down"' in done.stdout


def test_a_replayed_conversation_completes_in_spanish():
    done = chat(SCRIPT, "--lang", "es")
    assert done.returncode == 0, done.stderr
    t = translator("es")
    assert t.money(EXPECTED.range.high) in done.stdout
    assert headline_text(EXPECTED, EXPECTED_SCENARIO, t) in done.stdout
    assert "Le recomendamos" in done.stdout


def test_shortcuts_go_back_explain_and_skip():
    # "?" explains the first question, "<" on the second goes back to the first; at the first
    # estimate "1" narrows it down, "-" on its first question is "I don't know", "=" shows the
    # estimate again.
    lines = ["?", "1", "<", "1", "1", "1", "1", "1", "M54.50", "12", "1", "-", "=", "q"]
    done = chat(lines, "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "Insurance pays only for massage that treats a medical condition" in done.stdout
    assert done.stdout.count("Is the massage for a medical condition") >= 3
    assert "[=] Show my estimate now" in done.stdout
    assert done.stdout.count("We recommend") == 2  # the first estimate, and after "="


def test_garbage_gets_a_re_ask_not_a_traceback():
    done = chat(["1", "1", "1", "1", "1", "M54.50", "3", "1", "a lot", "q"], "--lang", "en")
    assert done.returncode == 0
    assert "Please type an amount in dollars" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_clinic_link_and_a_bad_clinic_name():
    done = chat(["q"], "--clinic", "demo-clinic")
    assert "Demo Medical Massage" in done.stdout
    done = chat(["q"], "--clinic", "nowhere")
    assert done.returncode == 2 and "no clinic 'nowhere'" in done.stderr


def test_typed_questions_take_their_options_by_name_not_by_letter():
    prompt = Prompt(kind="question", question_kind="amount",
                    options=[{"value": "0", "label": "No deductible"}])
    assert answer_for(prompt, "a") == Answer(kind="text", value="a")
    assert answer_for(prompt, "1") == Answer(kind="text", value="1")  # $1, not an option
    assert answer_for(prompt, "q") is None
    shown = render(prompt, translator("en"))
    assert "Type it, or: No deductible" in shown and "a)" not in shown


def test_the_list_of_answers_to_change_shows_what_each_holds_now():
    done = chat(["1", "1", "1", "1", "M54.50", "12", "2", "q"], "--clinic", "demo-clinic")
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Which answer do you want to change?")[1]
    assert "1) Reason: A medical condition" in listed
    assert "3) Insurer: Aetna" in listed and "6) Sessions: 12" in listed


def test_the_first_questions_say_how_many_there_are():
    done = chat(["1", "1", "q"], "--clinic", "demo-clinic")
    assert "Question 1 of about" in done.stdout and "Question 3 of about 6" in done.stdout


def test_an_exact_estimate_does_not_point_to_a_button_it_does_not_show():
    # Deductible already met, 20% coinsurance, OOP maximum and visits known: $288.00 exactly.
    done = chat(["1", "1", "1", "1", "M54.50", "12", "1", "20", "2", "4000", "met", "20%",
                 "1500", "q"], "--clinic", "demo-clinic")
    last = done.stdout.rsplit("We recommend", 1)[1]
    assert "$288.00" in last and "1) Add details" in last
    assert 'choose "Narrow it down"' not in last


# medical, no insurance, 10 sessions: the estimate, then "d" with the patient's name and date
# of birth for the Good Faith Estimate.
CASH_SCRIPT = ["1", "7", "10", "d", "Мария Лопес", "23.11.1984", "q"]


def test_out_writes_the_documents_and_prints_their_paths(tmp_path):
    from pypdf import PdfReader

    done = chat(CASH_SCRIPT, "--lang", "ru", "--clinic", "demo-clinic", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    gfe, summary = tmp_path / "good-faith-estimate-ru.pdf", tmp_path / "estimate-summary-ru.pdf"
    assert f"Предварительная смета (PDF): {gfe}" in done.stdout
    assert f"Сводка (PDF): {summary}" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [summary.name, gfe.name]
    text = " ".join(PdfReader(gfe).pages[0].extract_text().split())
    assert "Мария Лопес" in text and "23 ноября 1984 г." in text


def test_a_date_of_birth_that_cannot_be_read_skips_only_the_gfe(tmp_path):
    script = [*CASH_SCRIPT[:4], "Maria Lopez", "31/31/1984", "q"]
    done = chat(script, "--lang", "en", "--clinic", "demo-clinic", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Please type the date of birth" in done.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["estimate-summary-en.pdf"]


def test_without_out_there_is_no_save_action():
    done = chat(CASH_SCRIPT[:3] + ["q"], "--lang", "en", "--clinic", "demo-clinic")
    assert "[d]" not in done.stdout


def test_a_reply_that_is_no_action_at_the_estimate_shows_the_choices_not_the_estimate_again():
    lines = ["1", "7", "12", "-", "-", "-", "9", "q"]
    done = chat(lines, "--lang", "en")
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.split("> 9", 1)
    assert "We recommend paying the clinic yourself." in before
    assert after.lstrip().startswith("Please choose one of the options.\n1) ")
    assert "We recommend" not in after  # the estimate is not printed again
