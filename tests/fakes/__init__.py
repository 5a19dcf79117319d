"""Test doubles for external services (see each module's docstring)."""

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
