"""Duplicate applications: pure comparisons, no database, no Flask.

Name and domain normalisation come from the deal-registration matcher
(`workflows.deals.matching`): legal suffixes, case, punctuation and accents are ignored in names,
and domains compare by their registrable root (``eu.acme.com`` = ``acme.com``, but
``acme.com`` ≠ ``acme.co.uk``). A new application is a possible duplicate of an existing partner
or open application when any of these holds:

- the same tax id once normalised (upper case, only letters and digits, the country's VAT
  prefix dropped) in the same country;
- the same website domain root;
- company names at least ``NAME_THRESHOLD`` alike (e.g. "ACME Widgets GmbH" and "Acme Widgets
  Ltd." are 1.0; "Acme" and "Acme Widgets" are 0.5 and not flagged).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workflows.deals.matching import (
    Reason,
    domain_root,
    name_similarity,
    normalise_domain,
    normalise_name,
)
from workflows.engine.i18n import N_

NAME_THRESHOLD = 0.85
# The VAT prefix some countries put before their tax numbers when it differs from the ISO code.
VAT_PREFIXES = {"GR": ("EL", "GR")}

REASON_TEMPLATES = {
    "same_tax_id": N_("same tax id %(tax_id)s"),
    "same_domain": N_("same website domain %(domain)s"),
    "similar_name": N_("very similar company name “%(name)s” (similarity %(score)s)"),
}

__all__ = [
    "Company",
    "Reason",
    "compare",
    "domain_root",
    "find_duplicates",
    "normalise_domain",
    "normalise_name",
    "normalise_tax_id",
]


def normalise_tax_id(tax_id: str | None, country: str) -> str:
    """A comparable tax key: "de 123.456.789" in DE → "DE:123456789"; "" when empty."""
    country = (country or "").upper()
    compact = re.sub(r"[^0-9A-Z]", "", (tax_id or "").upper())
    for prefix in VAT_PREFIXES.get(country, (country,)):
        if prefix and compact.startswith(prefix) and len(compact) > len(prefix):
            compact = compact[len(prefix) :]
            break
    return f"{country}:{compact}" if compact else ""


@dataclass(frozen=True)
class Company:
    """What duplicate detection compares: the name as typed and the precomputed keys."""

    name: str
    tax_key: str | None = None
    domain_root: str | None = None
    tax_id: str = ""


def compare(new: Company, other: Company) -> tuple[Reason, ...]:
    """Why `other` may be the same company as `new` (empty when it is not)."""
    reasons = []
    if new.tax_key and new.tax_key == other.tax_key:
        reasons.append(Reason("same_tax_id", {"tax_id": other.tax_id or new.tax_id}))
    if new.domain_root and new.domain_root == other.domain_root:
        reasons.append(Reason("same_domain", {"domain": new.domain_root}))
    similarity = name_similarity(new.name, other.name)
    if similarity >= NAME_THRESHOLD:
        reasons.append(Reason("similar_name", {"name": other.name, "score": f"{similarity:.2f}"}))
    return tuple(reasons)


def find_duplicates(new: Company, candidates: Iterable[tuple[Any, Company]]):
    """(key, reasons) for every candidate that looks like the same company, in input order."""
    for key, other in candidates:
        if reasons := compare(new, other):
            yield key, reasons
