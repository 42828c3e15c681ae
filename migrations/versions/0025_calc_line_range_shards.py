"""calculation runs of several shards split the sales lines by id: each shard's line range and
the partial sums the fan-in adds up

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

A shard used to take the payees with payee_id % shards_total == shard and read the whole period
to find their lines, so a run of five shards read the period five times. Now each shard sums
only its own range of sale line ids into partial rows (calc_partials), and the fan-in adds the
partials up and applies the tiers once. Runs of one shard are unchanged (no range, no partials).
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calc_shards") as batch:
        batch.add_column(sa.Column("first_line_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("last_line_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "calc_partials",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("calc_runs.id"), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_calc_partials_run_shard", "calc_partials", ["run_id", "shard"])


def downgrade():
    op.drop_index("ix_calc_partials_run_shard", table_name="calc_partials")
    op.drop_table("calc_partials")
    with op.batch_alter_table("calc_shards") as batch:
        batch.drop_column("last_line_id")
        batch.drop_column("first_line_id")
