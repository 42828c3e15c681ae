"""MDF payment returns: payment rows name the payout batch, and a bank's return of a transfer
that paid fund claims is a row of its own

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

A request used to have at most one payment row. A returned transfer puts its lines back to
payable, and a later batch pays them again, so payments and returns are now one row of each
per request and batch; the other kinds stay one per request. Existing payment rows are linked
to the batch that paid them (the only one: returns of fund claims were refused until now).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the table (migrations/env.py verifies the foreign keys afterwards).
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_mdf_entries_batch_id_payout_batches"),
            "payout_batches",
            ["batch_id"],
            ["id"],
        )
        batch_op.drop_constraint(batch_op.f("uq_mdf_entries_request_id"), type_="unique")
    op.execute(
        """
        UPDATE mdf_entries SET batch_id = (
            SELECT MIN(payout_batch_lines.batch_id)
            FROM mdf_claims
            JOIN payout_batch_lines
              ON payout_batch_lines.payout_line_id = mdf_claims.payout_line_id
            WHERE mdf_claims.id = mdf_entries.claim_id
        )
        WHERE kind = 'payment'
        """
    )
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.create_index(
            "uq_mdf_entries_request_kind",
            ["request_id", "kind"],
            unique=True,
            postgresql_where=sa.text("batch_id IS NULL"),
            sqlite_where=sa.text("batch_id IS NULL"),
        )
        batch_op.create_index(
            "uq_mdf_entries_request_kind_batch",
            ["request_id", "kind", "batch_id"],
            unique=True,
            postgresql_where=sa.text("batch_id IS NOT NULL"),
            sqlite_where=sa.text("batch_id IS NOT NULL"),
        )


def downgrade():
    # Back to one payment per request: a payment the bank returned goes with its return, and
    # of the payments left the first stays.
    op.execute(
        "DELETE FROM mdf_entries WHERE kind IN ('payment', 'payment_return') AND EXISTS ("
        "SELECT 1 FROM mdf_entries AS returned WHERE returned.kind = 'payment_return' "
        "AND returned.request_id = mdf_entries.request_id "
        "AND returned.batch_id = mdf_entries.batch_id)"
    )
    op.execute(
        "DELETE FROM mdf_entries WHERE kind = 'payment' AND id NOT IN "
        "(SELECT MIN(id) FROM mdf_entries WHERE kind = 'payment' GROUP BY request_id)"
    )
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.drop_index("uq_mdf_entries_request_kind_batch")
        batch_op.drop_index("uq_mdf_entries_request_kind")
        batch_op.drop_constraint(
            batch_op.f("fk_mdf_entries_batch_id_payout_batches"), type_="foreignkey"
        )
        batch_op.drop_column("batch_id")
        batch_op.create_unique_constraint(
            batch_op.f("uq_mdf_entries_request_id"), ["request_id", "kind"]
        )
