"""Sealing account numbers at rest with the keys in `PAYEE_DATA_KEYS`.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with a key list: the first key seals,
every key opens, so a key is rotated by putting a new one first and re-sealing
(`reseal`). The sealed value is a JSON object of the account's sensitive fields.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class VaultError(RuntimeError):
    """A sealed value could not be opened: a missing or wrong key, or tampered data."""


def _keys() -> MultiFernet:
    configured = current_app.config.get("PAYEE_DATA_KEYS") or ""
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    if not keys:
        raise VaultError("PAYEE_DATA_KEYS is not set")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise VaultError("PAYEE_DATA_KEYS holds a value that is not a Fernet key") from exc


def seal(fields: dict[str, str]) -> str:
    return _keys().encrypt(json.dumps(fields, sort_keys=True).encode()).decode("ascii")


def unseal(sealed: str) -> dict[str, str]:
    try:
        return json.loads(_keys().decrypt(sealed.encode("ascii")))
    except InvalidToken as exc:
        raise VaultError("a sealed account could not be opened with PAYEE_DATA_KEYS") from exc


def reseal(sealed: str) -> str:
    """The same value sealed with the first key (after a key rotation)."""
    try:
        return _keys().rotate(sealed.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise VaultError("a sealed account could not be opened with PAYEE_DATA_KEYS") from exc


def mask(last4: str) -> str:
    """What everyone but finance sees of an account number: its last four characters."""
    return f"•••• {last4}"
