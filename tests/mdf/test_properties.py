"""Over random sequences of allocate / request / approve / claim / decide / pay / expire:
every balance equals the sum of its ledger rows, no holder ever goes below zero, and a plain
model of the money predicts which actions are refused and what each holder has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.models import MdfEntry
from tests.banking.accounts import one_batch
from tests.calc.conftest import rolled_back_session
from tests.factories import Factory
from workflows.engine.i18n import Refusal
from workflows.mdf import claims, expiry, funds, ledger, requests
from workflows.mdf.claims import Proof
from workflows.payables import batches

from .conftest import TODAY, build_world, new_fund

PROOF = Proof("proof.pdf", "0" * 32 + ".pdf", "application/pdf", 100)
SOURCES = {"EMEA": None, "DACH": "EMEA", "DE-S": "DACH", "FR": "EMEA", "ACME": "DACH"}
SOURCES["BETA"] = "DE-S"
PARTNERS = ("ACME", "BETA")
cents = st.integers(1, 150_000).map(lambda n: Decimal(n).scaleb(-2))
slots = st.integers(0, 3)  # taken modulo the requests or claims made so far
percent = st.sampled_from([100, 99, 50, 1, 101])  # of the requested or approved amount
# Every example starts with money down the tree, so that the random steps reach requests,
# claims and payments; further allocations may follow.
FUNDED = [
    ("allocate", "EMEA", Decimal("5000")),
    ("allocate", "DACH", Decimal("3000")),
    ("allocate", "DE-S", Decimal("1000")),
    ("allocate", "ACME", Decimal("2000")),
    ("allocate", "BETA", Decimal("800")),
]
STEPS = {
    "allocate": st.tuples(st.just("allocate"), st.sampled_from(sorted(SOURCES)), cents),
    "request": st.tuples(st.just("request"), st.sampled_from(PARTNERS), cents),
    "approve": st.tuples(st.just("approve"), slots, percent),
    "claim": st.tuples(st.just("claim"), slots, percent),
    "decide": st.tuples(st.just("decide"), slots, st.booleans()),
    "pay": st.tuples(st.just("pay"), st.just(0), st.just(0)),
    "expire": st.tuples(st.just("expire"), st.just(0), st.just(0)),
}
# Paying only does something after an approved claim, so it comes up more often; an expiry
# closes the fund for everything after it, so it comes up least.
WEIGHTS = {"request": 2, "approve": 2, "claim": 2, "decide": 2, "pay": 3, "allocate": 1}
step = st.sampled_from(
    [kind for kind, weight in WEIGHTS.items() for _ in range(weight)] + ["expire"]
).flatmap(STEPS.__getitem__)
# A whole activity in a row (slot -1: the latest request or claim), so that sequences reach
# claims and payments often; single steps interleave with it.
activity = st.tuples(st.sampled_from(PARTNERS), cents, percent, percent, st.booleans()).map(
    lambda a: [
        ("request", a[0], a[1]),
        ("approve", -1, a[2]),
        ("claim", -1, a[3]),
        ("decide", -1, a[4]),
    ]
)
sequences = st.lists(
    st.one_of(step.map(lambda single: [single]), activity), min_size=2, max_size=10
)


@dataclass
class Model:
    """What a careful clerk would write down: money per holder, and each request's story."""

    available: dict = field(default_factory=lambda: defaultdict(Decimal))
    committed: dict = field(default_factory=lambda: defaultdict(Decimal))
    claimed: dict = field(default_factory=lambda: defaultdict(Decimal))
    paid: dict = field(default_factory=lambda: defaultdict(Decimal))
    unpaid: dict = field(default_factory=lambda: defaultdict(Decimal))
    expired: dict = field(default_factory=lambda: defaultdict(Decimal))
    requests: list = field(default_factory=list)  # [request, partner, requested, state, amount]
    claims: list = field(default_factory=list)  # [claim, request slot, amount, state]
    closed: bool = False


def holder_key(holder: ledger.Holder, names: dict) -> str:
    if holder.partner_id is not None:
        return names[("p", holder.partner_id)]
    if holder.territory_id is not None:
        return names[("t", holder.territory_id)]
    return "FUND"


def rows_by_holder(session, fund, names) -> dict[str, dict[str, Decimal]]:
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for territory_id, partner_id, kind, amount in session.execute(
        select(MdfEntry.territory_id, MdfEntry.partner_id, MdfEntry.kind, MdfEntry.amount).where(
            MdfEntry.fund_id == fund.id
        )
    ):
        sums[holder_key(ledger.Holder(territory_id, partner_id), names)][kind] += amount
    return sums


def figures_of(kinds: dict[str, Decimal]) -> tuple[Decimal, ...]:
    """The figures straight from row sums, written out once more by hand."""
    allocated = kinds["allocation"] + kinds["earned"]
    committed = -(kinds["commitment"] + kinds["release"])
    expired = -kinds["expiry"]
    return (allocated, committed, kinds["claim"], kinds["payment"], expired)


def as_tuple(money: ledger.Figures) -> tuple[Decimal, ...]:
    return (money.allocated, money.committed, money.claimed, money.paid, money.expired)


def check(session, world, fund, names, model: Model) -> None:
    by_holder = rows_by_holder(session, fund, names)
    sql = {holder_key(h, names): m for (_, h), m in ledger.holder_figures([fund.id]).items()}
    assert set(sql) == {name for name, kinds in by_holder.items() if kinds}
    for name, money in sql.items():
        assert as_tuple(money) == figures_of(by_holder[name]), name
        assert money.available >= 0, name
        assert 0 <= money.paid <= money.claimed <= money.committed or name not in PARTNERS
        assert money.available == model.available[name], name
        assert money.expired == model.expired[name], name
    for partner in PARTNERS:
        money = sql.get(partner)
        if money is not None:
            expected = (model.committed[partner], model.claimed[partner], model.paid[partner])
            assert (money.committed, money.claimed, money.paid) == expected, partner
    whole = defaultdict(Decimal)
    emea = defaultdict(Decimal)
    for name, kinds in by_holder.items():
        for kind, amount in kinds.items():
            whole[kind] += amount
            if name in SOURCES:  # EMEA and everything below it
                emea[kind] += amount
    assert as_tuple(ledger.fund_figures(fund)) == figures_of(whole)
    assert as_tuple(ledger.territory_figures(fund, world.t["EMEA"], TODAY)) == figures_of(emea)


class Attempt:
    """An action in a savepoint that must be refused exactly when the model says so; a refusal
    rolls the savepoint back (as the command line and the pages do) and is not raised."""

    def __init__(self, session, *, refused: bool):
        self.session, self.refused, self.done = session, refused, False

    def __enter__(self):
        self.savepoint = self.session.begin_nested()
        return self

    def __exit__(self, kind, exc, traceback) -> bool:
        if exc is None:
            self.savepoint.commit()
            assert not self.refused, "allowed although the model refuses it"
            self.done = True
            event("allowed")
            return False
        self.savepoint.rollback()
        if isinstance(exc, Refusal):
            assert self.refused, f"refused although the model allows it: {exc}"
            event("refused")
            return True
        return False


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(sequences)
def test_balances_are_the_sums_of_their_rows_and_follow_a_plain_model(app, sequence):
    steps = [single for group in sequence for single in group]
    with rolled_back_session() as session:
        world = build_world(Factory(session), session)
        fund = new_fund(world, amount="10000.00")
        names = {("t", t.id): code for code, t in world.t.items()}
        names |= {("p", world.acme.id): "ACME", ("p", world.beta.id): "BETA"}
        partners = {"ACME": world.acme, "BETA": world.beta}
        makers = {"ACME": world.acme_admin, "BETA": world.beta_user}
        claimers = {"ACME": world.acme_user, "BETA": world.beta_user}
        model = Model()
        model.available["FUND"] = Decimal("10000.00")
        day = TODAY
        for kind, first, second in FUNDED + steps:
            if kind == "allocate":
                source = SOURCES[first] or "FUND"
                target = (
                    {"partner": partners[first]}
                    if first in partners
                    else {"territory": world.t[first]}
                )
                refused = model.closed or second > model.available[source]
                with Attempt(session, refused=refused) as attempt:
                    funds.allocate(fund, actor=world.finance, amount=second, on=day, **target)
                if attempt.done:
                    model.available[source] -= second
                    model.available[first] += second
            elif kind == "request":
                with Attempt(session, refused=day > fund.ends_on) as attempt:
                    request = requests.propose_request(
                        partners[first],
                        fund,
                        world.event,
                        actor=makers[first],
                        starts_on=TODAY - timedelta(days=30),
                        ends_on=TODAY - timedelta(days=1),
                        amount=second,
                        description="Roadshow",
                        on=day,
                    )
                if attempt.done:
                    model.requests.append([request, first, second, "submitted", None])
            elif kind == "approve" and model.requests:
                slot = model.requests[first % len(model.requests)]
                request, partner, requested, state, _ = slot
                amount = (requested * second / 100).quantize(Decimal("0.01"))
                refused = (
                    state != "submitted"
                    or model.closed
                    or amount <= 0
                    or amount > requested
                    or amount > model.available[partner]
                )
                with Attempt(session, refused=refused) as attempt:
                    requests.approve_request(
                        request, actor=world.dach_manager, amount=amount, on=day
                    )
                if attempt.done:
                    event("a request approved")
                    slot[3], slot[4] = "approved", amount
                    model.available[partner] -= amount
                    model.committed[partner] += amount
            elif kind == "claim" and model.requests:
                slot = model.requests[first % len(model.requests)]
                request, partner, _, state, approved = slot
                amount = (approved * second / 100).quantize(Decimal("0.01")) if approved else 0
                pending = any(c[1] is slot and c[3] == "submitted" for c in model.claims)
                refused = (
                    state != "approved"
                    or pending
                    or day > request.claim_due_on
                    or amount <= 0
                    or amount > approved
                )
                with Attempt(session, refused=refused) as attempt:
                    claim = claims.submit_claim(
                        request,
                        actor=claimers[partner],
                        amount=Decimal(amount),
                        proofs=[PROOF],
                        on=day,
                    )
                if attempt.done:
                    model.claims.append([claim, slot, amount, "submitted"])
            elif kind == "decide" and model.claims:
                claim_slot = model.claims[first % len(model.claims)]
                claim, slot, amount, state = claim_slot
                with Attempt(session, refused=state != "submitted") as attempt:
                    if second:
                        claims.approve_claim(claim, actor=world.emea_manager)
                    else:
                        claims.reject_claim(claim, actor=world.finance, reason="Unreadable")
                if attempt.done:
                    event("a claim approved" if second else "a claim rejected")
                    claim_slot[3] = "approved" if second else "rejected"
                    if second:
                        partner, unclaimed = slot[1], slot[4] - amount
                        slot[3] = "claimed"
                        model.available[partner] += unclaimed
                        model.committed[partner] -= unclaimed
                        model.claimed[partner] += amount
                        model.unpaid[partner] += amount
            elif kind == "pay":
                with Attempt(session, refused=not any(model.unpaid.values())) as attempt:
                    batch = one_batch(world.finance)
                    batches.approve_batch(batch, actor=world.finance_2)
                    batches.export_batch(batch, actor=world.finance)
                if attempt.done:
                    event("a batch paid")
                    for partner, amount in model.unpaid.items():
                        model.paid[partner] += amount
                    model.unpaid.clear()
            elif kind == "expire":
                day = max(day, fund.claim_deadline + timedelta(days=1))
                with Attempt(session, refused=False):
                    expiry.run_expiry(day)
                model.closed = True
                for slot in model.requests:
                    pending = any(c[1] is slot and c[3] == "submitted" for c in model.claims)
                    if slot[3] == "approved" and not pending:
                        slot[3] = "lapsed"
                        model.available[slot[1]] += slot[4]
                        model.committed[slot[1]] -= slot[4]
                for name, amount in list(model.available.items()):
                    model.expired[name] += amount
                    model.available[name] = Decimal(0)
            check(session, world, fund, names, model)
