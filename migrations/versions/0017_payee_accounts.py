"""payee accounts: where partners want to be paid, sealed, verified by finance

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

One row per account a partner admin entered for a currency. Account numbers are stored sealed
with a key from the environment; the last four characters stay in clear for masked display.
A partial unique index keeps at most one pending and one verified account per partner and
currency.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payee_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("holder_name", sa.String(length=140), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("tax_id", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payee_accounts_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_payee_accounts_entered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_payee_accounts_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payee_accounts")),
    )
    with op.batch_alter_table("payee_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payee_accounts_partner_id"), ["partner_id"])
        batch_op.create_index(batch_op.f("ix_payee_accounts_state"), ["state"])
        for state in ("pending", "verified"):
            batch_op.create_index(
                f"uq_payee_accounts_{state}",
                ["partner_id", "currency"],
                unique=True,
                postgresql_where=sa.text(f"state = '{state}'"),
                sqlite_where=sa.text(f"state = '{state}'"),
            )


def downgrade():
    op.drop_table("payee_accounts")
