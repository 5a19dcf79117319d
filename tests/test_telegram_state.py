"""The channel's saved bookkeeping of a chat (bot.telegram.turn.TelegramState), a pydantic
model: what a save writes reads back the same, and a field that cannot be read starts afresh
without losing the others (an older version, a hand edit)."""

from bot.ratelimit import Window, check
from bot.telegram.turn import TelegramState, load_state


def test_the_saved_state_reads_back_the_same():
    rate = Window()
    check(rate, 1700000000.5, 5, 60)
    tg = TelegramState(message_id=12, kind="question", question="deductible",
                       options=["ppo", "hmo"], seq=7, scenario={"payer": "commercial"},
                       rate=rate, last_update=812)
    saved = {"v": 1, "interview": None, "telegram": tg.model_dump(mode="json")}
    assert load_state(saved) == (None, tg)


def test_an_unreadable_field_starts_afresh_and_the_others_are_kept():
    tg = TelegramState.model_validate({
        "message_id": "twelve", "kind": 3, "question": None, "options": "ppo", "seq": 7,
        "scenario": ["not", "a", "dict"], "rate": {"times": [1.5, "x"], "told": "yes"},
        "last_update": 812, "unknown": "ignored",
    })
    assert tg == TelegramState(seq=7, rate=Window(times=[1.5]), last_update=812)


def test_no_saved_state_is_a_fresh_one():
    for stored in (None, [], "junk", {"telegram": None}, {"telegram": [1, 2]}):
        assert load_state(stored)[1] == TelegramState()
