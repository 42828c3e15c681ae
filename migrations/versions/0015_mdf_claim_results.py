"""market development funds: the results a claim reports (leads and pipeline)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

A claim says what the activity brought, next to what its request expected: the leads and the
pipeline (in the fund's currency), both optional.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mdf_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actual_leads", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("actual_pipeline", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("mdf_claims", schema=None) as batch_op:
        batch_op.drop_column("actual_pipeline")
        batch_op.drop_column("actual_leads")
