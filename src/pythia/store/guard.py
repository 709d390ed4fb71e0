"""What may go into a journal payload: JSON types, exact numbers, no secrets.

A payload is a ``dict`` with ``str`` keys whose values are ``None``, ``bool``, ``int``,
``str``, lists or tuples (stored as lists) and nested dicts of the same. Refused, with the
key path in the message and never the value:

- any ``float`` (NaN and infinities included) and any other type (``Decimal``, numpy
  numbers, ``bytes``, ...): money is exact, so pass integer fixed-point units or a decimal
  string (``str(Decimal(...))``);
- any key that looks secret. A key is *normalized* by lowercasing it and dropping every
  character that is not a letter or digit (``API-Key``, ``apiKey`` and ``api_key`` all
  become ``apikey``); it is refused when the normalized key contains one of
  :data:`SECRET_FRAGMENTS`. ``token`` is the one fragment with an exception: market
  identifiers such as ``token_id``, ``clobTokenIds`` or ``yes_token_id`` are allowed, because
  the rule removes every ``tokenid`` from the normalized key before looking for ``token``.
  So ``token_id`` and ``token_ids`` pass, ``token``, ``access_token``, ``auth_token`` and
  ``tokens`` are refused (name market token fields ``*_token_id``).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from pythia.store.errors import PayloadRefused

SECRET_FRAGMENTS = (
    "secret",
    "passphrase",
    "password",
    "passwd",
    "privatekey",
    "apikey",
    "credential",
    "mnemonic",
    "token",
)
"""Substrings of a normalized key that mark it as secret (see the module docstring)."""

MAX_DEPTH = 32
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


@lru_cache(maxsize=4096)  # payload keys repeat: check each spelling once
def secret_fragment(key: str) -> str | None:
    """Return the secret fragment ``key`` contains, or None if the key is allowed.

    >>> secret_fragment("apiKey"), secret_fragment("token_id"), secret_fragment("price")
    ('apikey', None, None)
    """
    normalized = _NOT_ALNUM.sub("", key.lower())
    without_ids = normalized.replace("tokenid", "")
    for fragment in SECRET_FRAGMENTS:
        if fragment in without_ids:
            return fragment
    return None


def check_payload(payload: object) -> dict[str, Any]:
    """Return ``payload`` as the journal stores it (tuples become lists), or raise.

    Raises :class:`PayloadRefused` naming the key path of the first offending entry.
    """
    if not isinstance(payload, dict):
        raise PayloadRefused(f"journal payload must be a dict, not {type(payload).__name__}")
    return _check_dict(payload, "", 0)


def _check_dict(mapping: dict, path: str, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise PayloadRefused(f"journal payload nests deeper than {MAX_DEPTH} levels at {path}")
    checked: dict[str, Any] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            where = path or "the top level"
            raise PayloadRefused(
                f"journal payload key at {where} is a {type(key).__name__}; keys must be str"
            )
        key_path = f"{path}.{key}" if path else key
        fragment = secret_fragment(key)
        if fragment is not None:
            raise PayloadRefused(
                f"journal payload key {key_path!r} looks secret (contains {fragment!r});"
                " secrets are never journaled (market token ids go in keys ending in"
                " 'token_id')"
            )
        checked[key] = _check_value(value, key_path, depth)
    return checked


def _check_value(value: object, path: str, depth: int) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, dict):
        return _check_dict(value, path, depth + 1)
    if isinstance(value, list | tuple):
        return [_check_value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, float):
        raise PayloadRefused(
            f"journal payload value at {path!r} is a float; money and sizes must be exact:"
            " pass integer units or a decimal string"
        )
    raise PayloadRefused(
        f"journal payload value at {path!r} has type {type(value).__name__}; use None, bool,"
        " int, str, list or dict (decimals as strings)"
    )


def canonical_json(payload: dict[str, Any]) -> str:
    """Serialize a checked payload canonically: sorted keys, no spaces, UTF-8 kept as is."""
    try:
        text = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        text.encode("utf-8")
    except (ValueError, TypeError):  # lone surrogates, exotic str/int subclasses
        raise PayloadRefused(
            "journal payload cannot be stored as UTF-8 JSON (a string with a lone surrogate?)"
        ) from None
    return text
