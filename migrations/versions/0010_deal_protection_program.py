"""deal_registrations: the program whose protection period an approval used

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27

A program that rewards registered deals may set `deal_protection_days`; an approved
registration records which program's period it received (NULL: the configured default).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deal_registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protection_program_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_deal_registrations_protection_program_id_programs",
            "programs",
            ["protection_program_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("deal_registrations", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_deal_registrations_protection_program_id_programs", type_="foreignkey"
        )
        batch_op.drop_column("protection_program_id")
