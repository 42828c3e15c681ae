"""Deal references on sales lines (`deal_ref`): checks for imports, and won deals for programs.

A registration's reference (DR-2026-000123) is what a sales line's `deal_ref` carries. A line may
only reference a registration of its own partner. References that match no registration are
allowed (deals registered outside the portal, older data); programs that reward registered deals
only count references of *won* registrations (`won_deal_refs`).

Two forms of the same check: `deal_refs_of_other_partners` for set-based checks over staged import
rows (SQL), and `deal_ref_owner_problems` for callers holding {deal_ref: partner ids} in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.models import DealRegistration, Partner
from workflows.engine.i18n import N_, Gettext, render_message, untranslated

OTHER_PARTNER = N_("Deal %(deal_ref)s is registered by partner %(owner)s, not by %(partner)s.")


@dataclass(frozen=True)
class DealRefProblem:
    """`deal_ref` is used by `partner_id`, but the registration belongs to someone else."""

    deal_ref: str
    partner_id: int
    owner_partner_id: int
    template: str = OTHER_PARTNER
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def render(self, gettext: Gettext = untranslated) -> str:
        """The message in the caller's language (English by default)."""
        return render_message(self.template, self.params, gettext)


def normalise_ref(value: str) -> str:
    return value.strip().upper()


def deal_ref_owner_problems(
    partner_ids_by_ref: Mapping[str, Iterable[int]],
) -> list[DealRefProblem]:
    """Every (deal_ref, partner) pair where the partner is not the registration's owner.

    `partner_ids_by_ref` maps each deal_ref of an import to the ids of the partners whose lines
    carry it, e.g. {"DR-2026-000123": {7, 9}}. Two queries whatever the size. References are
    compared case-insensitively; unknown references produce no problem. Problems are ordered by
    reference, then partner id; `template`/`params` make a translatable row error.
    """
    wanted = {normalise_ref(ref): set(ids) for ref, ids in partner_ids_by_ref.items() if ref}
    if not wanted:
        return []
    owners = dict(
        db.session.execute(
            select(DealRegistration.reference, DealRegistration.partner_id).where(
                DealRegistration.reference.in_(sorted(wanted))
            )
        ).all()
    )
    pairs = sorted(
        (ref, pid)
        for ref, ids in wanted.items()
        if ref in owners
        for pid in ids
        if pid != owners[ref]
    )
    if not pairs:
        return []
    codes = dict(
        db.session.execute(
            select(Partner.id, Partner.code).where(
                Partner.id.in_({pid for _, pid in pairs} | {owners[ref] for ref, _ in pairs})
            )
        ).all()
    )
    return [
        DealRefProblem(
            ref,
            pid,
            owners[ref],
            params={"deal_ref": ref, "owner": codes[owners[ref]], "partner": codes[pid]},
        )
        for ref, pid in pairs
    ]


def deal_refs_of_other_partners(line, partner_code, deal_ref) -> Select:
    """SQL for a set-based import check over staged rows: one row (line, deal_ref, owner,
    partner) per staged line whose `deal_ref` names another partner's registration.

    Pass the staging table's columns; the labels match the OTHER_PARTNER template's
    placeholders, so the result feeds a row error directly. References are compared ignoring
    case and surrounding blanks; rows without a deal_ref or with an unknown one are not listed.
    """
    owner = Partner.__table__.alias("deal_owner")
    deals = DealRegistration.__table__
    return (
        select(
            line.label("line"),
            deal_ref.label("deal_ref"),
            owner.c.code.label("owner"),
            partner_code.label("partner"),
        )
        .select_from(line.table)
        .join(deals, deals.c.reference == func.upper(func.trim(deal_ref)))
        .join(owner, owner.c.id == deals.c.partner_id)
        .where(deal_ref.is_not(None), owner.c.code != partner_code)
    )


def won_deal_refs():
    """SQL: the references of won registrations (for "registered deals only" eligibility)."""
    return select(DealRegistration.reference).where(DealRegistration.state == "won")
