"""Every balance rule at its boundaries: allocations within what the source holds unallocated,
approvals within what the partner has available, claims within the approved amount, figures as
sums of ledger rows for the fund, a territory subtree and a partner."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import MdfAllocation, MdfEntry
from workflows.mdf import claims, funds, ledger, requests
from workflows.mdf.claims import Proof
from workflows.mdf.errors import OverApproved, OverBudget

from .conftest import TODAY, fund_acme, new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)


def figures(fund, **scope):
    if "partner" in scope:
        return ledger.partner_figures(fund, scope["partner"])
    if "territory" in scope:
        return ledger.territory_figures(fund, scope["territory"], TODAY)
    return ledger.fund_figures(fund)


def as_tuple(f) -> tuple[Decimal, ...]:
    return (f.allocated, f.committed, f.claimed, f.paid, f.expired, f.available)


def D(value: str) -> Decimal:
    return Decimal(value)


@pytest.mark.parametrize(
    ("target", "amount", "allowed"),
    [
        ("EMEA", "10000.00", True),  # the fund's whole amount to a top territory
        ("EMEA", "10000.01", False),  # one cent more than the fund holds
        ("DACH", "0.01", False),  # a child territory of EMEA, which holds nothing yet
    ],
)
def test_the_fund_allocates_at_most_its_amount(world, db, target, amount, allowed):
    fund = new_fund(world)
    rows = db.session.scalar(select(func.count(MdfEntry.id)))
    if allowed:
        funds.allocate(fund, actor=world.finance, amount=D(amount), territory=world.t[target])
        assert ledger.available(fund.id, ledger.FUND) == D("10000.00") - D(amount)
    else:
        with pytest.raises(OverBudget):
            funds.allocate(fund, actor=world.finance, amount=D(amount), territory=world.t[target])
        assert db.session.scalar(select(func.count(MdfEntry.id))) == rows


@pytest.mark.parametrize(
    ("amount", "allowed"), [("600.00", True), ("599.99", True), ("600.01", False)]
)
def test_a_territory_passes_down_at_most_what_it_holds_unallocated(world, db, amount, allowed):
    fund = new_fund(world)
    funds.allocate(fund, actor=world.finance, amount=D("1000"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=D("400"), territory=world.t["FR"])
    # EMEA keeps 600 unallocated: DACH may get that much, not a cent more.
    if allowed:
        funds.allocate(fund, actor=world.emea_manager, amount=D(amount), territory=world.t["DACH"])
        assert ledger.available(fund.id, ledger.territory_holder(world.t["EMEA"].id)) == D(
            "600"
        ) - D(amount)
    else:
        with pytest.raises(OverBudget, match="EMEA has 600.00 EUR unallocated"):
            funds.allocate(
                fund, actor=world.emea_manager, amount=D(amount), territory=world.t["DACH"]
            )


def test_a_partner_is_funded_from_the_territory_it_is_in(world, db):
    fund = new_fund(world)
    funds.allocate(fund, actor=world.finance, amount=D("500"), territory=world.t["EMEA"])
    with pytest.raises(OverBudget, match="DACH has nothing unallocated .*allocate more to DACH"):
        funds.allocate(fund, actor=world.finance, amount=D("1"), partner=world.acme)
    funds.allocate(fund, actor=world.finance, amount=D("500"), territory=world.t["DACH"])
    allocation = funds.allocate(fund, actor=world.dach_manager, amount=D("500"), partner=world.acme)
    assert allocation.source_territory_id == world.t["DACH"].id
    assert ledger.available(fund.id, ledger.partner_holder(world.acme.id)) == D("500")
    assert ledger.available(fund.id, ledger.territory_holder(world.t["DACH"].id)) == 0


@pytest.mark.parametrize(
    ("approve", "allowed"), [("1000.00", True), ("999.99", True), ("1000.01", False)]
)
def test_an_approval_commits_at_most_what_the_partner_has_available(world, db, approve, allowed):
    fund = new_fund(world)
    fund_acme(world, fund, "1000.00")
    request = propose(world, fund, "1500.00")
    if allowed:
        requests.approve_request(request, actor=world.dach_manager, amount=D(approve))
        assert figures(fund, partner=world.acme).available == D("1000.00") - D(approve)
    else:
        with pytest.raises(OverBudget, match="ACME has 1000.00 EUR available"):
            requests.approve_request(request, actor=world.dach_manager, amount=D(approve))
        assert request.state == "submitted"
        assert figures(fund, partner=world.acme).committed == 0


@pytest.mark.parametrize(("approve", "allowed"), [("400.00", True), ("400.01", False)])
def test_an_approval_is_at_most_the_requested_amount(world, db, approve, allowed):
    fund = new_fund(world)
    fund_acme(world, fund)
    request = propose(world, fund, "400.00")
    if allowed:
        assert requests.approve_request(
            request, actor=world.dach_manager, amount=D(approve)
        ).approved_amount == D(approve)
    else:
        with pytest.raises(OverApproved, match="asked for 400.00 EUR"):
            requests.approve_request(request, actor=world.dach_manager, amount=D(approve))


@pytest.mark.parametrize(
    ("claim", "allowed", "released"),
    [("300.00", True, "0"), ("299.99", True, "0.01"), ("300.01", False, None)],
)
def test_a_claim_is_at_most_the_approved_amount_and_the_rest_comes_back(
    world, db, claim, allowed, released
):
    fund = new_fund(world)
    fund_acme(world, fund)
    request = requests.approve_request(
        propose(world, fund, "400.00"), actor=world.dach_manager, amount=D("300.00")
    )
    if not allowed:
        with pytest.raises(OverApproved, match="approved for 300.00 EUR"):
            claims.submit_claim(request, actor=world.acme_user, amount=D(claim), proofs=[PROOF])
        return
    submitted = claims.submit_claim(request, actor=world.acme_user, amount=D(claim), proofs=[PROOF])
    claims.approve_claim(submitted, actor=world.dach_manager)
    release = db.session.scalar(
        select(func.sum(MdfEntry.amount)).where(
            MdfEntry.request_id == request.id, MdfEntry.kind == "release"
        )
    )
    assert (release or Decimal(0)) == D(released)
    after = figures(fund, partner=world.acme)
    assert (after.committed, after.claimed) == (D(claim), D(claim))
    assert after.available == D("1000.00") - D(claim)


def test_figures_step_by_step_for_fund_territory_and_partner(world, db):
    fund = new_fund(world)
    steps = [
        ("EMEA", "fund", (D("10000"), 0, 0, 0, 0, D("10000"))),
        ("EMEA", "territory", (D("2000"), 0, 0, 0, 0, D("2000"))),
    ]
    funds.allocate(fund, actor=world.finance, amount=D("2000"), territory=world.t["EMEA"])
    for _, scope, expected in steps:
        kwargs = {"territory": world.t["EMEA"]} if scope == "territory" else {}
        assert as_tuple(figures(fund, **kwargs)) == expected
    funds.allocate(fund, actor=world.finance, amount=D("1500"), territory=world.t["DACH"])
    funds.allocate(fund, actor=world.finance, amount=D("1000"), partner=world.acme)
    funds.allocate(fund, actor=world.finance, amount=D("300"), territory=world.t["DE-S"])
    funds.allocate(fund, actor=world.finance, amount=D("300"), partner=world.beta)
    approved = requests.approve_request(
        propose(world, fund, "700"), actor=world.dach_manager, amount=D("600")
    )
    claim = claims.submit_claim(approved, actor=world.acme_user, amount=D("450"), proofs=[PROOF])
    claims.approve_claim(claim, actor=world.emea_manager)
    # The subtree of EMEA received 2000 from the fund; inside it, transfers cancel out.
    table = [
        ({}, (D("10000"), D("450"), D("450"), 0, 0, D("9550"))),
        ({"territory": world.t["EMEA"]}, (D("2000"), D("450"), D("450"), 0, 0, D("1550"))),
        ({"territory": world.t["DACH"]}, (D("1500"), D("450"), D("450"), 0, 0, D("1050"))),
        ({"territory": world.t["DE-S"]}, (D("300"), 0, 0, 0, 0, D("300"))),
        ({"territory": world.t["AMER"]}, (0, 0, 0, 0, 0, 0)),
        ({"partner": world.acme}, (D("1000"), D("450"), D("450"), 0, 0, D("550"))),
        ({"partner": world.beta}, (D("300"), 0, 0, 0, 0, D("300"))),
    ]
    for scope, expected in table:
        assert as_tuple(figures(fund, **scope)) == expected, scope
    # Each figure is a sum of rows: the same numbers straight from the ledger.
    sums = dict(
        db.session.execute(
            select(MdfEntry.kind, func.sum(MdfEntry.amount))
            .where(MdfEntry.fund_id == fund.id)
            .group_by(MdfEntry.kind)
        ).all()
    )
    whole = figures(fund)
    assert whole.allocated == sums["allocation"]
    assert whole.committed == -(sums["commitment"] + sums["release"])
    assert whole.claimed == sums["claim"]


def test_yen_funds_have_no_minor_unit(world, db):
    from workflows.validators import InvalidValue

    fund = new_fund(world, code="JP-1", amount="1000000", currency="JPY")
    with pytest.raises(InvalidValue, match="JPY amounts have at most 0 decimals"):
        funds.allocate(fund, actor=world.finance, amount=D("0.5"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=D("1000000"), territory=world.t["EMEA"])
    assert figures(fund, territory=world.t["EMEA"]).available == D("1000000")


@pytest.mark.parametrize("amount", ["0", "-5", "NaN", "Infinity", "100000000000000"])
def test_amounts_that_are_no_positive_money_are_refused(world, db, amount):
    from workflows.mdf.errors import MdfError

    fund = new_fund(world)
    with pytest.raises(MdfError, match="more than zero"):
        funds.allocate(fund, actor=world.finance, amount=D(amount), territory=world.t["EMEA"])
    assert db.session.scalar(select(func.count(MdfAllocation.id))) == 0


def test_holder_figures_come_from_one_query_for_every_holder(world, db):
    fund = new_fund(world)
    fund_acme(world, fund, "800")
    all_figures = ledger.holder_figures([fund.id])
    by_holder = {holder: money for (_, holder), money in all_figures.items()}
    assert by_holder[ledger.FUND].available == D("9200")
    assert by_holder[ledger.territory_holder(world.t["EMEA"].id)].available == 0
    assert by_holder[ledger.partner_holder(world.acme.id)].available == D("800")
    assert sum(m.available for m in by_holder.values()) == figures(fund).available


def test_request_and_claim_windows_at_their_edges(world, db):
    from workflows.mdf.errors import MdfError, PastDeadline

    fund = new_fund(world, end=TODAY + timedelta(days=5))
    fund_acme(world, fund)
    # Requests are taken up to the fund's last day, inclusive.
    propose(world, fund, "100")
    on_last_day = requests.propose_request(
        world.acme,
        fund,
        world.event,
        actor=world.acme_user,
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=5),
        amount=D("100"),
        description="Webinar",
        on=fund.ends_on,
    )
    assert on_last_day.state == "submitted"
    with pytest.raises(PastDeadline, match="took requests until"):
        requests.propose_request(
            world.acme,
            fund,
            world.event,
            actor=world.acme_user,
            starts_on=TODAY,
            ends_on=TODAY,
            amount=D("100"),
            description="Webinar",
            on=fund.ends_on + timedelta(days=1),
        )
    # Claims: from the activity's last day to its due date (30 days later), both inclusive.
    approved = requests.approve_request(on_last_day, actor=world.dach_manager)
    assert approved.claim_due_on == approved.ends_on + timedelta(days=30)
    with pytest.raises(MdfError, match="once the activity has ended"):
        claims.submit_claim(
            approved,
            actor=world.acme_user,
            amount=D("1"),
            proofs=[PROOF],
            on=approved.ends_on - timedelta(days=1),
        )
    with pytest.raises(PastDeadline, match="was due by"):
        claims.submit_claim(
            approved,
            actor=world.acme_user,
            amount=D("1"),
            proofs=[PROOF],
            on=approved.claim_due_on + timedelta(days=1),
        )
    on_due_date = claims.submit_claim(
        approved, actor=world.acme_user, amount=D("1"), proofs=[PROOF], on=approved.claim_due_on
    )
    assert on_due_date.state == "submitted"


def test_the_claim_due_date_never_passes_the_funds_claim_deadline(world, db):
    fund = new_fund(world, end=TODAY + timedelta(days=5), deadline=TODAY + timedelta(days=10))
    request = propose(world, fund, "10", start=TODAY, end=TODAY + timedelta(days=5))
    assert request.claim_due_on == fund.claim_deadline  # 5 + 30 days would be later
