"""Per-user rate limit: at most `limit` updates in any `period` seconds (a sliding window).

In memory, per process: with several workers a user gets up to that many per worker, which is
still a bound. The clock is passed in, so the limiter is pure and testable.
"""

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Literal

MAX_TRACKED_USERS = 100_000  # beyond this the least recently seen users are forgotten

Verdict = Literal["allow", "refuse_and_tell", "refuse_quietly"]


@dataclass
class RateLimiter:
    limit: int
    period: float
    _seen: OrderedDict[int, deque[float]] = field(default_factory=OrderedDict)
    _told: dict[int, float] = field(default_factory=dict)  # users told during this burst

    def check(self, user_id: int, now: float) -> Verdict:
        """Record an update of `user_id` at `now`. Over the limit, the user is told once per
        burst (a polite reply), then refused quietly, so a flood gets no flood of replies."""
        times = self._seen.pop(user_id, None) or deque()
        while times and times[0] <= now - self.period:
            times.popleft()
        self._seen[user_id] = times  # most recently seen last
        if len(self._seen) > MAX_TRACKED_USERS:
            forgotten, _ = self._seen.popitem(last=False)
            self._told.pop(forgotten, None)
        if len(times) < self.limit:
            times.append(now)
            self._told.pop(user_id, None)  # the burst is over: tell again next time
            return "allow"
        if user_id in self._told:
            return "refuse_quietly"
        self._told[user_id] = now
        return "refuse_and_tell"
