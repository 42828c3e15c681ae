"""The demo's earned co-op fund: partners earn 2 % of their EMEA networking revenue into it.

Finance creates the earned fund (it starts empty) and a co-op program naming it; the previous
quarter has a settlement run approved by the second finance user, so the fund holds each
partner's earnings, ready for MDF requests. The current quarter has an accrual run. Everything
goes through the services the pages and commands use; a second load adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from workflows.calc.settlement import approve_run
from workflows.mdf.funds import create_fund

from ..actors import actor_for
from ..extensions import db
from ..models import MdfFund
from ..programs.services import save_program
from .generate import DemoDates, add_months
from .programs import CHECKER, MAKER, ProgramsSummary, _quarter, _run_once

FUND = "DEMO-COOP-EMEA"
SPEC = f"""\
code: DEMO-COOP
name: EMEA networking co-op, 2 % of revenue
kind: coop
currency: EUR
fund: {FUND}
accrual_rate: 2
eligible: {{territories: [EMEA], categories: [NET]}}
payee: partner
"""


def load_demo_coop(dates: DemoDates) -> ProgramsSummary:
    """The earned fund, the co-op program, its approved settlement and its accrual."""
    maker, checker = actor_for(MAKER), actor_for(CHECKER)
    previous, current = _quarter(dates.start), _quarter(dates.quarter_start)
    summary = ProgramsSummary(settled=previous.label, accrued=current.label)
    if db.session.scalar(select(MdfFund.id).where(MdfFund.code == FUND)) is None:
        ends_on = add_months(current.start, 12) - timedelta(days=1)
        create_fund(
            actor=maker,
            code=FUND,
            name="EMEA co-op (earned)",
            currency="EUR",
            amount=None,
            starts_on=previous.start,
            ends_on=ends_on,
            claim_deadline=ends_on + timedelta(days=90),
            earned=True,
        )
    program, _, _ = save_program(SPEC, actor=maker)
    db.session.commit()
    summary.programs.append(program.code)
    settlement = _run_once(program, previous, "settlement", maker, dates.today, summary)
    if settlement is not None and settlement.approved_at is None:
        approve_run(settlement, actor=checker)
        db.session.commit()
    _run_once(program, current, "accrual", maker, dates.today, summary)
    return summary
