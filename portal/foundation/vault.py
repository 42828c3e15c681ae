"""Sealing secrets at rest with the keys in `SEALING_KEYS`: partners' bank account numbers and
webhook signing secrets.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with a key list: the first key seals,
every key opens, so a key is rotated by putting a new one first and re-sealing (`reseal`).
A database dump alone reveals nothing sealed; the keys live in the environment only.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class VaultError(RuntimeError):
    """A sealed value could not be opened: a missing or wrong key, or tampered data."""


def _keys() -> MultiFernet:
    configured = current_app.config.get("SEALING_KEYS") or ""
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    if not keys:
        raise VaultError("SEALING_KEYS is not set")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise VaultError("SEALING_KEYS holds a value that is not a Fernet key") from exc


def seal_text(plain: str) -> str:
    return _keys().encrypt(plain.encode()).decode("ascii")


def open_text(sealed: str) -> str:
    try:
        return _keys().decrypt(sealed.encode("ascii")).decode()
    except InvalidToken as exc:
        raise VaultError("a sealed value could not be opened with SEALING_KEYS") from exc


def reseal(sealed: str) -> str:
    """The same value sealed with the first key (after a key rotation)."""
    try:
        return _keys().rotate(sealed.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise VaultError("a sealed value could not be opened with SEALING_KEYS") from exc
