"""The same answers in the terminal, on Telegram and on the clinic's web page give the same
headline and the same next steps (issue 11: the result is the same in every channel)."""

from __future__ import annotations

import html
import subprocess
import sys

from bot.i18n import translator
from bot.render import explain
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    bot_fixture,
    fake_fixture,
    run_interview,
)
from tests.test_web_pages import CHOICES, FORM, chat, start

CLINIC = "demo-clinic"


def _expected() -> tuple[list[str | None], str, str]:
    """The chat's own run of the answers: the questions in the order asked (None: "Narrow it
    down" pressed at an estimate), the headline and the next steps as the estimate words them."""
    asked: list[str | None] = []
    state, prompt = chat(FORM, asked=asked)
    blocks = explain(prompt.estimate, prompt.scenario, translator("en")).split("\n\n")
    steps = next(b for b in blocks if b.startswith("Next steps:"))
    return asked, blocks[0], steps


def _same_in(text: str, headline: str, steps: str) -> None:
    assert headline in text, text
    assert steps in text, text


def test_the_terminal_shows_the_chat_headline_and_next_steps():
    asked, headline, steps = _expected()
    # "1)" under an estimate is "Narrow it down"; "-" is "I don't know".
    typed = "".join(f"{FORM.get(q, '-') if q else '1'}\n" for q in asked)
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--clinic", CLINIC], input=typed,
        capture_output=True, text=True, timeout=120, check=True)
    _same_in(run.stdout, headline, steps)


async def test_telegram_shows_the_chat_headline_and_next_steps(bot, fake):
    asked, headline, steps = _expected()
    script = {q: ("choice" if q in CHOICES else "text", FORM[q]) if q in FORM else ("unknown", None)
              for q in asked if q is not None}
    result = await run_interview(fake, 3101, script, start=f"/start {CLINIC}")
    _same_in(html.unescape(result.text), headline, steps)


async def test_the_web_page_shows_the_chat_headline_and_next_steps():
    _, headline, steps = _expected()
    client = await start()
    try:
        page = await (await client.post(f"/c/{CLINIC}/estimate", data=FORM)).text()
    finally:
        await client.close()
    text = html.unescape(page)
    assert headline.split("\n")[0] in text
    for line in [*headline.split("\n")[1:], *steps.split("\n")]:
        assert line in text, line
