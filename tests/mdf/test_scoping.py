"""Who sees which MDF records: a partner only its own organisation's, a manager only those of
the partners and territories in their subtrees, finance everything — through the one scoping
function, the services' lists and the command line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import (
    MdfActivityType,
    MdfAllocation,
    MdfClaim,
    MdfClaimProof,
    MdfEntry,
    MdfFund,
    MdfRequest,
)
from portal.security import Forbidden, Perm, can, is_visible, visible_to
from workflows.mdf import claims, funds, requests
from workflows.mdf.claims import Proof

from .conftest import new_fund, propose

PROOF = Proof("booth.pdf", "0" * 32 + ".pdf", "application/pdf", 1234)
D = Decimal


@pytest.fixture
def scene(world, db):
    """ACME (DACH) and BETA (DE-S, below DACH) in EMEA, OTHER in AMER, each with a request
    and ACME and OTHER with a claim."""
    fund = new_fund(world)
    funds.allocate(fund, actor=world.finance, amount=D("3000"), territory=world.t["EMEA"])
    funds.allocate(fund, actor=world.finance, amount=D("1000"), territory=world.t["AMER"])
    funds.allocate(fund, actor=world.finance, amount=D("2000"), territory=world.t["DACH"])
    funds.allocate(fund, actor=world.finance, amount=D("500"), territory=world.t["DE-S"])
    funds.allocate(fund, actor=world.finance, amount=D("1000"), territory=world.t["US"])
    for partner, amount in ((world.acme, "1000"), (world.beta, "500"), (world.other, "800")):
        funds.allocate(fund, actor=world.finance, amount=D(amount), partner=partner)
    made = {
        "ACME": propose(world, fund, "400"),
        "BETA": propose(world, fund, "300", partner=world.beta, actor=world.beta_user),
        "OTHER": propose(world, fund, "200", partner=world.other, actor=world.other_admin),
    }
    for code in ("ACME", "OTHER"):
        approved = requests.approve_request(made[code], actor=world.finance)
        claims.submit_claim(
            approved,
            actor=world.acme_user if code == "ACME" else world.other_admin,
            amount=D("100"),
            proofs=[PROOF],
        )
    return fund, made


def partners_of(db, user, model) -> set[str]:
    rows = db.session.scalars(visible_to(select(model), user, model)).all()
    return {row.partner.code for row in rows}


def test_a_partner_sees_only_its_own_requests_and_claims(world, db, scene):
    for user in (world.acme_admin, world.acme_user):
        assert partners_of(db, user, MdfRequest) == {"ACME"}
        assert partners_of(db, user, MdfClaim) == {"ACME"}
    assert partners_of(db, world.beta_user, MdfRequest) == {"BETA"}
    assert partners_of(db, world.beta_user, MdfClaim) == set()
    assert [r.partner.code for r in requests.visible_requests(world.other_admin)] == ["OTHER"]
    # An id guessed from another partner is not visible, and its actions are refused.
    _, made = scene
    assert not is_visible(made["ACME"], world.other_admin)
    with pytest.raises(Forbidden):
        claims.submit_claim(made["ACME"], actor=world.other_admin, amount=D("1"), proofs=[PROOF])


def test_a_manager_sees_only_the_partners_in_their_subtree(world, db, scene):
    assert partners_of(db, world.emea_manager, MdfRequest) == {"ACME", "BETA"}
    assert partners_of(db, world.dach_manager, MdfRequest) == {"ACME", "BETA"}
    assert partners_of(db, world.amer_manager, MdfRequest) == {"OTHER"}
    assert partners_of(db, world.amer_manager, MdfClaim) == {"OTHER"}
    _, made = scene
    with pytest.raises(Forbidden):
        requests.approve_request(made["BETA"], actor=world.amer_manager)
    with pytest.raises(Forbidden):
        requests.reject_request(made["OTHER"], actor=world.dach_manager, reason="Not mine")


def test_finance_sees_everything_and_admins_hold_no_mdf_permission(world, db, scene):
    assert partners_of(db, world.finance, MdfRequest) == {"ACME", "BETA", "OTHER"}
    assert not can(world.admin, Perm.VIEW_MDF)
    with pytest.raises(Forbidden):
        requests.visible_requests(world.admin)


def test_ledger_rows_allocations_and_funds_follow_the_same_scopes(world, db, scene):
    fund, _ = scene

    def holders(user, model) -> set[str]:
        rows = db.session.scalars(visible_to(select(model), user, model)).all()
        names = set()
        for row in rows:
            if row.partner_id is not None:
                names.add(row.partner.code if model is MdfAllocation else f"p{row.partner_id}")
            elif row.territory_id is not None:
                names.add(f"t{row.territory_id}")
        return names

    t = world.t
    assert holders(world.acme_admin, MdfEntry) == {f"p{world.acme.id}"}
    assert holders(world.dach_manager, MdfEntry) == {
        f"t{t['DACH'].id}",
        f"t{t['DE-S'].id}",
        f"p{world.acme.id}",
        f"p{world.beta.id}",
    }
    assert holders(world.amer_manager, MdfAllocation) == {f"t{t['AMER'].id}", f"t{t['US'].id}"} | {
        "OTHER"
    }
    assert db.session.scalars(visible_to(select(MdfFund), world.beta_user)).all() == [fund]
    outsider = funds.create_fund(
        actor=world.finance,
        code="AMER-ONLY",
        name="Americas",
        currency="USD",
        amount=D("5"),
        starts_on=fund.starts_on,
        ends_on=fund.ends_on,
        claim_deadline=fund.claim_deadline,
    )
    funds.allocate(outsider, actor=world.finance, amount=D("5"), territory=t["AMER"])
    assert db.session.scalars(visible_to(select(MdfFund), world.emea_manager)).all() == [fund]
    amer = db.session.scalars(visible_to(select(MdfFund).order_by(MdfFund.id), world.amer_manager))
    assert amer.all() == [fund, outsider]


def test_proofs_are_seen_with_their_claim_and_activity_types_by_everyone_with_mdf(world, db, scene):
    def proof_partners(user) -> set[str]:
        rows = db.session.scalars(visible_to(select(MdfClaimProof), user, MdfClaimProof))
        return {db.session.get(MdfClaim, proof.claim_id).partner.code for proof in rows}

    assert proof_partners(world.acme_user) == {"ACME"}
    assert proof_partners(world.dach_manager) == {"ACME"}
    assert proof_partners(world.finance) == {"ACME", "OTHER"}
    types = visible_to(select(MdfActivityType), world.beta_user, MdfActivityType)
    assert [a.code for a in db.session.scalars(types)] == ["EVENT"]
    assert db.session.scalars(visible_to(select(MdfActivityType), world.admin)).all()


def test_the_requests_command_lists_what_the_user_may_see(app, world, db, scene, redis):
    runner = app.test_cli_runner()

    def listed(email: str) -> set[str]:
        result = runner.invoke(args=["mdf", "requests", "--as", email], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return {line.split()[2] for line in result.stdout.splitlines()}

    assert listed("ada@acme.example") == {"ACME"}
    assert listed("bo@beta.example") == {"BETA"}
    assert listed("dana@example.com") == {"ACME", "BETA"}
    assert listed("amy@example.com") == {"OTHER"}
    assert listed("fiona@example.com") == {"ACME", "BETA", "OTHER"}
    refused = runner.invoke(args=["mdf", "requests", "--as", "root@example.com"])
    assert refused.exit_code == 1 and "not allowed for this user" in refused.stderr
