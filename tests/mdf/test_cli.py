"""`portal mdf …`: printed ids and figures, exit code 1 with a readable message on every refusal,
and a refusal writes nothing (no rows, no audit event, no proof file left behind)."""

from __future__ import annotations

import shlex
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.models import (
    AuditEvent,
    MdfActivityType,
    MdfAllocation,
    MdfClaim,
    MdfClaimProof,
    MdfEntry,
    MdfFund,
    MdfRequest,
    PayoutLine,
)

from .conftest import PDF, PNG, TODAY

TABLES = (
    MdfFund,
    MdfActivityType,
    MdfAllocation,
    MdfEntry,
    MdfRequest,
    MdfClaim,
    MdfClaimProof,
    PayoutLine,
    AuditEvent,
)
START = (TODAY - timedelta(days=60)).isoformat()
END = (TODAY + timedelta(days=60)).isoformat()
DEADLINE = (TODAY + timedelta(days=120)).isoformat()
ACTIVITY = (
    f"--start {(TODAY - timedelta(days=30)).isoformat()} "
    f"--end {(TODAY - timedelta(days=1)).isoformat()}"
)


@pytest.fixture
def cli(app, db, redis):
    runner = app.test_cli_runner()

    def invoke(command: str):
        """`cli("allocate MDF-1 10 --territory EMEA --as max@example.com")`."""
        return runner.invoke(args=["mdf", *shlex.split(command)], catch_exceptions=False)

    return invoke


def counts(db) -> dict[str, int]:
    return {m.__tablename__: db.session.scalar(select(func.count(m.id))) for m in TABLES}


def proof_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"]) / "mdf"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def refused(cli, db, app, command: str, *, message: str, code: int = 1):
    """Run a command that must be refused with `message`, changing nothing."""
    before, files = counts(db), proof_files(app)
    result = cli(command)
    assert result.exit_code == code, result.output
    assert message in result.stderr, result.stderr
    assert counts(db) == before
    assert proof_files(app) == files
    return result


def create_fund(cli, extra: str = ""):
    result = cli(
        f"fund create MDF-1 --name 'EMEA H2' --currency eur --amount 10000.00 --start {START} "
        f"--end {END} --claim-deadline {DEADLINE} --as fiona@example.com {extra}"
    )
    assert result.exit_code == 0, result.output
    return result


def funded(cli, db, extra: str = ""):
    """A fund with 1000 EUR down the tree to ACME, committed so refusals keep it."""
    create_fund(cli, extra)
    for step in (
        "allocate MDF-1 3000 --territory EMEA --as fiona@example.com",
        "allocate MDF-1 2000 --territory DACH --as max@example.com",
        "allocate MDF-1 1000 --partner ACME --as dana@example.com",
    ):
        result = cli(step)
        assert result.exit_code == 0 and result.stdout.startswith("allocation_id="), result.output
    db.session.commit()


def request(cli, amount: str = "400", extra: str = "") -> str:
    result = cli(
        f"request ACME MDF-1 --activity-type EVENT {ACTIVITY} --amount {amount} "
        f"--description 'Booth at the partner summit' --as uma@acme.example {extra}"
    )
    assert result.exit_code == 0, result.output
    return result.stdout.strip().removeprefix("request_id=")


def test_fund_create_prints_its_id_and_refuses_duplicates_and_outsiders(cli, db, app, world):
    result = create_fund(cli, "--second-approval-above 5000 --claim-days 45")
    assert result.stdout.startswith("fund_id=")
    fund = db.session.scalar(select(MdfFund))
    assert (fund.currency, fund.claim_days, fund.second_approval_above) == ("EUR", 45, 5000)
    db.session.commit()
    fund = f"--name N --currency EUR --start {START} --end {END} --claim-deadline {DEADLINE}"
    refused(
        cli, db, app, f"fund create MDF-1 {fund} --amount 1 --as fiona@example.com",
        message="A fund with the code MDF-1 exists already",
    )  # fmt: skip
    refused(
        cli, db, app, f"fund create MDF-2 {fund} --amount 1 --as max@example.com",
        message="not allowed for this user",
    )  # fmt: skip
    refused(
        cli, db, app, f"fund create MDF-2 {fund} --amount 1e3 --as fiona@example.com",
        message="Enter an amount such as 12500.00.", code=2,
    )  # fmt: skip
    refused(
        cli, db, app, f"fund create MDF-2 {fund} --amount 10.005 --as fiona@example.com",
        message="EUR amounts have at most 2 decimals",
    )  # fmt: skip
    refused(
        cli, db, app, f"fund create MDF-2 {fund} --amount 10 --start 2026-02-30",
        message="2026-02-30 is not a date: use YYYY-MM-DD", code=2,
    )  # fmt: skip


def test_activity_types_are_kept_by_finance(cli, db, app, world):
    added = cli("activity-type add WEBINAR --name Webinar --as fiona@example.com")
    assert added.exit_code == 0 and added.stdout.startswith("activity_type_id=")
    db.session.commit()
    refused(
        cli, db, app, "activity-type add PRINT --name Print --as dana@example.com",
        message="not allowed for this user",
    )  # fmt: skip
    retired = cli("activity-type retire WEBINAR --as fiona@example.com")
    assert retired.stdout.endswith("active=false\n")


def test_allocate_follows_the_tree_and_refuses_overspending(cli, db, app, world):
    funded(cli, db)
    refused(
        cli, db, app, "allocate MDF-1 1000.01 --territory DACH --as max@example.com",
        message="EMEA has 1000.00 EUR unallocated in MDF-1; 1000.01 EUR is more than that.",
    )  # fmt: skip
    refused(
        cli, db, app, "allocate MDF-1 10 --territory FR --as amy@example.com",
        message="The money for FR comes from EMEA, which you do not manage.",
    )  # fmt: skip
    refused(
        cli, db, app, "allocate MDF-1 10 --territory AMER --as max@example.com",
        message="AMER is a top territory: only finance allocates to it from the fund.",
    )  # fmt: skip
    refused(
        cli, db, app, "allocate MDF-1 10 --partner ACME --as amy@example.com",
        message="no partner with code ACME",  # outside her territories: as if unknown
    )  # fmt: skip
    refused(
        cli, db, app, "allocate MDF-1 10 --as fiona@example.com",
        message="give either --territory or --partner", code=2,
    )  # fmt: skip
    refused(
        cli, db, app, "allocate NOPE 10 --territory EMEA --as fiona@example.com",
        message="no fund with code NOPE",
    )  # fmt: skip


def test_balance_for_the_fund_a_territory_and_a_partner(cli, db, app, world):
    funded(cli, db)
    whole = cli("balance MDF-1 --as fiona@example.com")
    assert whole.stdout == (
        "currency=EUR\nallocated=10000.00\ncommitted=0.00\nclaimed=0.00\npaid=0.00\n"
        "expired=0.00\navailable=10000.00\n"
    )
    emea = cli("balance MDF-1 --territory EMEA --as max@example.com")
    assert "allocated=3000.00\n" in emea.stdout and "available=3000.00\n" in emea.stdout
    acme = cli("balance MDF-1 --partner ACME --as ada@acme.example")
    assert "allocated=1000.00\n" in acme.stdout
    without_as = cli("balance MDF-1")  # the operator: finance's view
    assert without_as.exit_code == 0 and "allocated=10000.00" in without_as.stdout
    for command, message in (
        ("balance MDF-1 --as ada@acme.example", "not allowed for this user"),
        ("balance MDF-1 --partner OTHER --as ada@acme.example", "no partner with code OTHER"),
        ("balance MDF-1 --territory EMEA --as amy@example.com", "not allowed for this user"),
    ):
        refused(cli, db, app, command, message=message)


def test_request_approve_and_reject(cli, db, app, world):
    funded(cli, db)
    first = request(cli, "400", "--expected-leads 25 --expected-pipeline 120000")
    second = request(cli, "700")
    db.session.commit()
    approved = cli(f"approve {first} --amount 350 --as dana@example.com")
    assert approved.stdout == f"request_id={first} status=approved amount=350.00\n"
    db.session.commit()
    for command, message in (
        (
            f"approve {second} --as dana@example.com",
            "ACME has 650.00 EUR available in MDF-1; approving 700.00 EUR would overspend it.",
        ),
        (f"approve {second} --amount 700.01 --as dana@example.com", "approve that or less"),
        (f"approve {second} --as uma@acme.example", "not allowed for this user"),
        (f"approve {second} --as amy@example.com", "not allowed for this user"),
        (f"reject {second} --reason ' ' --as dana@example.com", "Give a reason for the decision."),
    ):
        refused(cli, db, app, command, message=message)
    rejected = cli(f"reject {second} --reason 'Over budget' --as dana@example.com")
    assert rejected.stdout == f"request_id={second} status=rejected\n"
    db.session.commit()
    later = (TODAY + timedelta(days=61)).isoformat()
    for command, message in (
        (
            f"approve {second} --as max@example.com",
            f"Request {second} is rejected, so it cannot be approved.",
        ),
        (
            f"request ACME MDF-1 --activity-type EVENT --start {START} --end {later} "
            "--amount 10 --description x --as uma@acme.example",
            "Activities of MDF-1 take place between",
        ),
        (
            f"request OTHER MDF-1 --activity-type EVENT {ACTIVITY} --amount 10 "
            "--description x --as uma@acme.example",
            "no partner with code OTHER",
        ),
        (
            f"request ACME MDF-1 --activity-type NOPE {ACTIVITY} --amount 10 "
            "--description x --as uma@acme.example",
            "no activity type with code NOPE",
        ),
    ):
        refused(cli, db, app, command, message=message)


def test_the_same_approver_cannot_give_the_second_approval(cli, db, app, world):
    funded(cli, db, "--second-approval-above 300")
    big = request(cli, "400")
    db.session.commit()
    first = cli(f"approve {big} --as fiona@example.com")
    assert first.stdout == f"request_id={big} status=first_approved amount=400.00\n"
    db.session.commit()
    refused(
        cli, db, app, f"approve {big} --as fiona@example.com",
        message=f"Request {big} is above 300.00 EUR: someone other than its first approver "
        "gives the second approval.",
    )  # fmt: skip
    refused(
        cli, db, app, f"approve {big} --as dana@example.com",
        message=f"Request {big} waits for its second approval, which finance gives.",
    )  # fmt: skip
    second = cli(f"approve {big} --as felix@example.com")
    assert second.stdout == f"request_id={big} status=approved amount=400.00\n"


def test_return_and_resubmit(cli, db, app, world):
    funded(cli, db)
    asked = request(cli, "400")
    returned = cli(f"return {asked} --reason 'Which venue?' --as dana@example.com")
    assert returned.stdout == f"request_id={asked} status=returned\n"
    again = cli(f"resubmit {asked} --amount 380 --as uma@acme.example")
    assert again.stdout == f"request_id={asked} status=submitted\n"


def test_claim_with_proof_then_approve_or_reject(cli, db, app, world, tmp_path):
    funded(cli, db)
    first, second = request(cli, "400"), request(cli, "300")
    for request_id in (first, second):
        assert cli(f"approve {request_id} --as dana@example.com").exit_code == 0
    (tmp_path / "invoice.pdf").write_bytes(PDF)
    (tmp_path / "booth.png").write_bytes(PNG)
    db.session.commit()
    claimed = cli(
        f"claim {first} --amount 380 --proof {tmp_path / 'invoice.pdf'} "
        f"--proof {tmp_path / 'booth.png'} --actual-leads 12 --actual-pipeline 90000 "
        "--as uma@acme.example"
    )
    assert claimed.exit_code == 0, claimed.output
    claim_id = claimed.stdout.strip().removeprefix("claim_id=")
    filed = db.session.get(MdfClaim, int(claim_id))
    assert (filed.actual_leads, filed.actual_pipeline) == (12, Decimal("90000.00"))
    proofs = db.session.scalars(select(MdfClaimProof).order_by(MdfClaimProof.id)).all()
    assert [(p.name, p.content_type) for p in proofs] == [
        ("invoice.pdf", "application/pdf"),
        ("booth.png", "image/png"),
    ]
    assert {p.storage for p in proofs} <= proof_files(app)
    db.session.commit()
    refused(
        cli, db, app, f"claim-approve {claim_id} --as uma@acme.example",
        message="not allowed for this user",
    )  # fmt: skip
    approved = cli(f"claim-approve {claim_id} --as dana@example.com")
    line = db.session.scalar(select(PayoutLine.id))
    assert approved.stdout == f"claim_id={claim_id} status=approved payout_line_id={line}\n"
    balance = cli("balance MDF-1 --partner ACME --as ada@acme.example").stdout
    # 380 claimed of the first request (its other 20 came back), 300 committed to the second.
    assert "committed=680.00\nclaimed=380.00\npaid=0.00\nexpired=0.00\navailable=320.00" in (
        balance
    )
    too_many = cli(
        f"claim {second} --amount 300 --proof {tmp_path / 'invoice.pdf'} --actual-leads -1 "
        "--as ada@acme.example"
    )
    assert too_many.exit_code == 2 and "--actual-leads" in too_many.output
    other = cli(
        f"claim {second} --amount 300 --proof {tmp_path / 'invoice.pdf'} --as ada@acme.example"
    )
    other_id = other.stdout.strip().removeprefix("claim_id=")
    rejected = cli(f"claim-reject {other_id} --reason Unreadable --as max@example.com")
    assert rejected.stdout == f"claim_id={other_id} status=rejected\n"


def test_late_claims_and_bad_proof_are_refused(cli, db, app, world, tmp_path):
    funded(cli, db, "--claim-days 0")  # claims are due on the activity's last day
    late = request(cli, "400")
    assert cli(f"approve {late} --amount 300 --as dana@example.com").exit_code == 0
    (tmp_path / "invoice.pdf").write_bytes(PDF)
    (tmp_path / "notes.txt").write_text("not a proof")
    (tmp_path / "fake.pdf").write_bytes(PNG)
    db.session.commit()
    invoice = f"--proof {tmp_path / 'invoice.pdf'}"
    for command, message in (
        # The activity ended yesterday and its claim was due then: too late.
        (
            f"claim {late} --amount 10 {invoice} --as uma@acme.example",
            f"The claim for request {late} was due by",
        ),
        (
            f"claim {late} --amount 10 --proof {tmp_path / 'notes.txt'} --as uma@acme.example",
            "notes.txt: This type of file is not accepted.",
        ),
        (
            f"claim {late} --amount 10 {invoice} --proof {tmp_path / 'fake.pdf'} "
            "--as uma@acme.example",
            "fake.pdf: The file's content does not match its type",
        ),
    ):
        refused(cli, db, app, command, message=message)


def test_a_claim_over_the_approved_amount_leaves_no_file_behind(cli, db, app, world, tmp_path):
    funded(cli, db)
    approved = request(cli, "400")
    assert cli(f"approve {approved} --amount 300 --as dana@example.com").exit_code == 0
    (tmp_path / "invoice.pdf").write_bytes(PDF)
    db.session.commit()
    refused(
        cli, db, app,
        f"claim {approved} --amount 300.01 --proof {tmp_path / 'invoice.pdf'} "
        "--as uma@acme.example",
        message=f"Request {approved} was approved for 300.00 EUR; claim that or less.",
    )  # fmt: skip


def test_oversized_proof_files_are_refused(cli, db, app, world, tmp_path, monkeypatch):
    funded(cli, db)
    approved = request(cli, "400")
    assert cli(f"approve {approved} --as dana@example.com").exit_code == 0
    db.session.commit()
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024 * 1024)
    (tmp_path / "big.pdf").write_bytes(PDF + b"0" * (1024 * 1024))
    refused(
        cli, db, app,
        f"claim {approved} --amount 10 --proof {tmp_path / 'big.pdf'} --as uma@acme.example",
        message="big.pdf: The file is larger than 1 MB.",
    )  # fmt: skip


def test_expire_runs_the_daily_pass_for_a_day(cli, db, app, world):
    funded(cli, db)
    after = (TODAY + timedelta(days=121)).isoformat()
    result = cli(f"expire --as-of {after}")
    assert result.stdout == f"{after}: lapsed 0 requests, expired 1 funds, sent 0 warnings\n"
    assert "expired=10000.00\navailable=0.00" in cli("balance MDF-1").stdout
