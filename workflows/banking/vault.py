"""An account's sensitive fields sealed as one JSON object (portal/foundation/vault.py), and
the masked form everyone but finance sees."""

from __future__ import annotations

import json

from portal.foundation.vault import VaultError, open_text, reseal, seal_text

__all__ = ["VaultError", "mask", "reseal", "seal", "unseal"]


def seal(fields: dict[str, str]) -> str:
    return seal_text(json.dumps(fields, sort_keys=True))


def unseal(sealed: str) -> dict[str, str]:
    return json.loads(open_text(sealed))


def mask(last4: str) -> str:
    """What everyone but finance sees of an account number: its last four characters."""
    return f"•••• {last4}"
