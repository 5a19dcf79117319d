"""Per-user rate limit: at most `limit` updates in any `period` seconds (a sliding window).

The window is part of the chat's saved state (`bot.telegram.turn.TelegramState.rate`), checked
and updated inside the chat's store section: every worker sees the same window, and a restart
does not forget it. The clock is passed in, so the check is pure and testable.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["allow", "refuse_and_tell", "refuse_quietly"]


@dataclass
class Window:
    """One user's recent updates: when the allowed ones came (at most `limit` of them), and
    whether the user was told about the limit during this burst."""

    times: list[float] = field(default_factory=list)
    told: bool = False

    @classmethod
    def from_json(cls, data: Any) -> "Window":
        if not isinstance(data, dict):
            return cls()
        times = data.get("times") if isinstance(data.get("times"), list) else []
        return cls(times=[float(t) for t in times if isinstance(t, int | float)],
                   told=data.get("told") is True)

    def to_json(self) -> dict[str, Any]:
        return {"times": self.times, "told": self.told}


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
