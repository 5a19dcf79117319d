from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.clinics import default_clinics_path, load_clinics
from bot.settings import Settings, SettingsError, load_settings
from bot.store import open_store
from bot.telegram.app import build_application

GOOD_TOKEN = "123456789:AAF1bcdefGhijkLmnoPqrstUvwxyz0123456789"
ENV_VARS = [
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "CLINICS_FILE",
    "DATABASE_URL",
    "STAFF_USER_IDS",
    "DEFAULT_LOCALE",
    "HOST",
    "PORT",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "BOT_USERNAME",
    "API_KEYS",
    "DATA_ENCRYPTION_KEY",
    "LOG_SALT",
    "RETENTION_DAYS",
    "RATE_LIMIT_UPDATES",
    "RATE_LIMIT_SECONDS",
    "LOG_LEVEL",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No settings from the real environment, and a working directory without a .env file."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)


def settings_error(**overrides) -> str:
    with pytest.raises(SettingsError) as info:
        load_settings(**overrides)
    return str(info.value)


def test_defaults():
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_base_url == "https://api.telegram.org/file/bot"
    assert settings.clinics_file == default_clinics_path()
    assert settings.database_url == "sqlite:///massage-bot.sqlite3"
    assert settings.staff_user_ids == []
    assert settings.default_locale == "en"
    assert settings.host == "127.0.0.1"
    assert settings.port == 8080
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.bot_username is None
    assert settings.api_keys == []
    assert settings.data_encryption_key is None
    assert settings.log_salt is None
    assert settings.retention_days == 30
    assert settings.rate_limit_updates == 20
    assert settings.rate_limit_seconds == 10
    assert settings.log_level == "INFO"


def test_environment_values(monkeypatch, tmp_path):
    clinics = tmp_path / "mine.yaml"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("CLINICS_FILE", str(clinics))
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db/massage")
    monkeypatch.setenv("DEFAULT_LOCALE", "ES")
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_-Value")
    monkeypatch.setenv("BOT_USERNAME", "@DemoClinicBot")
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", "key-material")
    monkeypatch.setenv("LOG_SALT", "a-log-salt-of-24-letters")
    monkeypatch.setenv("RETENTION_DAYS", "7")
    monkeypatch.setenv("RATE_LIMIT_UPDATES", "5")
    monkeypatch.setenv("RATE_LIMIT_SECONDS", "60")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.require_token() == GOOD_TOKEN
    assert settings.clinics_file == clinics
    assert settings.database_url == "postgresql://bot@db/massage"
    assert settings.default_locale == "es"
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.webhook_url == "https://bot.example.com/telegram"
    assert settings.webhook_secret.get_secret_value() == "s3cret_-Value"
    assert settings.bot_username == "DemoClinicBot"
    assert settings.data_encryption_key.get_secret_value() == "key-material"
    assert settings.log_salt.get_secret_value() == "a-log-salt-of-24-letters"
    assert (settings.retention_days, settings.rate_limit_updates) == (7, 5)
    assert settings.rate_limit_seconds == 60
    assert settings.log_level == "DEBUG"


def test_names_are_case_insensitive(monkeypatch):
    monkeypatch.setenv("port", "8443")
    assert load_settings().port == 8443


def test_empty_variables_mean_unset(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("CLINICS_FILE", "")
    monkeypatch.setenv("STAFF_USER_IDS", "")
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.clinics_file == default_clinics_path()
    assert settings.staff_user_ids == []


def test_dotenv_file_in_the_working_directory(tmp_path):
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={GOOD_TOKEN}\n"
        "staff_user_ids=11, 22\n"
        "DEFAULT_LOCALE=ru\n"
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.require_token() == GOOD_TOKEN
    assert settings.staff_user_ids == [11, 22]
    assert settings.default_locale == "ru"


def test_environment_wins_over_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("PORT=1111\n", encoding="utf-8")
    monkeypatch.setenv("PORT", "2222")
    assert load_settings().port == 2222


def test_overrides_win_over_environment(monkeypatch):
    monkeypatch.setenv("PORT", "2222")
    assert load_settings(port=3333).port == 3333


# --- comma-separated lists --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1, 2", [1, 2]),
        ("1,2,3", [1, 2, 3]),
        ("123456789", [123456789]),
        (" 5 , ", [5]),
        ("[7, 8]", [7, 8]),
    ],
)
def test_staff_user_ids_from_env(monkeypatch, value, expected):
    monkeypatch.setenv("STAFF_USER_IDS", value)
    assert load_settings().staff_user_ids == expected


def test_staff_user_ids_from_overrides():
    assert load_settings(staff_user_ids=42).staff_user_ids == [42]
    assert load_settings(staff_user_ids=[1, 2]).staff_user_ids == [1, 2]
    assert load_settings(staff_user_ids="3, 4").staff_user_ids == [3, 4]


@pytest.mark.parametrize("bad", ["abc", "-5", "0", "1.5"])
def test_bad_staff_user_id_is_named(monkeypatch, bad):
    monkeypatch.setenv("STAFF_USER_IDS", f"1, {bad}")
    message = settings_error()
    assert message.startswith("STAFF_USER_IDS: ")
    assert f"'{bad}'" in message


def test_api_keys_comma_separated_and_secret(monkeypatch):
    monkeypatch.setenv("API_KEYS", "alpha-key, beta-key")
    settings = load_settings()
    assert [key.get_secret_value() for key in settings.api_keys] == ["alpha-key", "beta-key"]
    assert settings.is_api_key("beta-key")
    assert not settings.is_api_key("gamma-key")
    assert not settings.is_api_key("") and not settings.is_api_key(None)
    assert "alpha-key" not in repr(settings)


# --- the token -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token-but-a-long-secret-value-here",
        "123456:tooShortSecretPart",
        "abc:AAF1bcdefGhijkLmnoPqrstUvwxyz0123456789",
        "123456:AAF1bcdefGhijkLmnoPqrstUvwxyz01234567!9",
    ],
)
def test_bad_token_message_does_not_echo_the_secret(monkeypatch, token):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    message = settings_error()
    assert message == (
        "TELEGRAM_BOT_TOKEN: does not look like a bot token (expected 123456:ABC...)"
    )
    secret_part = token.split(":")[-1]
    assert secret_part not in message and token not in message


def test_bad_token_is_not_echoed_by_settings_either(monkeypatch):
    token = "999:this-is-the-secret-part"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "this-is-the-secret-part" not in str(info.value)


def test_token_is_secret_in_repr(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    settings = load_settings()
    assert GOOD_TOKEN not in repr(settings) and GOOD_TOKEN not in str(settings)


def test_token_surrounding_whitespace_is_ignored(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f"  {GOOD_TOKEN}\n")
    assert load_settings().require_token() == GOOD_TOKEN


def test_missing_token():
    settings = load_settings()
    with pytest.raises(SettingsError) as info:
        settings.require_token()
    message = str(info.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN is not set: ")
    assert "@BotFather" in message


# --- other validation ----------------------------------------------------------------------


def test_several_errors_one_line_each_naming_the_variable(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", "has spaces and secret!")
    monkeypatch.setenv("PORT", "http")
    monkeypatch.setenv("RETENTION_DAYS", "0")
    monkeypatch.setenv("DEFAULT_LOCALE", "de")
    lines = settings_error().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "DEFAULT_LOCALE",
        "PORT",
        "WEBHOOK_SECRET",
        "RETENTION_DAYS",
    ]
    assert "has spaces" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEBHOOK_SECRET", "x" * 257),
        ("WEBHOOK_URL", "http://bot.example.com/hook"),
        ("TELEGRAM_API_BASE_URL", "https://api.telegram.org/"),
        ("DATABASE_URL", "mysql://user@host/db"),
        ("BOT_USERNAME", "no"),
        ("LOG_LEVEL", "chatty"),
        ("RATE_LIMIT_UPDATES", "0"),
        ("RATE_LIMIT_SECONDS", "-1"),
        ("PORT", "70000"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert settings_error().startswith(f"{name}: ")


def test_webhook_secret_at_the_length_limit(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", "a" * 256)
    assert load_settings().webhook_secret.get_secret_value() == "a" * 256


@pytest.mark.parametrize(("value", "locale"), [("en", "en"), ("ES", "es"), ("ru_RU.UTF-8", "ru")])
def test_locale_forms(monkeypatch, value, locale):
    monkeypatch.setenv("DEFAULT_LOCALE", value)
    assert load_settings().default_locale == locale


# --- LOG_SALT ----------------------------------------------------------------------------------


@pytest.mark.parametrize("salt", ["fifteen-chars-1", "  fifteen-chars-1  ", "   "])
def test_log_salt_shorter_than_16_characters_is_refused_without_echoing_it(monkeypatch, salt):
    monkeypatch.setenv("LOG_SALT", salt)
    message = settings_error()
    assert message.startswith("LOG_SALT: must be at least 16 characters")
    assert "secrets.token_urlsafe" in message  # tells how to make one
    assert "fifteen-chars-1" not in message


def test_log_salt_is_secret_and_stripped(monkeypatch):
    monkeypatch.setenv("LOG_SALT", "  0123456789abcdef\n")
    settings = load_settings()
    assert settings.log_salt.get_secret_value() == "0123456789abcdef"  # exactly 16: accepted
    assert "0123456789abcdef" not in repr(settings) and "0123456789abcdef" not in str(settings)


def test_an_empty_log_salt_means_unset(monkeypatch):
    monkeypatch.setenv("LOG_SALT", "")
    assert load_settings().log_salt is None


def _chat_hash(settings: Settings, **build) -> Callable[[int], str]:
    """The chat-id hash of the log lines of an application built as the workers build it."""
    app = build_application(settings, store=open_store("sqlite:///:memory:"),
                            clinics=load_clinics(), **build)
    from bot.telegram.handlers import pipeline_of

    return pipeline_of(app).chat_hash


def test_workers_sharing_a_log_salt_hash_a_chat_alike():
    def worker(**overrides) -> Callable[[int], str]:
        return _chat_hash(Settings(_env_file=None, telegram_bot_token=GOOD_TOKEN, **overrides))

    first = worker(log_salt="shared-salt-of-the-workers")
    second = worker(log_salt="shared-salt-of-the-workers")
    other = worker(log_salt="another-salt-entirely-here")
    assert first(424242) == second(424242)
    assert first(424242) != first(424243)
    assert other(424242) != first(424242)
    unsalted_a, unsalted_b = worker(), worker()  # no LOG_SALT: random per process, as before
    assert unsalted_a(424242) != unsalted_b(424242)
    # An explicit log_salt argument still wins over the setting.
    settings = Settings(_env_file=None, telegram_bot_token=GOOD_TOKEN,
                        log_salt="shared-salt-of-the-workers")
    assert _chat_hash(settings, log_salt=b"explicit")(424242) != first(424242)
    assert _chat_hash(settings, log_salt=b"explicit")(424242) == _chat_hash(
        Settings(_env_file=None, telegram_bot_token=GOOD_TOKEN), log_salt=b"explicit")(424242)


# --- the file base url ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "api", "files"),
    [
        (
            "https://api.telegram.org/bot",
            "https://api.telegram.org/bot",
            "https://api.telegram.org/file/bot",
        ),
        (
            "http://localhost:8081/bot/",
            "http://localhost:8081/bot",
            "http://localhost:8081/file/bot",
        ),
        (
            "https://proxy.example.com/telegram/bot",
            "https://proxy.example.com/telegram/bot",
            "https://proxy.example.com/telegram/file/bot",
        ),
    ],
)
def test_file_base_url_derivation(monkeypatch, base, api, files):
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", base)
    settings = load_settings()
    assert settings.telegram_api_base_url == api
    assert settings.telegram_file_base_url == files


def test_clinics_file_path(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINICS_FILE", "clinics/mine.yaml")
    assert load_settings().clinics_file == Path("clinics/mine.yaml")
