"""Turning a chat's state into the text stored in the `state` column, and back.

Without a key the column holds plain JSON. With a key it holds a Fernet token
(AES-128-CBC + HMAC-SHA256, timestamped), so a stolen database file or backup does
not reveal diagnoses or money figures.

Keys and rotation
-----------------
The key setting is one Fernet key or a comma-separated list of them
(`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
The FIRST key encrypts everything written; EVERY key is tried for reading. To rotate:

1. put the new key first, keep the old one after it: `NEW,OLD`; restart every process;
2. run `massage-bot rekey` once, with that setting: it calls `store.rotate()`, which
   re-encrypts every row with the first key (in batches, safe while the bot runs), and
   prints how many;
3. drop the old key from the setting (`NEW`) and restart again.

Turning encryption on for an existing plain database works the same way: set a key,
restart (plain rows still read), run `massage-bot rekey`. A Fernet token never starts
with "{", which is how plain JSON rows are told apart. Turning encryption off again is
not supported by `rotate()`: without a key an encrypted row is an error, not data.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .base import StateDecryptionError


class StateCodec:
    def __init__(self, encryption_key: str | None) -> None:
        self._fernet = _parse_keys(encryption_key) if encryption_key else None

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def encode(self, state: dict[str, Any] | None) -> str | None:
        if state is None:
            return None
        text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
        if self._fernet is None:
            return text
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decode(self, stored: str | None, chat_id: int) -> dict[str, Any] | None:
        if stored is None:
            return None
        if stored.startswith("{"):
            return json.loads(stored)  # plain row (no key, or written before one was set)
        if self._fernet is None:
            raise StateDecryptionError(
                f"the saved state of chat {chat_id} is encrypted but no encryption key "
                "is configured"
            )
        try:
            return json.loads(self._fernet.decrypt(stored.encode("ascii")))
        except (InvalidToken, UnicodeEncodeError):
            raise StateDecryptionError(
                f"the saved state of chat {chat_id} cannot be decrypted with any configured "
                "key (was the key replaced without keeping the old one after it?)"
            ) from None

    def rotated(self, stored: str, chat_id: int) -> str:
        """The same state encrypted with the first key (plain rows get encrypted)."""
        if self._fernet is None:
            raise RuntimeError("rotate() needs an encryption key")
        if stored.startswith("{"):
            return self._fernet.encrypt(stored.encode("utf-8")).decode("ascii")
        try:
            return self._fernet.rotate(stored.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise StateDecryptionError(
                f"the saved state of chat {chat_id} cannot be decrypted with any configured key"
            ) from None


def _parse_keys(setting: str) -> MultiFernet:
    keys = [part.strip() for part in setting.split(",") if part.strip()]
    if not keys:
        raise ValueError("the encryption key setting is empty")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # Never echo the key itself: it is a secret even when malformed.
            raise ValueError(
                f"encryption key #{position} is not a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return MultiFernet(fernets)
