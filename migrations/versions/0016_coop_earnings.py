"""co-op earnings: an earned MDF ledger row names the settlement run that earned it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Approving a settlement run of a co-op program posts one `earned` row per fund and partner to
`mdf_entries`, linked to the run, so every earned amount is traceable to its calculation and a
later settlement nets off what earlier ones earned.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the table (migrations/env.py verifies the foreign keys afterwards).
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_mdf_entries_run_id"), ["run_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_mdf_entries_run_id_calc_runs"), "calc_runs", ["run_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_mdf_entries_run_id"), ["run_id", "fund_id", "partner_id"]
        )


def downgrade():
    op.execute("DELETE FROM mdf_entries WHERE run_id IS NOT NULL")
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_mdf_entries_run_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_mdf_entries_run_id_calc_runs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_mdf_entries_run_id"))
        batch_op.drop_column("run_id")
