"""A small world for dashboard tests: two subtrees, partners in each, sales, one calculated run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.models import Partner, Territory, User
from tests.calc.conftest import execute_inline, load_program
from workflows.calc import runs
from workflows.engine import parse_period
from workflows.rollups import refresh_sales_monthly

TODAY = date.today()
QUARTER = f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}"
THIS_MONTH = TODAY.replace(day=1)

NETWORKING_REBATE = f"""
code: NET-VOL
name: Networking volume rebate
kind: rebate
currency: USD
period: {QUARTER}
eligible: {{categories: [NET]}}
measure: revenue
payee: partner
tiers: {{mode: retroactive, bands: [{{from: 0, rate: 0}}, {{from: 10000, rate: 0.02}},
  {{from: 50000, rate: 0.035}}]}}
"""


@dataclass
class World:
    t: dict[str, Territory]
    acme: Partner
    beta: Partner
    usco: Partner
    ann: User  # partner user of ACME (DACH)
    dora: User  # channel manager of DACH
    emma: User  # channel manager of EMEA
    fiona: User  # finance


def build_world(make, *, with_sales: bool = True, with_run: bool = True) -> World:
    t = make.tree({"WORLD": None, "EMEA": "WORLD", "DACH": "EMEA", "FR": "EMEA", "US": "WORLD"})
    net = make.category("NET")
    net.name = "Networking"
    switch = make.product("SW-24", net)
    acme = make.partner("ACME", t["DACH"], currency="USD")
    beta = make.partner("BETA", t["FR"], currency="EUR")
    usco = make.partner("USCO", t["US"], currency="USD")
    world = World(
        t=t,
        acme=acme,
        beta=beta,
        usco=usco,
        ann=make.user("partner_user", partner=acme, email="ann@acme.example"),
        dora=make.user("channel_manager", territories=[t["DACH"]], email="dora@vendor.example"),
        emma=make.user("channel_manager", territories=[t["EMEA"]], email="emma@vendor.example"),
        fiona=make.user("finance", email="fiona@vendor.example"),
    )
    make.fx("EUR", "1.10", date(2020, 1, 1))
    if with_sales:
        make.sale(acme, switch, "30000.00", sold_on=THIS_MONTH, currency="USD")
        make.sale(acme, switch, "-1000.50", sold_on=THIS_MONTH, currency="USD")
        make.sale(beta, switch, "20000.00", sold_on=THIS_MONTH, currency="EUR")
        make.sale(usco, switch, "90000.00", sold_on=THIS_MONTH, currency="USD")
        refresh_sales_monthly()
    if with_run:
        program = load_program(NETWORKING_REBATE, world.fiona)
        run = runs.start_run(program, parse_period(QUARTER), actor=world.fiona, shards=1)
        make.session.flush()
        execute_inline(run.id)
    return world


@pytest.fixture
def world(make) -> World:
    return build_world(make)
