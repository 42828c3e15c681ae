"""Entering and verifying payout accounts: four eyes, superseding, e-mails without numbers,
audited reveals, and who may see which account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, OutboxMessage, PayeeAccount
from portal.security import Forbidden
from workflows.banking import accounts
from workflows.banking.errors import AccountAlreadyDecided, BankDetailsError
from workflows.banking.payees import hold_reasons, verified_payees
from workflows.states import MakerCheckerRefused

from .conftest import FR_IBAN, IBAN


def enter(bank, actor=None, iban=IBAN, **more) -> PayeeAccount:
    return accounts.enter_account(
        bank.acme,
        actor=actor or bank.acme_admin,
        currency="EUR",
        holder_name="ACME Ltd",
        iban=iban,
        **more,
    )


def audit(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def mails(db, template: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))


def test_a_new_account_is_pending_sealed_and_holds_payment(db, bank):
    account = enter(bank, tax_id="136695976")
    assert account.state == "pending" and account.entered_by_id == bank.acme_admin.id
    assert account.bic == "COBADEFFXXX" and account.last4 == "3000"
    assert account.tax_id == "DE136695976" and account.country == "DE"
    assert IBAN not in account.secret
    assert hold_reasons([bank.acme.id], "EUR") == {bank.acme.id: "change_pending"}
    assert verified_payees([bank.acme.id], "EUR") == {}
    (event,) = audit(db, "payee_account.enter")
    assert event.object_id == str(account.id)
    assert IBAN not in str(event.after) and "0532013000" not in str(event.after)


def test_finance_verifies_and_the_account_becomes_payable(db, bank):
    account = enter(bank)
    accounts.verify_account(account, actor=bank.finance)
    assert account.state == "verified" and account.decided_by_id == bank.finance.id
    assert hold_reasons([bank.acme.id], "EUR") == {}
    assert verified_payees([bank.acme.id], "EUR")[bank.acme.id].iban == IBAN
    assert [e.object_id for e in audit(db, "payee_account.verify")] == [str(account.id)]


def test_verifying_a_change_supersedes_the_account_before(db, bank):
    first = enter(bank)
    accounts.verify_account(first, actor=bank.finance)
    change = enter(bank, iban=FR_IBAN, bic="PSSTFRPPXXX")
    assert hold_reasons([bank.acme.id], "EUR") == {bank.acme.id: "change_pending"}
    assert accounts.replaced_by([change]) == {change.id: first}
    accounts.verify_account(change, actor=bank.finance_2)
    assert (first.state, change.state) == ("superseded", "verified")
    assert first.superseded_at is not None
    assert verified_payees([bank.acme.id], "EUR")[bank.acme.id].iban == FR_IBAN
    assert [e.object_id for e in audit(db, "payee_account.supersede")] == [str(first.id)]


def test_a_rejected_change_leaves_the_verified_account_in_use(db, bank):
    first = enter(bank)
    accounts.verify_account(first, actor=bank.finance)
    change = enter(bank, iban=FR_IBAN, bic="PSSTFRPPXXX")
    accounts.reject_account(change, actor=bank.finance, reason="Holder name differs from invoice")
    assert (first.state, change.state) == ("verified", "rejected")
    assert change.reason == "Holder name differs from invoice"
    assert verified_payees([bank.acme.id], "EUR")[bank.acme.id].iban == IBAN


def test_a_newer_change_replaces_the_one_still_waiting(db, bank):
    typo = enter(bank, iban=FR_IBAN, bic="PSSTFRPPXXX")
    fixed = enter(bank, actor=bank.acme_admin_2)
    assert (typo.state, fixed.state) == ("superseded", "pending")
    with pytest.raises(AccountAlreadyDecided):
        accounts.verify_account(typo, actor=bank.finance)


def test_nobody_verifies_what_they_entered(db, bank, monkeypatch):
    account = enter(bank)
    # Were someone able to both enter and verify (a role change, say), four eyes still hold.
    monkeypatch.setattr(account, "entered_by_id", bank.finance.id)
    assert not accounts.ACCOUNTS.offered(account, "verify", bank.finance)
    assert accounts.ACCOUNTS.offered(account, "verify", bank.finance_2)
    with pytest.raises(MakerCheckerRefused):
        accounts.verify_account(account, actor=bank.finance)
    with pytest.raises(MakerCheckerRefused):
        accounts.reject_account(account, actor=bank.finance, reason="no")
    assert account.state == "pending"


@pytest.mark.parametrize("who", ["acme_admin", "acme_admin_2", "acme_user", "manager", "admin"])
def test_only_finance_decides(db, bank, who):
    account = enter(bank)
    actor = getattr(bank, who)
    assert not accounts.ACCOUNTS.offered(account, "verify", actor)
    with pytest.raises(Forbidden):
        accounts.verify_account(account, actor=actor)
    with pytest.raises(Forbidden):
        accounts.reveal_account(account, actor=actor)
    assert account.state == "pending"


def test_a_decided_account_is_not_decided_again(db, bank):
    account = enter(bank)
    accounts.verify_account(account, actor=bank.finance)
    with pytest.raises(AccountAlreadyDecided) as refused:
        accounts.reject_account(account, actor=bank.finance_2, reason="late")
    assert "verified" in str(refused.value)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "bad\x00"])
def test_a_rejection_needs_a_reason(db, bank, reason):
    account = enter(bank)
    with pytest.raises(BankDetailsError):
        accounts.reject_account(account, actor=bank.finance, reason=reason)
    assert account.state == "pending"


@pytest.mark.parametrize("who", ["acme_user", "beta_admin", "finance", "manager"])
def test_only_the_organisations_admins_enter_its_accounts(db, bank, who):
    with pytest.raises(Forbidden):
        enter(bank, actor=getattr(bank, who))
    assert db.session.scalar(select(PayeeAccount.id)) is None


def test_every_admin_is_mailed_each_step_without_any_account_number(db, bank):
    account = enter(bank)
    accounts.verify_account(account, actor=bank.finance)
    change = enter(bank, iban=FR_IBAN, bic="PSSTFRPPXXX")
    accounts.reject_account(change, actor=bank.finance, reason="Please call us")
    admins = {bank.acme_admin.email, bank.acme_admin_2.email}
    for template, count in (
        ("payee_account_entered", 2),
        ("payee_account_verified", 1),
        ("payee_account_rejected", 1),
    ):
        sent = mails(db, template)
        assert len(sent) == count * 2, template
        assert {m.to_address for m in sent} == admins  # never the partner user, never Beta
        for message in sent:
            text = f"{message.subject}\n{message.body_text}\n{message.body_html or ''}"
            assert "EUR" in text
            for secret in (IBAN, FR_IBAN, "3000", "2606", "0532", "COBADEFF", "PSSTFRPP"):
                assert secret not in text, (template, secret)
    (rejected,) = {m.body_text for m in mails(db, "payee_account_rejected")}
    assert "Please call us" in rejected


def test_revealing_numbers_is_audited_naming_the_account_not_the_number(db, bank):
    account = enter(bank)
    details = accounts.reveal_account(account, actor=bank.finance)
    assert details.iban == IBAN
    (event,) = audit(db, "payee_account.reveal")
    assert event.actor_id == bank.finance.id
    assert (event.object_type, event.object_id) == ("payee_accounts", str(account.id))
    assert event.after == {"partner": "ACME", "currency": "EUR"}


def test_partners_see_their_own_accounts_and_managers_none(db, bank):
    mine = enter(bank)
    theirs = accounts.enter_account(
        bank.beta,
        actor=bank.beta_admin,
        currency="USD",
        holder_name="Beta Inc",
        routing_number="011000015",
        account_number="12345678",
        tax_id="04-2103594",
    )
    assert theirs.scheme == "us_aba" and theirs.country == "US" and theirs.last4 == "5678"
    assert accounts.visible_accounts(bank.acme_admin) == [mine]
    assert accounts.visible_accounts(bank.beta_admin) == [theirs]
    assert {a.id for a in accounts.visible_accounts(bank.finance)} == {mine.id, theirs.id}
    for nobody in (bank.manager, bank.acme_user, bank.admin):
        with pytest.raises(Forbidden):
            accounts.visible_accounts(nobody)
    assert accounts.waiting_count(bank.finance) == 2
    assert accounts.waiting_count(bank.manager) == 0


def test_bad_details_write_nothing(db, bank):
    with pytest.raises(BankDetailsError):
        enter(bank, iban="DE89370400440532013001")
    assert db.session.scalar(select(PayeeAccount.id)) is None
    assert audit(db, "payee_account.enter") == []
    assert mails(db, "payee_account_entered") == []


def test_entering_the_verified_account_again_is_refused(db, bank):
    first = enter(bank)
    accounts.verify_account(first, actor=bank.finance)
    with pytest.raises(BankDetailsError) as refused:
        enter(bank, iban="de89 3704 0044 0532 0130 00", bic="COBADEFFXXX")
    assert "nothing changed" in str(refused.value)
    assert hold_reasons([bank.acme.id], "EUR") == {}
    changed = enter(bank, tax_id="DE136695976")  # the same account with a tax id is a change
    assert changed.state == "pending"
