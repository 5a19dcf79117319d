"""The build step that compiles the gettext catalogs into the package (pyproject.toml has the rest).

A wheel ships `bot/locales/<lang>/LC_MESSAGES/messages.mo`, compiled here from the `.po` files
with the function the bot itself uses in a checkout (`bot.i18n.compile_catalog`, Babel's
reader and writer), so an installed bot and a checkout read the same catalogs the same way.
The `.po` files stay out of the wheel (see exclude-package-data in pyproject.toml).

Compiling at build time rather than committing `.mo` files: a committed `.mo` can go stale
beside an edited `.po`, and binary files do not merge. Babel is a build requirement
(`[build-system] requires`). An editable install compiles nothing: the checkout's catalogs are
compiled on first use (`bot.i18n.ensure_compiled`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _i18n():
    # bot/i18n.py needs only the standard library and Babel: load it alone, without importing
    # the package (whose other modules need the run-time dependencies, absent from a build).
    spec = importlib.util.spec_from_file_location("_massage_bot_i18n", HERE / "bot" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class build_py_with_catalogs(build_py):
    """build_py, then each `bot/locales/<lang>/LC_MESSAGES/*.po` compiled into the build."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            self._compiled = self._compile_catalogs()

    def _compile_catalogs(self) -> list[str]:
        i18n = _i18n()
        source = Path(self.get_package_dir("bot")) / "locales"
        written = []
        for lang in i18n.SUPPORTED:
            po_path = source / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
            mo_path = Path(self.build_lib, "bot", "locales", lang, "LC_MESSAGES", po_path.name)
            mo_path = mo_path.with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            mo_path.write_bytes(i18n.compile_catalog(po_path, lang))
            written.append(str(mo_path))
        return written

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return super().get_outputs(include_bytecode) + getattr(self, "_compiled", [])


setup(cmdclass={"build_py": build_py_with_catalogs})
