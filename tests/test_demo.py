"""`portal demo`: a realistic, deterministic, idempotent data set whose printed logins work."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from portal.admin.services import MIN_PASSWORD_LENGTH
from portal.agreements.services import pending_version_for
from portal.calc.road import roads_for
from portal.demo import load_demo
from portal.demo.claims import load_demo_claims
from portal.demo.data import LOGINS, PASSWORD
from portal.demo.deals import load_demo_deals
from portal.demo.generate import demo_dates, quarter_start
from portal.demo.mdf import load_demo_mdf
from portal.demo.onboarding import APPLICANT, load_demo_onboarding
from portal.demo.programs import load_demo_programs
from portal.demo.rewards import load_demo_rewards
from portal.mdf.proofs import MDF_FOLDER
from portal.models import (
    AgreementVersion,
    AuditEvent,
    CalcResult,
    CalcRun,
    Category,
    Claim,
    ClosedPeriod,
    CountryTerritoryRule,
    DealConflict,
    DealRegistration,
    FxRate,
    MdfActivityType,
    MdfAllocation,
    MdfClaim,
    MdfEntry,
    MdfFund,
    MdfRequest,
    Partner,
    PartnerApplication,
    PartnerTerritory,
    PartnerTier,
    PayoutBatch,
    PayoutLine,
    PointsEntry,
    Product,
    Redemption,
    RewardItem,
    SaleLine,
    Territory,
    TripAward,
    User,
    manager_territories,
)
from portal.models.partners import current_range
from portal.onboarding.uploads import stored_path
from portal.security import visible_to
from workflows.mdf import funds
from workflows.payables.batches import select_lines

from .conftest import csrf_token

TODAY = date(2026, 9, 10)
PREVIOUS_QUARTER = (date(2026, 4, 1), date(2026, 6, 30))
CURRENT_QUARTER = (date(2026, 7, 1), TODAY)
TABLES = (
    Territory,
    Category,
    Product,
    Partner,
    PartnerApplication,
    PartnerTerritory,
    PartnerTier,
    FxRate,
    SaleLine,
    User,
)


@pytest.fixture
def demo(db, cheap_password_hashes):
    return load_demo(db.session, today=TODAY)


def _row_counts(session) -> dict[str, int]:
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }
    counts["manager_territories"] = session.scalar(
        select(func.count()).select_from(manager_territories)
    )
    return counts


def _demo_loads(session) -> int:
    return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "demo.load"))


def _lines(session, first: str, last: str) -> list[tuple]:
    return session.execute(
        select(
            SaleLine.external_id,
            SaleLine.partner_id,
            SaleLine.product_id,
            SaleLine.sold_on,
            SaleLine.quantity,
            SaleLine.amount,
            SaleLine.currency,
            SaleLine.deal_ref,
        )
        .where(SaleLine.external_id.between(first, last))
        .order_by(SaleLine.external_id)
    ).all()


def test_loading_twice_adds_nothing(db, demo):
    assert not demo.already_present
    before = _row_counts(db.session)

    again = load_demo(db.session, today=TODAY)
    next_month = load_demo(db.session, today=TODAY + timedelta(days=30))

    assert again.already_present and next_month.already_present
    assert again.counts == next_month.counts == demo.counts
    assert next_month.sales_span == demo.sales_span == (PREVIOUS_QUARTER[0], TODAY)
    assert _row_counts(db.session) == before
    assert _demo_loads(db.session) == 1


def test_missing_parts_are_restored_identically_without_duplicates(db, demo):
    before = _row_counts(db.session)
    original = _lines(db.session, "DEMO-000100", "DEMO-000124")
    db.session.execute(delete(User).where(User.email == "partner.fr@demo.example"))
    db.session.execute(
        delete(SaleLine).where(SaleLine.external_id.between("DEMO-000100", "DEMO-000124"))
    )

    again = load_demo(db.session, today=TODAY)

    assert not again.already_present
    assert {kind: n for kind, n in again.inserted.items() if n} == {"sale_lines": 25, "users": 1}
    assert _row_counts(db.session) == before
    restored = _lines(db.session, "DEMO-000100", "DEMO-000124")
    assert [row[1:] for row in restored] == [row[1:] for row in original]
    assert _demo_loads(db.session) == 2


def test_territory_tree_has_three_regions_and_four_levels(db, demo):
    world = db.session.scalar(select(Territory).where(Territory.code == "WORLD"))
    regions = db.session.scalars(
        select(Territory.code).where(Territory.parent_id == world.id)
    ).all()
    assert {"EMEA", "AMER", "APAC"} <= set(regions)
    assert db.session.scalar(select(func.max(Territory.depth))) == 3
    germany_south = db.session.scalar(select(Territory).where(Territory.code == "DE-SOUTH"))
    assert germany_south.depth == 3 and germany_south.path.startswith(world.path)
    leaf_depths = db.session.scalars(
        select(Territory.depth)
        .join(PartnerTerritory, PartnerTerritory.territory_id == Territory.id)
        .distinct()
    ).all()
    assert leaf_depths == [3]


def test_partners_groups_moves_and_tier_changes(db, demo):
    dates = demo_dates(TODAY)
    assert dates.move_on == date(2026, 8, 15)
    assert db.session.scalar(select(func.count(Partner.id))) >= 40
    branches = db.session.scalars(select(Partner).where(Partner.parent_id.is_not(None))).all()
    assert len({b.parent_id for b in branches}) >= 3
    assert all(b.depth == 1 and b.root_id == b.parent_id for b in branches)

    moved = db.session.scalars(
        select(Partner)
        .join(PartnerTerritory)
        .where(PartnerTerritory.valid_from.between(*CURRENT_QUARTER))
    ).all()
    assert moved
    for partner in moved:
        before = partner.territory_on(dates.move_on - timedelta(days=1))
        after = partner.territory_on(dates.move_on)
        assert before is not None and after is not None and before.id != after.id

    ranks = {"registered": 0, "silver": 1, "gold": 2, "platinum": 3}
    changes = [
        ranks[p.tier_on(dates.retier_on)] - ranks[p.tier_on(dates.retier_on - timedelta(days=1))]
        for p in db.session.scalars(select(Partner)).all()
    ]
    assert any(c > 0 for c in changes) and any(c < 0 for c in changes)
    assert set(db.session.scalars(select(PartnerTier.tier).distinct())) == set(ranks)

    # every partner has exactly one territory and tier on any day of the period
    for day in (dates.start, dates.move_on, TODAY):
        for model in (PartnerTerritory, PartnerTier):
            covered = db.session.scalar(
                select(func.count(model.id)).where(current_range(model, day))
            )
            assert covered == demo.counts["partners"]


def test_products_sit_in_a_category_tree(db, demo):
    assert db.session.scalar(select(func.count(Product.id))) >= 50
    assert db.session.scalar(select(func.max(Category.depth))) == 2
    switches = db.session.scalar(select(Category).where(Category.code == "SWITCHES"))
    networking = db.session.scalar(select(Category).where(Category.code == "NET"))
    assert switches.path.startswith(networking.path)
    in_networking = db.session.scalar(
        select(func.count(Product.id))
        .join(Category)
        .where(Category.path.startswith(networking.path))
    )
    assert in_networking >= 15


def test_fx_rates_cover_every_currency_on_every_day(db, demo):
    currencies = set(db.session.scalars(select(Partner.currency).distinct()))
    assert {"USD", "EUR", "GBP", "JPY"} <= currencies
    for currency in currencies | {"USD", "EUR", "GBP", "JPY"}:
        rates = db.session.scalars(
            select(FxRate).where(FxRate.currency == currency).order_by(FxRate.valid_from)
        ).all()
        assert rates[0].valid_from <= PREVIOUS_QUARTER[0], currency
        assert rates[-1].valid_to is None and TODAY - rates[-1].valid_from < timedelta(days=7)
        for earlier, later in zip(rates, rates[1:], strict=False):
            assert earlier.valid_to == later.valid_from == earlier.valid_from + timedelta(days=7)
        assert all(isinstance(r.rate, Decimal) and r.rate > 0 for r in rates)
    usd = db.session.scalars(select(FxRate.rate).where(FxRate.currency == "USD")).all()
    assert set(usd) == {Decimal(1)}


def test_sales_cover_previous_and_current_quarter(db, demo):
    def count(*where) -> int:
        return db.session.scalar(select(func.count(SaleLine.id)).where(*where))

    total = count()
    assert total >= 3000
    assert demo.counts["sale_lines"] == total
    assert quarter_start(TODAY) == CURRENT_QUARTER[0]
    assert count(SaleLine.sold_on.between(*CURRENT_QUARTER)) >= 1000
    assert count(SaleLine.sold_on.between(*PREVIOUS_QUARTER)) >= 1000
    first, last = db.session.execute(
        select(func.min(SaleLine.sold_on), func.max(SaleLine.sold_on))
    ).one()
    assert first == PREVIOUS_QUARTER[0] and TODAY - last < timedelta(days=3)
    assert count(SaleLine.sold_on > TODAY) == 0

    returns = db.session.scalars(select(SaleLine).where(SaleLine.quantity < 0)).all()
    assert 5 <= len(returns) < total / 20
    assert all(line.amount < 0 for line in returns)
    assert count(SaleLine.quantity > 0, SaleLine.amount <= 0) == 0
    assert count(SaleLine.deal_ref.is_not(None)) >= 10
    assert count(SaleLine.external_id.not_like("DEMO-______")) == 0
    assert db.session.scalar(select(SaleLine.external_id).order_by(SaleLine.id).limit(1)) == (
        "DEMO-000001"
    )
    mismatched = count(SaleLine.partner_id == Partner.id, SaleLine.currency != Partner.currency)
    assert mismatched == 0

    # a moved partner sold on both sides of its move
    dates = demo_dates(TODAY)
    nordlicht = db.session.scalar(select(Partner.id).where(Partner.code == "NORDLICHT"))
    assert count(SaleLine.partner_id == nordlicht, SaleLine.sold_on < dates.move_on) > 0
    assert count(SaleLine.partner_id == nordlicht, SaleLine.sold_on >= dates.move_on) > 0


def test_load_is_audited_with_counts(db, demo):
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "demo.load"))
    assert event.after["counts"]["sale_lines"] == demo.counts["sale_lines"]
    assert event.after["inserted"]["partners"] == demo.counts["partners"]
    created = db.session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "user.create")
    ).all()
    assert {a["email"] for a in created} == {login.email for login in LOGINS}


def test_one_login_per_role():
    roles = [login.role for login in LOGINS]
    assert set(roles) == {"admin", "finance", "channel_manager", "partner_admin", "partner_user"}
    assert roles.count("finance") == 2
    assert len(PASSWORD) >= MIN_PASSWORD_LENGTH


def test_every_printed_login_signs_in_through_the_form(app, db, redis, demo):
    for login in demo.logins:
        client = app.test_client()
        token = csrf_token(client)
        response = client.post(
            "/login", data={"email": login.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, (login.email, response.get_data(as_text=True))
        assert client.get("/dashboard").status_code == 200, login.email


def test_logins_see_what_the_table_says(db, demo):
    def user(email):
        return db.session.scalar(select(User).where(User.email == email))

    def visible(email) -> set[str]:
        return set(db.session.scalars(visible_to(select(Partner.code), user(email), Partner)))

    everyone = set(db.session.scalars(select(Partner.code)))
    assert visible("finance@demo.example") == everyone
    dach = visible("manager.dach@demo.example")
    emea = visible("manager.emea@demo.example")
    assert {"ALPENNETZ", "HANSE-WIEN", "HELVETIA-NETCOM"} <= dach < emea < everyone
    assert "LUMIERE-RESEAUX" in emea - dach and "KEYSTONE-GROUP" not in emea
    assert visible("partner.admin@demo.example") == {"ALPENNETZ"}
    assert visible("partner.user@demo.example") == {"ALPENNETZ"}
    assert visible("partner.fr@demo.example") == {"LUMIERE-RESEAUX"}
    assert user("partner.fr@demo.example").locale == "fr"


def test_cli_loads_once_and_prints_the_logins(app, committed_db):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo", "--today", TODAY.isoformat()])

    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    for login in LOGINS:
        assert login.email in first.output
    assert PASSWORD in first.output
    lines = committed_db.session.scalar(select(func.count(SaleLine.id)))
    assert f"{lines:,} sales lines" in first.output
    assert "Sales from 2026-04-01 to 2026-09-10" in first.output
    assert "moved territory on 2026-08-15" in first.output
    assert (
        "DEMO-EMEA-NET, DEMO-FW-SPIF, DEMO-POINTS, DEMO-DEALREG: 2026-Q2 settled, approved and "
        "closed, its payout lines in draft batch " in first.output
    )
    assert "waiting for finance2's approval, 2026-Q3 accrued" in first.output
    assert "Nordwind IT GmbH's application waits for the DACH manager" in first.output
    assert "Claims: 2 on DEMO-WIFI7-CLAIM" in first.output
    assert "Market development funds: DEMO-MDF allocated from WORLD to EMEA" in first.output
    assert "ABA routing for Keystone in USD), Elbe IT-Solutions has none yet" in first.output
    assert "Alpennetz's admin has entered a new EUR account" in first.output
    assert "Contest trips: DEMO-ALPS ended on 2026-06-30, settled and approved" in first.output
    trips = committed_db.session.scalar(select(func.count(TripAward.id)))
    assert trips > 0

    second = runner.invoke(args=["demo", "--today", TODAY.isoformat()])

    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert "Sales from 2026-04-01 to 2026-09-10" in second.output
    assert all(login.email in second.output for login in LOGINS)
    assert "2026-Q3 accrued, points posted month by month (nothing to add)" in second.output
    assert "its payout lines already in a batch" in second.output
    assert "onboarding left as it is" in second.output
    assert "Demo claims already present" in second.output
    assert "Payout accounts already present; none added." in second.output
    assert "Market development funds already present; none added." in second.output
    assert committed_db.session.scalar(select(func.count(SaleLine.id))) == lines
    assert committed_db.session.scalar(select(func.count(TripAward.id))) == trips


def test_demo_programs_are_settled_approved_accrued_and_earn_points(db, demo):
    summary = load_demo_programs(demo.dates)
    runs = db.session.scalars(select(CalcRun).order_by(CalcRun.id)).all()
    assert {(run.program.code, run.kind, run.period_label, run.status) for run in runs} == {
        ("DEMO-EMEA-NET", "settlement", "2026-Q2", "done"),
        ("DEMO-EMEA-NET", "accrual", "2026-Q3", "done"),
        ("DEMO-FW-SPIF", "settlement", "2026-Q2", "done"),
        ("DEMO-FW-SPIF", "accrual", "2026-Q3", "done"),
    }
    users = {user.id: user.email for user in db.session.scalars(select(User))}
    for run in runs:
        assert run.payee_count > 0 and run.total_amount > 0 and run.unusable_count == 0
        assert users[run.started_by_id] == "finance@demo.example"
        if run.kind == "settlement":  # maker–checker: the second finance user approved
            assert users[run.approved_by_id] == "finance2@demo.example"
    settled = sum(run.total_amount for run in runs if run.kind == "settlement")
    assert db.session.scalar(select(func.sum(PayoutLine.amount))) == settled
    assert all(db.session.scalars(select(CalcResult.explanation)))  # every amount explained
    points = db.session.scalar(select(func.sum(PointsEntry.points)))
    assert summary.points_entries > 0 and points > 0

    again = load_demo_programs(demo.dates)
    assert (again.runs, again.points_entries) == (0, 0)
    assert db.session.scalar(select(func.count(CalcRun.id))) == len(runs)
    assert db.session.scalar(select(func.sum(PointsEntry.points))) == points


def test_demo_settled_quarter_is_closed_and_waits_in_a_draft_batch_for_finance2(
    db, redis, demo, login
):
    """What the pages say matches the demo: the previous quarter is closed, its payout lines
    sit in one draft batch built by finance, which only finance2 may approve."""
    summary = load_demo_programs(demo.dates)
    users = {user.email: user for user in db.session.scalars(select(User))}
    maker, checker = users["finance@demo.example"], users["finance2@demo.example"]
    closures = db.session.scalars(select(ClosedPeriod)).all()
    assert {(c.program.code, c.period_label, c.closed_by_id) for c in closures} == {
        ("DEMO-EMEA-NET", "2026-Q2", maker.id),
        ("DEMO-FW-SPIF", "2026-Q2", maker.id),
    }
    built = db.session.scalars(select(PayoutBatch).order_by(PayoutBatch.currency)).all()
    assert {(b.status, b.created_by_id) for b in built} == {("draft", maker.id)}
    assert len({b.currency for b in built}) == len(built) > 1  # one batch per currency
    batch = next(b for b in built if b.currency == "EUR")
    assert summary.batch_id == batch.id
    # partners without a verified account (or with a change pending) wait outside the batches
    held = select_lines("EUR").held
    assert {h.partner.code: h.reason for h in held} == {"ELBE-IT": "no_account"}
    batched = sum(b.line_count for b in built)
    assert 0 < batched < db.session.scalar(select(func.count(PayoutLine.id)))
    settlements = db.session.scalars(select(CalcRun).where(CalcRun.kind == "settlement")).all()
    for user, action in ((maker, "wait_checker"), (checker, "approve")):
        roads = roads_for(settlements, user)
        assert {r.action.kind for r in roads.values()} == {action}
        assert {r.steps[4].state for r in roads.values()} == {"waiting"}
        assert all(step.state == "done" for r in roads.values() for step in r.steps[:3])
        # the held lines wait outside the batches: the batched step is partly done
        assert {r.steps[3].state for r in roads.values()} == {"partial"}
        first = {r.action.batch_id for r in roads.values()}
    db.session.commit()
    html = login(checker, PASSWORD).get("/calc/periods").get_data(as_text=True)
    assert html.count("data-road=") == 2
    (first_draft,) = first
    assert html.count(f'action="/payout-batches/{first_draft}/approve"') == 2

    again = load_demo_programs(demo.dates)
    assert (again.closed, again.batch_id) == (0, None)
    assert db.session.scalar(select(func.count(ClosedPeriod.id))) == 2
    assert db.session.scalar(select(func.count(PayoutBatch.id))) == len(built)


def test_demo_deals_wait_for_review_conflict_and_were_decided(db, demo):
    assert load_demo_deals() == 6
    states = db.session.execute(
        select(DealRegistration.customer_name, DealRegistration.state)
    ).all()
    assert sorted(state for _, state in states) == [
        "approved",
        "rejected",
        "submitted",
        "submitted",
        "submitted",
        "won",
    ]
    conflict = db.session.scalars(select(DealConflict)).one()
    names = {conflict.deal.customer_name, conflict.other.customer_name}
    assert names == {"Groupe Hôtelier Azur SA", "Groupe Hotelier Azur"}
    assert conflict.deal.partner_id != conflict.other.partner_id
    assert load_demo_deals() == 0
    assert db.session.scalar(select(func.count(DealRegistration.id))) == 6


def test_demo_registrations_get_the_deal_program_protection_where_it_covers_them(db, demo):
    load_demo_programs(demo.dates)
    load_demo_deals()
    approved = {
        d.customer_name: d
        for d in db.session.scalars(
            select(DealRegistration).where(DealRegistration.protection_ends_on.is_not(None))
        )
    }
    routers, firewalls = approved["Stadtwerke Isarhausen GmbH"], approved["Klinikum Südstadt gGmbH"]
    assert routers.protection_program.code == "DEMO-DEALREG"  # DACH networking
    assert (routers.protection_ends_on - routers.decided_at.date()).days == 120
    assert firewalls.protection_program is None  # security: the default period
    assert (firewalls.protection_ends_on - firewalls.decided_at.date()).days == 90


def test_demo_catalog_and_a_redemption_waiting_for_its_manager(db, demo):
    load_demo_programs(demo.dates)  # the points to spend
    assert load_demo_rewards() == 5
    assert db.session.scalar(select(func.count(RewardItem.id))) == 5
    waiting = db.session.scalars(select(Redemption)).one()
    assert (waiting.status, waiting.points) == ("requested", 60_000)
    assert db.session.get(Partner, waiting.partner_id).code == "ALPENNETZ"
    assert load_demo_rewards() == 0
    assert db.session.scalar(select(func.count(Redemption.id))) == 1


def test_demo_application_waits_for_the_dach_manager(db, redis, demo, client, login):
    assert load_demo_onboarding() is True
    application = db.session.scalars(select(PartnerApplication)).one()
    assert (application.company_name, application.state, application.territory.code) == (
        "Nordwind IT GmbH",
        "submitted",
        "DACH",
    )
    assert application.is_verified and application.applicant.email == APPLICANT
    users = {user.email: user for user in db.session.scalars(select(User))}
    for manager, sees in (("manager.dach", [application]), ("manager.emea", [application])):
        stmt = visible_to(select(PartnerApplication), users[f"{manager}@demo.example"])
        assert db.session.scalars(stmt).all() == sees
    # The agreement is accepted for the applicant and for Alpennetz: no demo login is stopped.
    version = db.session.scalars(select(AgreementVersion)).one()
    assert pending_version_for(users["partner.admin@demo.example"]) is None
    assert pending_version_for(application.applicant) is None
    assert version.effective_on <= date.today()
    routed = select(CountryTerritoryRule.country, Territory.code).join(
        CountryTerritoryRule.territory
    )
    rules = dict(db.session.execute(routed).all())
    assert rules["DE"] == "DACH" and rules["FR"] == "FRANCE" and rules["JP"] == "JAPAN"
    page = login(application.applicant, PASSWORD).get("/application")
    assert page.status_code == 200 and "Nordwind IT GmbH" in page.text

    assert load_demo_onboarding() is False
    assert db.session.scalar(select(func.count(PartnerApplication.id))) == 1


def test_demo_claims_wait_for_first_and_second_approval_with_invoices(db, redis, demo, login):
    assert load_demo_claims(demo.dates) == 2
    claims = {c.sale_reference: c for c in db.session.scalars(select(Claim))}
    small, large = claims["AN-2026-0412"], claims["AN-2026-0398"]
    assert (small.status, small.amount) == ("submitted", Decimal("600.00"))
    assert (large.status, large.amount) == ("first_approved", Decimal("3200.00"))
    assert large.period_label == "2026-Q3" and small.sold_on <= TODAY
    users = {user.id: user.email for user in db.session.scalars(select(User))}
    assert users[large.first_approver_id] == "manager.dach@demo.example"
    paid = select(func.count(PayoutLine.id)).where(PayoutLine.kind == "claim")
    assert db.session.scalar(paid) == 0  # nothing is payable before the final approval
    emea = db.session.scalar(select(User).where(User.email == "manager.emea@demo.example"))
    invoice = login(emea, PASSWORD).get(f"/claims/{large.id}/invoice")
    body = invoice.data
    invoice.close()
    assert invoice.status_code == 200 and body.startswith(b"%PDF-") and b"AN-2026-0398" in body

    assert load_demo_claims(demo.dates) == 0
    assert db.session.scalar(select(func.count(Claim.id))) == 2


def test_cli_rejects_a_bad_date(app):
    result = app.test_cli_runner().invoke(args=["demo", "--today", "10/09/2026"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "--today" in result.output


def test_demo_fund_flows_down_the_tree_to_requests_at_every_stage(db, redis, demo, login):
    summary = load_demo_mdf(demo.dates)
    assert (summary.fund, summary.activity_types, summary.requests, summary.claims) == (
        "DEMO-MDF",
        5,
        5,
        2,
    )
    types = set(db.session.scalars(select(MdfActivityType.name)))
    assert {"Event", "Digital campaign", "Trade show", "Training", "Co-branded collateral"} <= types
    fund = db.session.scalar(select(MdfFund).where(MdfFund.code == "DEMO-MDF"))
    assert fund.starts_on == PREVIOUS_QUARTER[0] and fund.ends_on == date(2026, 12, 31)
    allocations = db.session.scalars(select(MdfAllocation).order_by(MdfAllocation.id)).all()
    first = allocations[0]
    assert (first.source_territory_id, first.territory.code) == (None, "WORLD")
    assert (
        allocations[1].source_territory.code == "WORLD" and allocations[1].territory.code == "EMEA"
    )
    assert {a.partner.code for a in allocations if a.partner} == {"ALPENNETZ", "LUMIERE-RESEAUX"}

    states = {r.activity_type.code: r.state for r in db.session.scalars(select(MdfRequest))}
    assert states == {
        "EVENT": "claimed",
        "TRADE-SHOW": "approved",
        "DIGITAL": "approved",
        "TRAINING": "submitted",
        "COLLATERAL": "submitted",
    }
    by_state = {c.state: c for c in db.session.scalars(select(MdfClaim))}
    assert by_state["submitted"].amount == Decimal("5800.00")
    assert by_state["approved"].amount == Decimal("7200.00")
    paid = select(MdfEntry.amount).where(
        MdfEntry.kind == "payment", MdfEntry.claim_id == by_state["approved"].id
    )
    assert db.session.scalar(paid) == Decimal("7200.00")

    finance = db.session.scalar(select(User).where(User.email == "finance@demo.example"))
    whole = funds.balance(fund, actor=finance)
    assert (whole.allocated, whole.committed, whole.claimed, whole.paid) == (
        Decimal("250000"),
        Decimal("18200"),
        Decimal("7200"),
        Decimal("7200"),
    )
    alpennetz = db.session.scalar(select(Partner).where(Partner.code == "ALPENNETZ"))
    assert funds.balance(fund, actor=finance, partner=alpennetz).available == Decimal("6800")

    proof = by_state["submitted"].proofs[0]
    path = stored_path(MDF_FOLDER, proof.storage)
    assert proof.content_type == "application/pdf" and path.read_bytes().startswith(b"%PDF-")

    again = load_demo_mdf(demo.dates)
    assert (again.fund, again.activity_types, again.requests) == (None, 0, 0)
    assert db.session.scalar(select(func.count(MdfRequest.id))) == 5
