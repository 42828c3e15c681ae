"""`portal points …` and `portal redemptions …`: printed ids, exit codes, readable refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEvent

from .conftest import earn


@pytest.fixture
def cli(app, db, redis):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


def test_adjust_balance_and_ledger(cli, db, world):
    result = cli(
        "points", "adjust", "ACME", "250", "--reason", "launch bonus", "--as", "fiona@example.com"
    )
    assert result.exit_code == 0 and result.stdout.startswith("entry_id=")
    balance = cli("points", "balance", "ACME", "--as", "ada@acme.example")
    assert balance.stdout == "available=250\nheld=0\nexpiring_90_days=0\n"
    ledger_csv = cli("points", "ledger", "ACME", "--format", "csv", "--as", "fiona@example.com")
    lines = ledger_csv.stdout.splitlines()
    assert lines[0] == "date,kind,points,expires_on,reference"
    assert lines[1].split(",")[1:3] == ["adjust", "250"]
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "points.adjust"))


def test_refusals_exit_non_zero_with_a_message(cli, db, world):
    db.session.commit()  # releases the savepoint: a refusal's rollback keeps the world
    refused = cli("points", "adjust", "ACME", "10", "--reason", "x", "--as", "max@example.com")
    assert refused.exit_code == 1 and "not allowed for this user" in refused.stderr
    hidden = cli("points", "balance", "OTHER", "--as", "ada@acme.example")
    assert hidden.exit_code == 1 and "no partner with code OTHER" in hidden.stderr
    broke = cli("redemptions", "request", "ACME", "MUG", "--as", "ada@acme.example")
    assert broke.exit_code == 1 and "needs 100 points; 0 are available" in broke.stderr
    bad_day = cli("points", "balance", "ACME", "--as-of", "31/12/2026")
    assert bad_day.exit_code == 2 and "is not a date" in bad_day.stderr


def test_request_approve_reject_print_ids(cli, db, world):
    earn(world.acme, 300, date(2026, 1, 1), date(2099, 1, 1))
    db.session.commit()  # releases the savepoint: a refusal's rollback keeps the world
    first = cli(
        "redemptions", "request", "ACME", "MUG", "--quantity", "2", "--as", "ada@acme.example"
    )
    assert first.exit_code == 0
    first_id = first.stdout.strip().removeprefix("redemption_id=")
    second = cli("redemptions", "request", "ACME", "MUG", "--as", "ada@acme.example")
    second_id = second.stdout.strip().removeprefix("redemption_id=")
    self_approve = cli("redemptions", "approve", first_id, "--as", "ada@acme.example")
    assert self_approve.exit_code == 1
    approved = cli("redemptions", "approve", first_id, "--as", "max@example.com")
    assert approved.stdout == f"redemption_id={first_id} status=approved\n"
    rejected = cli(
        "redemptions", "reject", second_id, "--reason", "dup", "--as", "fiona@example.com"
    )
    assert rejected.stdout == f"redemption_id={second_id} status=rejected\n"
    again = cli("redemptions", "reject", second_id, "--reason", "dup", "--as", "fiona@example.com")
    assert again.exit_code == 1 and "already rejected" in again.stderr
    assert "available=100" in cli("points", "balance", "ACME").stdout


def test_expire_prints_entries_and_is_idempotent(cli, db, world):
    earn(world.acme, 80, date(2026, 1, 1), date(2026, 3, 31))
    first = cli("points", "expire", "--as-of", "2026-04-01")
    assert first.exit_code == 0 and first.stdout.endswith("expired_entries=1\n")
    assert cli("points", "expire", "--as-of", "2026-04-01").stdout == "expired_entries=0\n"
