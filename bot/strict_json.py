"""JSON input read strictly: an object that names a key twice is refused.

Python's json module keeps the last of two equal keys without a word, so `{"lmn": true,
"lmn": false}` would be estimated as if the first never was; the API and `massage-estimate`
refuse it instead, naming the key.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["DuplicateKey", "loads"]

_SHOWN = 60  # characters of a key named in a message


class DuplicateKey(ValueError):
    """An object in the JSON names `key` twice."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"the key {self.shown} appears twice in one object")

    @property
    def shown(self) -> str:
        """The key as a JSON string, cut to a readable length."""
        text = json.dumps(self.key, ensure_ascii=False)
        return text if len(text) <= _SHOWN else text[:_SHOWN - 2] + '…"'


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def loads(text: str, **kwargs: Any) -> Any:
    """`json.loads(text)` that raises DuplicateKey for a key repeated in one object."""
    return json.loads(text, object_pairs_hook=_unique, **kwargs)
