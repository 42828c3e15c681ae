"""contests: the standings each contest run ranks, one row per payee, and the awards a
settlement run creates

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contest_standings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=True),
        sa.Column("measure", sa.String(length=80), nullable=False),
        sa.Column("measure_whole", sa.BigInteger(), nullable=False),
        sa.Column("measure_part", sa.BigInteger(), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("gap", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["payee_id"], ["partners.id"], name=op.f("fk_contest_standings_payee_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["calc_runs.id"], name=op.f("fk_contest_standings_run_id_calc_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_standings")),
        sa.UniqueConstraint("run_id", "payee_id", name=op.f("uq_contest_standings_run_id")),
    )
    with op.batch_alter_table("contest_standings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contest_standings_run_group_rank", ["run_id", "group_code", "rank"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contest_standings_payee_id"), ["payee_id"], unique=False
        )


    op.create_table(
        "contest_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["payee_id"], ["partners.id"], name=op.f("fk_contest_awards_payee_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["calc_runs.id"], name=op.f("fk_contest_awards_run_id_calc_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_awards")),
    )
    with op.batch_alter_table("contest_awards", schema=None) as batch_op:
        batch_op.create_index("ix_contest_awards_run_payee", ["run_id", "payee_id"], unique=False)


def downgrade():
    with op.batch_alter_table("contest_awards", schema=None) as batch_op:
        batch_op.drop_index("ix_contest_awards_run_payee")
    op.drop_table("contest_awards")
    with op.batch_alter_table("contest_standings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contest_standings_payee_id"))
        batch_op.drop_index("ix_contest_standings_run_group_rank")
    op.drop_table("contest_standings")
