"""A program spec checked against the database: parsed, validated, and every code it names
looked up (a few set-based queries, one per kind of code)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.extensions import db
from workflows.engine import N_, Problem, ProgramSpec, SpecError, spec_from_dict
from workflows.engine.loading import DocumentError, load_document

from .loaders import known_codes

REFERENCED = ("territories", "partner_tiers", "categories", "skus")


def _referenced_codes(data: Any) -> dict[str, list[str]]:
    """The codes a raw document names under `eligible` (and its MDF fund), however malformed
    the rest is."""
    codes: dict[str, list[str]] = {}
    fund = data.get("fund") if isinstance(data, Mapping) else None
    if isinstance(fund, str) and "\x00" not in fund:
        codes["funds"] = [fund.strip()]
    eligible = data.get("eligible") if isinstance(data, Mapping) else None
    if not isinstance(eligible, Mapping):
        return codes
    for name in REFERENCED:
        values = eligible.get(name)
        if isinstance(values, list | tuple):
            # Text with NUL is not looked up (the database refuses it); the validator reports it.
            codes[name] = [
                str(v).strip() for v in values if isinstance(v, str | int) and "\x00" not in str(v)
            ]
    return codes


def parse_program(text: str, fmt: str | None = None) -> ProgramSpec:
    """Parse and validate a spec; SpecError lists every problem, unknown codes included (the
    codes it names are looked up in a few set-based queries, one per kind of code)."""
    try:
        data = load_document(text, fmt)
    except DocumentError as exc:
        problem = Problem(
            "",
            N_("The spec is not valid %(format)s: %(error)s"),
            {"format": exc.format, "error": exc.detail},
        )
        raise SpecError([problem]) from None
    return spec_from_dict(data, known=known_codes(db.session, _referenced_codes(data)))
