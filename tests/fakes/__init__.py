"""Test doubles for external services, and the harness pieces tests and benchmarks share (see
each module's docstring): telegram_api, the fake Bot API (exported here); patients, the
interview a simulated patient goes through; workers, `massage-bot serve` processes in webhook
mode."""

from tests.fakes.telegram_api import (
    ApiCall,
    ApiError,
    BotMessage,
    FakeTelegramAPI,
    HtmlParseError,
    SentDocument,
    UploadedFile,
    buttons,
    parse_html,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "BotMessage",
    "FakeTelegramAPI",
    "HtmlParseError",
    "SentDocument",
    "UploadedFile",
    "buttons",
    "parse_html",
]
