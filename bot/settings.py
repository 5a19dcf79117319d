"""Configuration from environment variables (and a `.env` file in the working directory).

Names are case-insensitive. `load_settings()` turns every problem into a `SettingsError` whose
message has one line per variable, names the variable and never repeats a secret value.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

from .clinics import default_clinics_path
from .i18n import DEFAULT, SUPPORTED

__all__ = ["Settings", "SettingsError", "load_settings"]

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
_DATABASE_URL = re.compile(r"^(sqlite|postgres|postgresql)(\+\w+)?://", re.IGNORECASE)
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_SALT_MIN_LENGTH = 16

BOTFATHER_HELP = (
    "open Telegram, talk to @BotFather, send /newbot and follow the steps; then put the token "
    "it gives you in the environment or in a .env file as TELEGRAM_BOT_TOKEN=123456:ABC..."
)


class SettingsError(ValueError):
    """Configuration that cannot be used; one line per variable, without secret values."""


def _split(value: str) -> list[str]:
    """'1, 2' -> ['1', '2']; also tolerates a JSON-style '[1, 2]'."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [item.strip().strip("\"'").strip() for item in text.split(",") if item.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        env_ignore_empty=True,
        extra="ignore",
        hide_input_in_errors=True,
        validate_default=True,
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    clinics_file: Path = Field(default_factory=default_clinics_path)
    database_url: str = Field(default="sqlite:///massage-bot.sqlite3", repr=False)
    staff_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: str = DEFAULT  # one of bot.i18n.SUPPORTED (checked below)
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    bot_username: str | None = None
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    data_encryption_key: SecretStr | None = None
    log_salt: SecretStr | None = None
    retention_days: int = Field(default=30, ge=1)
    rate_limit_updates: int = Field(default=20, ge=1)
    rate_limit_seconds: int = Field(default=10, ge=1)
    # The estimate API (bot/web/estimates.py): processes that compute its estimates, requests
    # that may wait for one, and the per-client limit (per worker).
    api_estimate_processes: int = Field(default=1, ge=1, le=64)
    api_estimate_queue: int = Field(default=8, ge=0, le=10_000)
    api_rate_limit_requests: int = Field(default=60, ge=1)
    api_rate_limit_seconds: int = Field(default=60, ge=1)
    log_level: str = "INFO"
    # Clinics that onboard themselves (/newclinic): how often a worker looks for changes other
    # workers made, how many clinics one Telegram user may own, and /newclinic runs per day.
    clinic_refresh_seconds: float = Field(default=2.0, ge=0, le=300)
    max_clinics_per_owner: int = Field(default=3, ge=0, le=100)
    new_clinic_per_day: int = Field(default=5, ge=1, le=1000)

    # --- validators ------------------------------------------------------------------------

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token_format(cls, value: Any) -> Any:
        if value is None:
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(text, str) or not _TOKEN.fullmatch(text.strip()):
            raise PydanticCustomError(
                "bot_token", "does not look like a bot token (expected 123456:ABC...)"
            )
        return text.strip()

    @field_validator("telegram_api_base_url", mode="before")
    @classmethod
    def _api_base_url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        url = value.strip().rstrip("/")
        if not re.match(r"^https?://", url) or not url.endswith("/bot"):
            raise PydanticCustomError(
                "api_base_url",
                "must be an http(s) URL ending in /bot, such as https://api.telegram.org/bot",
            )
        return url

    @field_validator("clinics_file", mode="before")
    @classmethod
    def _clinics_file(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return default_clinics_path()
        if isinstance(value, str):
            return Path(value.strip()).expanduser()
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: Any) -> Any:
        if isinstance(value, str) and not _DATABASE_URL.match(value.strip()):
            raise PydanticCustomError(
                "database_url",
                "must start with sqlite:/// or postgresql:// "
                "(for example sqlite:///massage-bot.sqlite3)",
            )
        return value.strip() if isinstance(value, str) else value

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _staff_ids(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError("user_ids", "expected Telegram user ids such as 1, 2")
        if isinstance(value, int):
            value = [value]
        elif isinstance(value, str):
            value = _split(value)
        if not isinstance(value, list | tuple):
            return value
        ids: list[int] = []
        for item in value:
            number = item
            if isinstance(item, str):
                number = int(item) if re.fullmatch(r"\d+", item.strip()) else None
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise PydanticCustomError(
                    "user_ids",
                    "'{item}' is not a Telegram user id (expected positive numbers separated "
                    "by commas, such as 123456789, 987654321)",
                    {"item": str(item)},
                )
            ids.append(number)
        return ids

    @field_validator("default_locale", mode="before")
    @classmethod
    def _locale(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        language = re.split(r"[-_.]", value.strip().lower(), maxsplit=1)[0]
        if language not in SUPPORTED:
            raise PydanticCustomError("locale", f"must be one of {', '.join(SUPPORTED)}")
        return language

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if isinstance(value, str):
            url = value.strip()
            if not re.match(r"^https://[^/\s]+", url, re.IGNORECASE):
                raise PydanticCustomError(
                    "webhook_url", "must be an https:// URL (Telegram only calls HTTPS webhooks)"
                )
            return url
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: Any) -> Any:
        if value is None:
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(text, str) or not _WEBHOOK_SECRET.fullmatch(text.strip()):
            raise PydanticCustomError(
                "webhook_secret",
                "must be 1 to 256 characters, only A-Z, a-z, 0-9, _ and - (a Telegram rule)",
            )
        return text.strip()

    @field_validator("bot_username", mode="before")
    @classmethod
    def _bot_username(cls, value: Any) -> Any:
        if isinstance(value, str):
            name = value.strip().removeprefix("@")
            if not _USERNAME.fullmatch(name):
                raise PydanticCustomError(
                    "bot_username",
                    "must be the bot's Telegram username, such as DemoClinicBot "
                    "(5 to 32 letters, digits or _)",
                )
            return name
        return value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _api_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _split(value)
        return value

    @field_validator("data_encryption_key", mode="before")
    @classmethod
    def _strip_secret(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("log_salt", mode="before")
    @classmethod
    def _log_salt(cls, value: Any) -> Any:
        if value is None:
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(text, str) or len(text.strip()) < _LOG_SALT_MIN_LENGTH:
            raise PydanticCustomError(
                "log_salt",
                "must be at least {minimum} characters; generate one with "
                'python3 -c "import secrets; print(secrets.token_urlsafe(32))"',
                {"minimum": _LOG_SALT_MIN_LENGTH},
            )
        return text.strip()

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        level = value.strip().upper()
        level = "WARNING" if level == "WARN" else level
        if level not in _LOG_LEVELS:
            raise PydanticCustomError("log_level", "must be one of " + ", ".join(_LOG_LEVELS))
        return level

    # --- derived values --------------------------------------------------------------------

    @property
    def telegram_file_base_url(self) -> str:
        """Where Telegram serves files: the API base with its trailing /bot made /file/bot."""
        return self.telegram_api_base_url.removesuffix("/bot") + "/file/bot"

    def require_token(self) -> str:
        """The bot token, or a SettingsError telling how to get one."""
        if self.telegram_bot_token is None:
            raise SettingsError(f"TELEGRAM_BOT_TOKEN is not set: {BOTFATHER_HELP}")
        return self.telegram_bot_token.get_secret_value()

    def is_api_key(self, candidate: str | None) -> bool:
        """Whether `candidate` is one of API_KEYS (compared in constant time). A candidate
        that has no UTF-8 form (raw non-UTF-8 bytes of a header, which aiohttp hands over as
        lone surrogates) is no key."""
        if not candidate:
            return False
        try:
            given = candidate.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return any(
            hmac.compare_digest(given, key.get_secret_value().encode()) for key in self.api_keys
        )


def _env_name(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "settings"
    name = str(loc[0]).upper()
    rest = [part for part in loc[1:] if not isinstance(part, int)]
    items = [part for part in loc[1:] if isinstance(part, int)]
    if items:
        name += f" (item {items[0] + 1})"
    if rest:
        name += " (" + ".".join(str(part) for part in rest) + ")"
    return name


def _message(error: Mapping[str, Any]) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and `.env`, with `overrides` (field names) on top.

    Raises `SettingsError` with one line per bad variable, e.g.
    "TELEGRAM_BOT_TOKEN: does not look like a bot token (expected 123456:ABC...)".
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [
            f"{_env_name(tuple(error['loc']))}: {_message(error)}"
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise SettingsError("\n".join(lines)) from None
    except _SourceError as exc:
        raise SettingsError(f"cannot read the settings: {exc}") from None
