"""payment files: batches per currency with their kept file, paid and returned payments, bank formats

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

A payout batch is built for one currency and keeps the payment file as first exported (pain.001
or a bank's mapped CSV), so every later download gives the same bytes; finance records the bank's
execution date when the batch is paid. A returned transfer marks the partner's batch lines
returned (with the reason) and the line is payable again: the unique line id of
`payout_batch_lines` becomes unique among lines not returned. `bank_file_formats` holds how each
bank wants its bulk payment CSV.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("file_format", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("file_content", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("executed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paid_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_payout_batches_paid_by_id_users"), "users", ["paid_by_id"], ["id"]
        )
    with op.batch_alter_table("payout_batch_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("returned_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("return_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_payout_batch_lines_returned_by_id_users"),
            "users",
            ["returned_by_id"],
            ["id"],
        )
        batch_op.drop_constraint("uq_payout_batch_lines_payout_line_id", type_="unique")
        batch_op.create_index(
            "uq_payout_batch_lines_live",
            ["payout_line_id"],
            unique=True,
            postgresql_where=sa.text("returned_at IS NULL"),
            sqlite_where=sa.text("returned_at IS NULL"),
        )
    op.create_table(
        "bank_file_formats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("currencies", sa.String(length=120), nullable=False),
        sa.Column("columns", sa.String(length=400), nullable=False),
        sa.Column("delimiter", sa.String(length=1), nullable=False),
        sa.Column("decimal_separator", sa.String(length=1), nullable=False),
        sa.Column("header", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_bank_file_formats_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_file_formats")),
        sa.UniqueConstraint("name", name=op.f("uq_bank_file_formats_name")),
    )


def downgrade():
    op.drop_table("bank_file_formats")
    with op.batch_alter_table("payout_batch_lines", schema=None) as batch_op:
        batch_op.drop_index("uq_payout_batch_lines_live")
        batch_op.create_unique_constraint(
            "uq_payout_batch_lines_payout_line_id", ["payout_line_id"]
        )
        batch_op.drop_constraint(
            batch_op.f("fk_payout_batch_lines_returned_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("return_reason")
        batch_op.drop_column("returned_by_id")
        batch_op.drop_column("returned_at")
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payout_batches_paid_by_id_users"), type_="foreignkey")
        for column in (
            "paid_at",
            "paid_by_id",
            "executed_on",
            "file_content",
            "file_name",
            "file_format",
            "currency",
        ):
            batch_op.drop_column(column)
