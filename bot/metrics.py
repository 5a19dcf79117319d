"""Prometheus metrics, one registry per web application, and the calls the channels make.

The Telegram handlers (and anything else) report through the module-level functions, which go
to the active `Metrics` (the one of the running web application; a default one otherwise, so
the calls are always safe, e.g. in polling mode):

    from bot import metrics
    metrics.interview_started()
    metrics.interview_completed()
    metrics.reply_sent()
    metrics.error("handler")
    with metrics.estimate_timer("telegram"):
        result = estimate(scenario)

Labels come from fixed sets only (an unknown value becomes "other"): never a chat id, a name, a
clinic or anything a user typed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from telegram import Update

__all__ = [
    "CONTENT_TYPE_LATEST",
    "Metrics",
    "activate",
    "active",
    "error",
    "estimate_given",
    "estimate_timer",
    "interview_completed",
    "interview_started",
    "reply_sent",
    "update_kind",
    "update_outcome",
]

# The kinds of Telegram updates (the Update object's optional fields), as python-telegram-bot
# knows them: a kind it adds is counted under its own name, not "other".
UPDATE_KINDS = frozenset(str(kind) for kind in Update.ALL_TYPES)
ERROR_PLACES = frozenset({"webhook", "handler", "api", "page", "store", "telegram"})
CHANNELS = frozenset({"telegram", "api", "page", "terminal"})
REJECT_REASONS = frozenset({"secret", "not_json", "too_large", "not_an_update", "unreadable"})
# How the Telegram handlers ended an update (the `outcome=` of their log lines).
OUTCOMES = frozenset({"ok", "duplicate", "unavailable", "postponed", "busy", "error",
                      "rate_limited", "stale", "out_of_order", "answered", "ignored"})

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _label(value: str, allowed: frozenset[str]) -> str:
    return value if value in allowed else "other"


def update_kind(data: Mapping[str, Any]) -> str:
    """The kind of a raw Telegram update ("message", "callback_query", ... or "other")."""
    for key in data:
        if key != "update_id" and key in UPDATE_KINDS:
            return key
    return "other"


class Metrics:
    """The collectors of one application, in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "massage_bot_updates", "Telegram updates received, by kind.", ["kind"], registry=r
        )
        self.webhook_rejected = Counter(
            "massage_bot_webhook_rejected",
            "Webhook requests refused, by reason.",
            ["reason"],
            registry=r,
        )
        self.updates_repeated = Counter(
            "massage_bot_updates_repeated",
            "Updates delivered again after they were stored or applied (not applied again).",
            registry=r,
        )
        self.outcomes = Counter(
            "massage_bot_update_outcomes",
            "Updates the Telegram handlers finished, by outcome (ok, duplicate, unavailable, "
            "busy, error, rate_limited; answered or ignored in groups).",
            ["outcome"],
            registry=r,
        )
        self.replies = Counter("massage_bot_replies", "Messages the bot sent.", registry=r)
        self.errors = Counter(
            "massage_bot_errors", "Errors, by where they happened.", ["where"], registry=r
        )
        self.update_seconds = Histogram(
            "massage_bot_update_seconds",
            "Time to process one Telegram update.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.estimate_seconds = Histogram(
            "massage_bot_estimate_seconds",
            "Time to compute one estimate, by channel.",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.estimates = Counter(
            "massage_bot_estimates", "Estimates computed, by channel.", ["channel"], registry=r
        )
        self.interviews_started = Counter(
            "massage_bot_interviews_started", "Interviews started.", registry=r
        )
        self.interviews_completed = Counter(
            "massage_bot_interviews_completed", "Interviews that reached an estimate.", registry=r
        )
        # Labelled series appear in the output only once used: create the common ones now, so
        # that dashboards and alerts see zeros rather than nothing.
        for kind in ("message", "callback_query", "other"):
            self.updates.labels(kind)
        for where in sorted(ERROR_PLACES):
            self.errors.labels(where)
        for outcome in sorted(OUTCOMES):
            self.outcomes.labels(outcome)
        for channel in ("telegram", "api", "page"):
            self.estimate_seconds.labels(channel)
            self.estimates.labels(channel)

    # Recording.

    def update_received(self, kind: str) -> None:
        self.updates.labels(_label(kind, UPDATE_KINDS | {"other"})).inc()

    def rejected(self, reason: str) -> None:
        self.webhook_rejected.labels(_label(reason, REJECT_REASONS)).inc()

    def error(self, where: str) -> None:
        self.errors.labels(_label(where, ERROR_PLACES)).inc()

    @contextmanager
    def estimate_timer(self, channel: str) -> Iterator[None]:
        label = _label(channel, CHANNELS)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.estimate_seconds.labels(label).observe(time.perf_counter() - start)
        self.estimates.labels(label).inc()

    def estimate_given(self, channel: str, seconds: float) -> None:
        """An estimate computed elsewhere (inside an interview step) in `seconds`."""
        label = _label(channel, CHANNELS)
        self.estimate_seconds.labels(label).observe(seconds)
        self.estimates.labels(label).inc()

    def exposition(self) -> bytes:
        """The Prometheus text format of this registry."""
        return generate_latest(self.registry)


_active: Metrics | None = None


def active() -> Metrics:
    """The metrics the module-level functions record into (created on first use)."""
    global _active
    if _active is None:
        _active = Metrics()
    return _active


def activate(metrics: Metrics) -> Metrics:
    """Make `metrics` the target of the module-level functions (the web app does it)."""
    global _active
    _active = metrics
    return metrics


def update_outcome(outcome: str) -> None:
    """The Telegram handlers finished an update this way (one of OUTCOMES)."""
    active().outcomes.labels(_label(outcome, OUTCOMES)).inc()


def interview_started() -> None:
    """A user began an interview (/start, a clinic link, or "start over")."""
    active().interviews_started.inc()


def interview_completed() -> None:
    """An interview reached its estimate."""
    active().interviews_completed.inc()


def reply_sent(count: int = 1) -> None:
    """The bot sent (or edited) `count` messages."""
    active().replies.inc(count)


def error(where: str = "handler") -> None:
    """An error was handled; `where` is one of ERROR_PLACES (anything else counts as "other")."""
    active().error(where)


def estimate_given(channel: str, seconds: float) -> None:
    """An estimate shown by `channel`, computed in `seconds` (with the step that made it)."""
    active().estimate_given(channel, seconds)


def estimate_timer(channel: str = "telegram") -> Any:
    """`with estimate_timer("telegram"): estimate(...)` times and counts one estimate."""
    return active().estimate_timer(channel)
