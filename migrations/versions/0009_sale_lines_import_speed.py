"""sale_lines: no foreign key on the provenance column, deal_ref indexed only where set

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27

Every imported line paid a foreign-key check (an index probe and a row lock on import_batches)
for a column that only records which import last wrote the line; batches are never deleted.
Most lines carry no deal reference, so the deal_ref index now covers only the lines that do.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WHERE = sa.text("deal_ref IS NOT NULL")


def upgrade():
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_constraint("fk_sale_lines_import_batch_id_import_batches", type_="foreignkey")
        batch_op.drop_index("ix_sale_lines_deal_ref")
        batch_op.create_index(
            "ix_sale_lines_deal_ref",
            ["deal_ref"],
            unique=False,
            postgresql_where=WHERE,
            sqlite_where=WHERE,
        )


def downgrade():
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_sale_lines_deal_ref")
        batch_op.create_index("ix_sale_lines_deal_ref", ["deal_ref"], unique=False)
        batch_op.create_foreign_key(
            "fk_sale_lines_import_batch_id_import_batches",
            "import_batches",
            ["import_batch_id"],
            ["id"],
        )
