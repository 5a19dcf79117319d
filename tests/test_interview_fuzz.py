"""Random patients through the interview's step function: whatever they press or type, in any
of the three languages, they reach an estimate, and no question is asked more than three times in
a row (issue 11: "never a loop"); some narrow the estimate down, and may stop halfway."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clinics import load_clinics
from bot.interview import Answer, step
from bot.interview.engine import SKIP

CLINICS = load_clinics()
MAX_MESSAGES = 60
DONT_KNOW = {"en": ["I don't know", "idk", "not sure"], "es": ["no sé", "no estoy seguro"],
             "ru": ["не знаю", "без понятия"]}
GARBAGE = ["", "???", "asdf", "-5", "1e9", "12.345", "0.2", "😀", "yes please", "x" * 300,
           "$30", "20%", "narrow it down", "stop"]


@st.composite
def action(draw, prompt, lang: str) -> Answer:
    """What a person might do at this prompt: mostly answer it, sometimes not."""
    options = [o.value for o in prompt.options]
    kind = draw(st.sampled_from(
        ["option"] * 5 + ["typed_number"] * 2 + ["unknown", "unknown_typed", "garbage", "back"]
        + (["stop"] if prompt.narrowing else [])))
    if kind == "stop":
        return Answer(kind="stop")
    if kind == "option" and options:
        return Answer(kind="choice", value=draw(st.sampled_from(options)))
    if kind == "typed_number" or (kind == "option" and not options):
        if prompt.question_kind == "code":
            return Answer(kind="text", value=draw(st.sampled_from(
                ["M54.50", "M54.5", "S13.4", "W19.XXXA", "Z73.3", "M54.50, M62.830"])))
        return Answer(kind="text", value=str(draw(st.integers(0, 3000))))
    if kind == "unknown":
        return Answer(kind="unknown")
    if kind == "unknown_typed":
        return Answer(kind="text", value=draw(st.sampled_from(DONT_KNOW[lang])))
    if kind == "garbage":
        return Answer(kind="text", value=draw(st.sampled_from(GARBAGE)))
    return Answer(kind="back")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), lang=st.sampled_from(["en", "es", "ru"]),
       clinic=st.sampled_from([None, "demo-clinic"]))
def test_a_random_patient_reaches_an_estimate_without_loops(data, lang, clinic):
    state, prompt = step(None, Answer(kind="start", value=clinic), CLINICS, lang)
    asked_in_a_row, last, narrowed = 0, None, 0
    for sent in range(3 * MAX_MESSAGES):
        if prompt.kind == "result":
            assert prompt.estimate is not None and (narrowed or sent <= MAX_MESSAGES)
            if not prompt.narrow or narrowed == 2 or not data.draw(st.booleans()):
                return
            narrowed += 1
            state, prompt = step(state, Answer(kind="narrow"), CLINICS, lang)
            continue
        question = prompt.question_id
        asked_in_a_row = asked_in_a_row + 1 if question == last else 1
        last = question
        assert asked_in_a_row <= 3, f"{question} asked {asked_in_a_row} times in a row"
        if asked_in_a_row == 3:  # a person takes the way forward the bot offers by now
            skip = [o.value for o in prompt.options if o.value == SKIP]
            reply = Answer(kind="choice", value=skip[0]) if skip else Answer(kind="unknown")
        else:
            reply = data.draw(action(prompt, lang))
        state, prompt = step(state, reply, CLINICS, lang)
    raise AssertionError(f"no end after {3 * MAX_MESSAGES} messages (at {prompt.question_id})")


def test_a_patient_who_only_types_nonsense_is_asked_nothing_more_than_three_times():
    """Not a person (who would take the skip offered), so allowed three replies a question."""
    state, prompt = step(None, Answer(kind="start"), CLINICS, "en")
    shown: list[str] = []
    for _ in range(3 * MAX_MESSAGES):
        if prompt.kind == "result":
            break
        shown.append(prompt.question_id)
        state, prompt = step(state, Answer(kind="text", value="blah"), CLINICS, "en")
    assert prompt.kind == "result"
    runs = [shown[i:i + 4] for i in range(len(shown) - 3)]
    assert not any(len(set(run)) == 1 for run in runs), shown
