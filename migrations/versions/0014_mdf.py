"""market development funds: funds, activity types, allocations, requests, claims, one ledger

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

A fund is a budget in one currency; finance allocates it down the territory tree to partners,
partners request money for activities and claim it with proof. Every movement is a row of
`mdf_entries`; balances are sums of those rows and are never stored. An approved claim becomes
a payable line, so `payout_lines` now belongs to a program or to a fund (exactly one of them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _created(*, by: str = "created_by_id"):
    """The author and time columns most MDF tables carry."""
    return [
        sa.Column(by, sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table(
        "mdf_activity_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_created(),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_mdf_activity_types_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_activity_types")),
        sa.UniqueConstraint("code", name=op.f("uq_mdf_activity_types_code")),
    )
    op.create_table(
        "mdf_funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("claim_deadline", sa.Date(), nullable=False),
        sa.Column("claim_days", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("second_approval_above", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("warned_days_before", sa.Integer(), nullable=True),
        *_created(),
        sa.CheckConstraint(
            "starts_on <= ends_on AND ends_on <= claim_deadline", name=op.f("ck_mdf_funds_dates")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_mdf_funds_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_funds")),
        sa.UniqueConstraint("code", name=op.f("uq_mdf_funds_code")),
    )
    with op.batch_alter_table("mdf_funds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mdf_funds_state"), ["state"], unique=False)

    op.create_table(
        "mdf_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("source_territory_id", sa.Integer(), nullable=True),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        *_created(),
        sa.CheckConstraint(
            "(territory_id IS NULL) <> (partner_id IS NULL)",
            name=op.f("ck_mdf_allocations_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_mdf_allocations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["mdf_funds.id"], name=op.f("fk_mdf_allocations_fund_id_mdf_funds")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_mdf_allocations_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["source_territory_id"],
            ["territories.id"],
            name=op.f("fk_mdf_allocations_source_territory_id_territories"),
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_mdf_allocations_territory_id_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_allocations")),
    )
    with op.batch_alter_table("mdf_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mdf_allocations_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mdf_allocations_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "mdf_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("activity_type_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requested_amount", sa.BigInteger(), nullable=False),
        sa.Column("approved_amount", sa.BigInteger(), nullable=True),
        sa.Column("expected_leads", sa.Integer(), nullable=True),
        sa.Column("expected_pipeline", sa.BigInteger(), nullable=True),
        sa.Column("claim_due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("first_approver_id", sa.Integer(), nullable=True),
        sa.Column("first_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_mdf_requests_dates")),
        sa.ForeignKeyConstraint(
            ["activity_type_id"],
            ["mdf_activity_types.id"],
            name=op.f("fk_mdf_requests_activity_type_id_mdf_activity_types"),
        ),
        *(
            sa.ForeignKeyConstraint(
                [column], ["users.id"], name=op.f(f"fk_mdf_requests_{column}_users")
            )
            for column in (
                "approved_by_id",
                "decided_by_id",
                "first_approver_id",
                "requested_by_id",
            )
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["mdf_funds.id"], name=op.f("fk_mdf_requests_fund_id_mdf_funds")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_mdf_requests_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_requests")),
    )
    with op.batch_alter_table("mdf_requests", schema=None) as batch_op:
        for column in ("fund_id", "partner_id", "state"):
            batch_op.create_index(batch_op.f(f"ix_mdf_requests_{column}"), [column], unique=False)

    op.create_table(
        "mdf_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payout_line_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_mdf_claims_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["mdf_funds.id"], name=op.f("fk_mdf_claims_fund_id_mdf_funds")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_mdf_claims_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["payout_line_id"],
            ["payout_lines.id"],
            name=op.f("fk_mdf_claims_payout_line_id_payout_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["mdf_requests.id"],
            name=op.f("fk_mdf_claims_request_id_mdf_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_mdf_claims_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_claims")),
    )
    with op.batch_alter_table("mdf_claims", schema=None) as batch_op:
        for column in ("fund_id", "partner_id", "request_id", "state"):
            batch_op.create_index(batch_op.f(f"ix_mdf_claims_{column}"), [column], unique=False)

    op.create_table(
        "mdf_claim_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("storage", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["mdf_claims.id"], name=op.f("fk_mdf_claim_proofs_claim_id_mdf_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_claim_proofs")),
    )
    with op.batch_alter_table("mdf_claim_proofs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mdf_claim_proofs_claim_id"), ["claim_id"], unique=False
        )

    op.create_table(
        "mdf_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        *_created(by="actor_id"),
        sa.CheckConstraint(
            "territory_id IS NULL OR partner_id IS NULL", name=op.f("ck_mdf_entries_one_holder")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_mdf_entries_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["mdf_allocations.id"],
            name=op.f("fk_mdf_entries_allocation_id_mdf_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["mdf_claims.id"], name=op.f("fk_mdf_entries_claim_id_mdf_claims")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["mdf_funds.id"], name=op.f("fk_mdf_entries_fund_id_mdf_funds")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_mdf_entries_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["mdf_requests.id"],
            name=op.f("fk_mdf_entries_request_id_mdf_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_mdf_entries_territory_id_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_entries")),
        sa.UniqueConstraint("request_id", "kind", name=op.f("uq_mdf_entries_request_id")),
    )
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mdf_entries_fund_holder", ["fund_id", "territory_id", "partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mdf_entries_partner_id"), ["partner_id"], unique=False)

    # SQLite rebuilds the table (migrations/env.py verifies the foreign keys afterwards).
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fund_id", sa.Integer(), nullable=True))
        batch_op.alter_column("program_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_payout_lines_fund_id"), ["fund_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payout_lines_fund_id_mdf_funds"), "mdf_funds", ["fund_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_payout_lines_program_or_fund"),
            sa.text("(program_id IS NULL) <> (fund_id IS NULL)"),
        )


def downgrade():
    for table in ("mdf_entries", "mdf_claim_proofs", "mdf_claims"):
        op.drop_table(table)
    # Lines that paid fund claims have no program: they leave with the funds.
    op.execute(
        "DELETE FROM payout_batch_lines WHERE payout_line_id IN "
        "(SELECT id FROM payout_lines WHERE fund_id IS NOT NULL)"
    )
    op.execute("DELETE FROM payout_lines WHERE fund_id IS NOT NULL")
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payout_lines_program_or_fund"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_payout_lines_fund_id_mdf_funds"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payout_lines_fund_id"))
        batch_op.alter_column("program_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("fund_id")
    for table in ("mdf_requests", "mdf_allocations", "mdf_funds", "mdf_activity_types"):
        op.drop_table(table)
