"""`massage-bot`: one command for every way to run the bot.

    massage-bot chat [--lang es] [--clinic SLUG] [--out DIR]        the interview in the terminal
    massage-bot polling                                             Telegram, by long polling
    massage-bot serve                                               webhook, web pages and API
    massage-bot migrate                                             apply database migrations
    massage-bot rekey                                               re-encrypt after a key change
    massage-bot clinic-link SLUG [--qr FILE.png|.svg]               a clinic's start link and QR

Each subcommand lives in the module that owns it; this file only dispatches, importing lazily so
that `chat` starts without loading Telegram or aiohttp.
"""

import argparse
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from .i18n import SUPPORTED

# subcommand -> (module, function taking the parsed arguments and returning an exit code, help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "chat": ("bot.terminal", "run", "the interview in this terminal (no token needed)"),
    "polling": ("bot.telegram.run", "run_polling", "run the Telegram bot by long polling"),
    "serve": ("bot.web.server", "run", "webhook server, clinic pages and the JSON API"),
    "migrate": ("bot.store.cli", "run", "create or migrate the database, then exit"),
    "rekey": ("bot.store.cli", "rekey", "re-encrypt saved chats after a key change, then exit"),
    "clinic-link": ("bot.web.links", "run", "print a clinic's start link; --qr writes its QR code"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="massage-bot", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chat = sub.add_parser("chat", help=COMMANDS["chat"][2])
    chat.add_argument("--lang", choices=SUPPORTED, help="language (default: from LANG)")
    chat.add_argument("--clinic", metavar="SLUG", help="start as from a clinic's link")
    chat.add_argument("--clinics", metavar="FILE", help="clinic profiles (default: CLINICS_FILE)")
    chat.add_argument("--out", metavar="DIR", type=Path,
                      help="'d' under an estimate writes its documents (PDF) into DIR")
    for name in ("polling", "serve", "migrate", "rekey"):
        sub.add_parser(name, help=COMMANDS[name][2])
    link = sub.add_parser("clinic-link", help=COMMANDS["clinic-link"][2])
    link.add_argument("slug")
    link.add_argument("--qr", metavar="FILE", help="write the QR code to FILE (.png or .svg)")
    link.add_argument("--clinics", metavar="FILE", help="clinic profiles (default: CLINICS_FILE)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    module, function, _ = COMMANDS[args.command]
    run: Callable[[argparse.Namespace], int] = getattr(import_module(module), function)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
