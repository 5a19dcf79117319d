"""The deployment files against the code they describe: deploy/env.example names every setting
and nothing else, the systemd units run the real console script with the env file, the nginx
config proxies the app's routes to the workers and keeps /metrics private, and docs/deploy.md
cites metrics, commands and numbers that exist. `nginx -t` and `systemd-analyze verify` check
the files for real when those tools are installed (skipped, with the reason, otherwise)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot import cli, staff_files
from bot.clinics import load_clinics
from bot.metrics import Metrics
from bot.settings import Settings, SettingsError, load_settings
from bot.store import open_store, retention
from bot.store import postgres as postgres_store
from bot.store.base import (
    LOCK_WAIT_SECONDS,
    PROCESSED_UPDATES_TTL,
    SECTION_IDLE_SECONDS,
    STORE_UPDATE_SECONDS,
)
from bot.telegram import inbox
from bot.telegram.app import CONCURRENT_UPDATES
from bot.web import server

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
NGINX_CONF = ROOT / "deploy" / "nginx" / "massage-bot.conf"
WORKER_UNIT = ROOT / "deploy" / "systemd" / "massage-bot@.service"
MIGRATE_UNIT = ROOT / "deploy" / "systemd" / "massage-bot-migrate.service"
DOC = ROOT / "docs" / "deploy.md"

ENV_FILE_PATH = "/etc/massage-bot/env"
VENV_SCRIPT = "/opt/massage-bot/venv/bin/massage-bot"
CERT = "/etc/letsencrypt/live/bot.example.org/fullchain.pem"
CERT_KEY = "/etc/letsencrypt/live/bot.example.org/privkey.pem"
PLACEHOLDER = "CHANGE-ME!"
FIELDS = {name.upper() for name in Settings.model_fields}
SETTING_PREFIXES = ("TELEGRAM_", "WEBHOOK_", "DATABASE_", "DATA_", "API_", "BOT_", "CLINICS_")


# --- deploy/env.example ------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_assignments() -> list[tuple[str, bool, str, int]]:
    """(name, active, value, line index) of every NAME=value and `# NAME=value` line."""
    found = []
    for index, line in enumerate(ENV_EXAMPLE.read_text("utf-8").splitlines()):
        match = _ASSIGNMENT.match(line)
        if match:
            found.append((match[2], match[1] is None, match[3], index))
    return found


def active_env() -> dict[str, str]:
    return {name: value for name, active, value, _ in env_assignments() if active}


def test_every_variable_in_env_example_is_a_setting():
    unknown = {name for name, *_ in env_assignments()} - FIELDS
    assert not unknown, f"env.example names variables Settings does not read: {sorted(unknown)}"


def test_every_setting_is_in_env_example():
    missing = FIELDS - {name for name, *_ in env_assignments()}
    assert not missing, f"settings missing from env.example: {sorted(missing)}"


def test_each_variable_appears_once_and_has_a_comment_above_it():
    assignments = env_assignments()
    names = [name for name, *_ in assignments]
    assert len(names) == len(set(names)), "a variable appears twice in env.example"
    lines = ENV_EXAMPLE.read_text("utf-8").splitlines()
    for name, _, _, index in assignments:
        above = index - 1
        while above >= 0 and _ASSIGNMENT.match(lines[above]):
            above -= 1  # a group such as RATE_LIMIT_UPDATES / RATE_LIMIT_SECONDS shares one
        assert above >= 0 and lines[above].startswith("#"), f"{name} has no comment above it"


def test_env_example_is_a_plain_systemd_environment_file():
    for line in ENV_EXAMPLE.read_text("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        assert match, f"not NAME=value: {line!r}"
        value = match[3]
        # systemd keeps a trailing "# comment" or quotes as part of the value.
        assert not re.search(r"[\s#\"'\\]", value), f"quote, space or comment in {line!r}"


def test_port_is_left_to_the_instance_name_and_the_workers_listen_on_loopback():
    env = active_env()
    assert "PORT" not in env, "PORT in the env file would give every worker the same port"
    assert env["HOST"] == "127.0.0.1"


def test_the_unfilled_template_cannot_start_a_worker(tmp_path, monkeypatch):
    env = active_env()
    must_fill = {"TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "DATA_ENCRYPTION_KEY"}
    assert all(env[name] == PLACEHOLDER for name in must_fill)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in SETTING_PREFIXES:
        for variable in [v for v in os.environ if v.upper().startswith(name)]:
            monkeypatch.delenv(variable)
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET"):
        with pytest.raises(SettingsError) as caught:
            load_settings(**{name.lower(): PLACEHOLDER})
        assert str(caught.value).startswith(name) and PLACEHOLDER not in str(caught.value)
    with pytest.raises(ValueError, match="not a Fernet key"):
        open_store("sqlite:///:memory:", encryption_key=PLACEHOLDER)


def test_the_filled_in_template_loads_as_a_production_configuration(tmp_path, monkeypatch):
    fill = {
        "TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35,
        "WEBHOOK_SECRET": "a-webhook-secret_1",
        "DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    monkeypatch.chdir(tmp_path)
    for variable in [v for v in os.environ if v.upper() in FIELDS]:
        monkeypatch.delenv(variable)
    for name, value in active_env().items():
        monkeypatch.setenv(name, fill.get(name, value))  # as systemd's EnvironmentFile= does
    settings = load_settings()
    assert settings.database_url.startswith("postgresql://")
    assert settings.webhook_url.endswith(server.WEBHOOK_PATH)
    assert settings.log_level not in ("DEBUG", "INFO")  # see docs/deploy.md, Logs
    assert settings.retention_days == 30
    key = settings.data_encryption_key.get_secret_value()
    store = open_store(settings.database_url, encryption_key=key)  # does not connect yet
    assert type(store).__name__ == "PostgresStore"


# --- systemd -----------------------------------------------------------------------------------


def unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Sections of a unit file as lists of (key, value), repeated keys kept."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [value for name, value in section if name == key]


def words(section: list[tuple[str, str]], key: str) -> set[str]:
    return {word for value in values(section, key) for word in value.split()}


def test_the_console_script_and_its_subcommands_exist():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["scripts"]["massage-bot"] == "bot.cli:main"
    assert {"serve", "migrate"} <= set(cli.COMMANDS)


def test_the_worker_unit_serves_on_the_port_of_its_instance_with_the_env_file():
    service = unit(WORKER_UNIT)["Service"]
    [exec_start] = values(service, "ExecStart")
    assert exec_start == f"/usr/bin/env PORT=%i {VENV_SCRIPT} serve"
    assert values(service, "EnvironmentFile") == [ENV_FILE_PATH]
    assert not [v for v in values(service, "Environment") if v.startswith("PORT=")]
    assert values(service, "User") == ["massage-bot"]
    assert values(service, "RestartPreventExitStatus") == ["2"]  # configuration errors
    # SIGTERM: aiohttp's graceful shutdown, then the webhook's drain, each up to DRAIN_SECONDS.
    [stop] = values(service, "TimeoutStopSec")
    assert int(stop) > 2 * server.DRAIN_SECONDS


def test_the_migrate_unit_is_a_oneshot_that_every_worker_start_waits_for():
    migrate = unit(MIGRATE_UNIT)["Service"]
    assert values(migrate, "Type") == ["oneshot"]
    assert values(migrate, "ExecStart") == [f"{VENV_SCRIPT} migrate"]
    assert values(migrate, "EnvironmentFile") == [ENV_FILE_PATH]
    assert values(migrate, "User") == values(unit(WORKER_UNIT)["Service"], "User")
    # Without RemainAfterExit every start runs it again (an upgrade's `systemctl start`).
    assert values(migrate, "RemainAfterExit") in ([], ["no"])
    worker = unit(WORKER_UNIT)["Unit"]
    assert "massage-bot-migrate.service" in words(worker, "Requires")
    assert "massage-bot-migrate.service" in words(worker, "After")


def test_systemd_analyze_verifies_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    stub = tmp_path / "bin" / "massage-bot"  # verify checks that ExecStart's program exists
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for source, names in ((MIGRATE_UNIT, [MIGRATE_UNIT.name]),
                          (WORKER_UNIT, [WORKER_UNIT.name, "massage-bot@8081.service"])):
        text = source.read_text("utf-8").replace(VENV_SCRIPT, str(stub))
        for name in names:
            (units / name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", "--man=no", *sorted(str(p) for p in units.iterdir())],
        capture_output=True, text=True, timeout=60,
    )
    ours = [line for line in (result.stdout + result.stderr).splitlines()
            if "massage-bot" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


# --- nginx -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s+|#[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[{};]|[^\s{};"'#]+""")


def nginx_tree(text: str) -> list[tuple[str, list[str], list | None]]:
    """The config as nested (directive, arguments, block or None)."""
    tokens = [t for t in _TOKEN.findall(text) if t.strip() and not t.startswith("#")]
    position = 0

    def block() -> list:
        nonlocal position
        items: list = []
        while position < len(tokens):
            token = tokens[position]
            if token == "}":
                position += 1
                return items
            words: list[str] = []
            while tokens[position] not in ("{", ";", "}"):
                words.append(tokens[position].strip("\"'"))
                position += 1
            position += 1
            if tokens[position - 1] == "{":
                items.append((words[0], words[1:], block()))
            else:
                items.append((words[0], words[1:], None))
        return items

    return block()


def directives(items: list, name: str) -> list[tuple[str, list[str], list | None]]:
    return [item for item in items if item[0] == name]


def https_server() -> list:
    servers = [body for _, _, body in directives(nginx_tree(NGINX_CONF.read_text()), "server")]
    [tls] = [s for s in servers if any("ssl" in args for _, args, _ in directives(s, "listen"))]
    return tls


def locations() -> dict[str, list]:
    """'= /telegram' / '/c/' ... -> the location's block."""
    return {" ".join(args): body for _, args, body in directives(https_server(), "location")}


def upstream_ports() -> list[int]:
    [(_, [name], body)] = directives(nginx_tree(NGINX_CONF.read_text()), "upstream")
    assert name == "massage_bot"
    ports = []
    for _, args, _ in directives(body, "server"):
        host, _, port = args[0].rpartition(":")
        assert host == "127.0.0.1", "workers listen on loopback (HOST=127.0.0.1)"
        ports.append(int(port))
    return ports


def proxied(body: list) -> bool:
    return any(args == ["http://massage_bot"] for _, args, _ in directives(body, "proxy_pass"))


def test_the_upstream_lists_the_workers_ports_named_in_the_docs():
    ports = upstream_ports()
    assert len(ports) >= 2 and len(set(ports)) == len(ports)
    doc = DOC.read_text("utf-8")
    for port in ports:
        assert f"massage-bot@{port}" in doc


def test_the_public_routes_are_proxied_to_the_workers():
    found = locations()
    for location in (f"= {server.WEBHOOK_PATH}", "/c/", "/api/", "= /healthz", "/static/"):
        assert location in found and proxied(found[location]), location
    # No regular-expression location could take a request from the prefix ones.
    assert not [loc for loc in found if loc.startswith("~")]


def test_every_route_of_the_app_has_a_location():
    settings = Settings(_env_file=None, telegram_bot_token=None, webhook_url=None)
    app = server.create_app(settings, clinics=load_clinics())
    # A static resource serves the files under its prefix: /static -> /static/site.css.
    paths = {resource.canonical + ("/" if isinstance(resource, web.StaticResource) else "")
             for resource in app.router.resources()}
    found = locations()
    for path in paths | {server.WEBHOOK_PATH}:
        covering = [loc for loc in found if (loc.startswith("= ") and loc[2:] == path)
                    or (not loc.startswith("= ") and loc != "/" and path.startswith(loc))]
        assert covering, f"{path} reaches only nginx's catch-all location"


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
def test_metrics_and_readiness_are_for_localhost_only(path):
    body = locations()[f"= {path}"]
    allowed = [args[0] for _, args, _ in directives(body, "allow")]
    assert set(allowed) <= {"127.0.0.1", "::1"}
    assert directives(body, "deny")[-1][1] == ["all"]
    catch_all = locations()["/"]
    assert not proxied(catch_all) and directives(catch_all, "return")[0][1] == ["404"]


def test_the_body_limit_matches_the_workers_and_client_addresses_are_not_logged():
    tls = https_server()
    [(_, [size], _)] = directives(tls, "client_max_body_size")
    assert size == "1m" and server.MAX_BODY_BYTES == 1024 * 1024
    [(_, [fmt_name, *format_parts], _)] = directives(
        nginx_tree(NGINX_CONF.read_text()), "log_format"
    )
    log_format = " ".join(format_parts)
    assert "$remote_addr" not in log_format and "$request " not in log_format
    assert "$args" not in log_format and "$request_uri" not in log_format
    for _, args, _ in directives(tls, "access_log"):
        assert args[-1] == fmt_name or args == ["off"]
    assert not directives(tls, "proxy_set_header") or all(
        "X-Forwarded-For" not in args for _, args, _ in directives(tls, "proxy_set_header"))


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bot.example.org")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_nginx_accepts_the_config(tmp_path):
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx) to run `nginx -t`")
    cert, key = self_signed(tmp_path)
    site = (NGINX_CONF.read_text("utf-8").replace(CERT, str(cert)).replace(CERT_KEY, str(key))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "massage-bot.conf").write_text(site)
    temp = "".join(f"    {kind}_temp_path {tmp_path}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n{temp}    include {tmp_path}/massage-bot.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


# --- docs/deploy.md ----------------------------------------------------------------------------


def test_the_metrics_the_doc_names_exist():
    names = set()
    for family in Metrics().registry.collect():  # labelled series appear only once used
        names.add(family.name)
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_count", "_sum"))
    cited = set(re.findall(r"massage_bot_[a-z_]+", DOC.read_text("utf-8")))
    assert cited and not cited - names, f"not exposed: {sorted(cited - names)}"


def test_the_commands_and_settings_the_doc_names_exist():
    doc = DOC.read_text("utf-8")
    commands = set(re.findall(r"`massage-bot ([a-z-]+)", doc))
    assert {"serve", "migrate", "rekey"} <= commands <= set(cli.COMMANDS)
    constants = {"POOL_MAX_SIZE", "RESERVED_CONNECTIONS", "CONCURRENT_UPDATES", "LOCK_WAIT_SECONDS",
                 "SECTION_IDLE_SECONDS", "PROCESSED_UPDATES_TTL", "STORE_UPDATE_SECONDS",
                 "CONNECT_TIMEOUT_SECONDS"}
    for name in set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", doc)) - constants:
        assert name in FIELDS, f"docs/deploy.md names {name}, which is not a setting"


@pytest.mark.parametrize(
    "phrase, actual, expected",
    [
        ("up to 20 PostgreSQL connections (`POOL_MAX_SIZE`)", postgres_store.POOL_MAX_SIZE, 20),
        ("so 16 chats at once per worker", postgres_store.POOL_MAX_SIZE
         - postgres_store.RESERVED_CONNECTIONS, 16),
        ("The last 4 (`RESERVED_CONNECTIONS`)", postgres_store.RESERVED_CONNECTIONS, 4),
        ("handled up to 128 at once", CONCURRENT_UPDATES, 128),
        ("60 s idle (`SECTION_IDLE_SECONDS`)", SECTION_IDLE_SECONDS, 60),
        ("15 s (`LOCK_WAIT_SECONDS`)", LOCK_WAIT_SECONDS, 15),
        ("Storing is bounded by 4 s (`STORE_UPDATE_SECONDS`)", STORE_UPDATE_SECONDS, 4),
        ("cannot be opened after 5 s (`CONNECT_TIMEOUT_SECONDS`)",
         postgres_store.CONNECT_TIMEOUT_SECONDS, 5),
        ("Other statements wait up to 30 s (`command_timeout`)",
         postgres_store.COMMAND_TIMEOUT_SECONDS, 30),
        ("Update ids are kept 24 h", PROCESSED_UPDATES_TTL, timedelta(hours=24)),
        ("every 2 s for updates stored more than 2 s ago", (inbox.SWEEP_EVERY_SECONDS,
         inbox.LEFT_BEHIND), (2, timedelta(seconds=2))),
        ("StoreUnavailable` every 2 s", inbox.SWEEP_EVERY_SECONDS, 2),
        ("(up to 25 s)", server.DRAIN_SECONDS, 25),
        ("`SELECT 1` within 5 s", server.READY_TIMEOUT_SECONDS, 5),
        ("at start and then hourly", retention.PURGE_EVERY_SECONDS, 3600),
        ("(default 30)", Settings.model_fields["retention_days"].default, 30),
        ("to 15 s of CPU time", staff_files.LIMITS.cpu_seconds, 15),
        ("512 MB of address space", staff_files.LIMITS.memory_bytes, 512 * 2**20),
        ("is killed after 30 s whatever it does", staff_files.LIMITS.wall_seconds, 30),
        ("At most two run at once per worker", staff_files.LIMITS.concurrent, 2),
    ],
)
def test_the_numbers_in_the_doc_are_the_codes(phrase, actual, expected):
    assert " ".join(phrase.split()) in " ".join(DOC.read_text("utf-8").split())
    assert actual == expected


async def test_the_docs_rekey_step_encrypts_existing_rows(tmp_path):
    doc = DOC.read_text("utf-8")
    # The rotation's step 3 runs the console script, with the env file, as the service user.
    command = re.search(r"^\s*(/opt/massage-bot/venv/bin/massage-bot [a-z-]+)\s*$", doc,
                        re.MULTILINE)[1]
    assert command == f"{VENV_SCRIPT} rekey" and "rekey" in cli.COMMANDS
    database = tmp_path / "bot.sqlite3"
    store = open_store(f"sqlite:///{database}")  # written before encryption was turned on
    await store.open()
    async with store.chat(42) as session:
        await session.save(user_id=42, state={"diagnosis": "M54.50"}, language="en",
                           update_id=1)
    await store.close()
    key = Fernet.generate_key().decode()
    env = {k: v for k, v in os.environ.items() if k.upper() not in FIELDS}
    env.update(DATABASE_URL=f"sqlite:///{database}", DATA_ENCRYPTION_KEY=key,
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "bot.cli", command.rsplit(" ", 1)[1]],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "re-encrypted 1 chat state with the first key of DATA_ENCRYPTION_KEY"
    )
    with sqlite3.connect(database) as conn:
        [(stored,)] = conn.execute("SELECT state FROM chats").fetchall()
    assert "M54.50" not in stored
    assert Fernet(key).decrypt(stored.encode()) == b'{"diagnosis":"M54.50"}'
