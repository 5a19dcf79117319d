"""Per-user rate limit: at most `limit` updates in any `period` seconds (a sliding window).

The window is part of the chat's saved state (`bot.telegram.turn.TelegramState.rate`), checked
and updated inside the chat's store section: every worker sees the same window, and a restart
does not forget it. The clock is passed in, so the check is pure and testable.
"""

from typing import Any, Literal

from pydantic import BaseModel, field_validator, model_validator

Verdict = Literal["allow", "refuse_and_tell", "refuse_quietly"]


class Window(BaseModel):
    """One user's recent updates: when the allowed ones came (at most `limit` of them), and
    whether the user was told about the limit during this burst. Saved with the chat as JSON
    (`model_dump()`); what cannot be read of a saved one counts as nothing (an empty window)."""

    times: list[float] = []
    told: bool = False

    @model_validator(mode="before")
    @classmethod
    def _a_dict(cls, data: Any) -> Any:
        return data if isinstance(data, dict) else {}

    @field_validator("times", mode="before")
    @classmethod
    def _numbers_only(cls, times: Any) -> list[float]:
        if not isinstance(times, list):
            return []
        return [float(t) for t in times if isinstance(t, int | float) and not isinstance(t, bool)]

    @field_validator("told", mode="before")
    @classmethod
    def _true_only(cls, told: Any) -> bool:
        return told is True


def check(window: Window, now: float, limit: int, period: float) -> Verdict:
    """Record an update at `now` in `window`. Over the limit, the user is told once per burst
    (a polite reply), then refused quietly, so a flood gets no flood of replies."""
    window.times = [t for t in window.times if t > now - period][-limit:]
    if len(window.times) < limit:
        window.times.append(now)
        window.told = False  # the burst is over: tell again next time
        return "allow"
    if window.told:
        return "refuse_quietly"
    window.told = True
    return "refuse_and_tell"
