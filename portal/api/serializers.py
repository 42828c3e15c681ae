"""Objects as the API shows them: plain JSON, money as exact decimal strings.

Each object's fields are those of its published schema (portal.api.schemas): a field is read
from the attribute of the same name and written as its schema says — dates as ISO 8601, money as
an exact decimal string — unless the serializer computes it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import force_locale

from workflows.mdf.ledger import Figures
from workflows.payables.balances import ProgramBalance
from workflows.rewards.ledger import Balance

from ..explain import sentences
from ..models import (
    CalcResult,
    CalcRun,
    Claim,
    DealRegistration,
    MdfClaim,
    MdfFund,
    MdfRequest,
    Partner,
    PointsEntry,
    Program,
    Territory,
)
from .schemas import MONEY, SCHEMAS


def decimal_text(value: Decimal | None) -> str | None:
    """Plain positional notation (never 1E+3), so clients parse it exactly."""
    return None if value is None else format(value, "f")


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _writer(schema: dict[str, Any]):
    if schema.get("pattern") == MONEY["pattern"]:
        return decimal_text
    if schema.get("format") in ("date", "date-time"):
        return iso
    return None


def shown(schema_name: str, source: Any, **computed: Any) -> dict[str, Any]:
    """The fields of `schema_name`, from `computed` or else from `source`'s attributes."""
    shape = {}
    for name, schema in SCHEMAS[schema_name]["properties"].items():
        if name in computed:
            shape[name] = computed[name]
            continue
        value = getattr(source, name)
        write = _writer(schema)
        shape[name] = value if write is None else write(value)
    return shape


def partner(p: Partner, assignment: tuple[str | None, str | None] = (None, None)) -> dict:
    territory_name, tier = assignment
    return shown("Partner", p, territory=territory_name or None, tier=tier or None)


def territory(t: Territory) -> dict:
    return shown("Territory", t)


def deal(d: DealRegistration) -> dict[str, Any]:
    return shown(
        "DealRegistration",
        d,
        categories=sorted(c.code for c in d.categories),
        products=sorted(p.sku for p in d.products),
        protection_program=d.protection_program.code if d.protection_program else None,
    )


def program(p: Program, spec: dict) -> dict[str, Any]:
    return shown("Program", p, spec=spec)


def calc_run(run: CalcRun) -> dict[str, Any]:
    return shown("CalcRun", run, program_code=run.program.code, period=run.period_label)


def calc_result(r: CalcResult) -> dict[str, Any]:
    return shown("CalcResult", r, payee_code=r.payee.code)


def partner_reward(r: CalcResult) -> dict[str, Any]:
    run = r.run
    return shown(
        "PartnerReward",
        r,
        program_code=run.program.code,
        period=run.period_label,
        kind=run.kind,
        approved=run.approved_at is not None,
        explanation=english_sentences(r),
    )


def english_sentences(r: CalcResult) -> list[str]:
    """The explanation as the Rewards page reads it, numbers formatted, in English (the API's
    language); the exact figures are the result's own fields."""
    with force_locale("en"):
        return sentences(r.explanation, r.currency)


def points_balance(partner_id: int, balance: Balance) -> dict[str, Any]:
    return shown("PointsBalance", balance, partner_id=partner_id)


def points_entry(entry: PointsEntry) -> dict[str, Any]:
    return shown("PointsEntry", entry)


def claim(c: Claim) -> dict[str, Any]:
    return shown("Claim", c, period=c.period_label)


def money_balances(partner_id: int, balances: list[ProgramBalance]) -> dict[str, Any]:
    rows = [shown("ProgramBalance", b) for b in balances]
    return {"partner_id": partner_id, "balances": rows}


def mdf_figures(figures: Figures) -> dict[str, Any]:
    return shown("MdfFigures", figures)


def mdf_fund(fund: MdfFund, figures: Figures, scope: str, scope_code: str | None) -> dict:
    return shown("MdfFund", fund, scope=scope, scope_code=scope_code, figures=mdf_figures(figures))


def mdf_request(r: MdfRequest) -> dict[str, Any]:
    return shown(
        "MdfRequest",
        r,
        fund_code=r.fund.code,
        partner_code=r.partner.code,
        activity_type=r.activity_type.code,
        currency=r.fund.currency,
    )


def mdf_claim(c: MdfClaim, paid: bool) -> dict[str, Any]:
    return shown(
        "MdfClaim",
        c,
        fund_code=c.fund.code,
        partner_code=c.partner.code,
        currency=c.fund.currency,
        paid=paid,
        proofs=[shown("MdfProof", proof) for proof in c.proofs],
    )
