"""partner territories and tiers: ranges that end after they start and, on PostgreSQL, never overlap

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27

Eligibility joins each sale line to the partner's territory and tier rows covering its date; two
rows covering the same day would count the line twice. The writers keep the rows apart
(`close_ranges` sets each row's end to the next row's start); the database now refuses the
mistake too. The overlap check is an exclusion constraint, PostgreSQL only, deferred to commit
because a writer inserts the new row before it closes the previous one. Ranges on the partner id
use the built-in range operator class, so no extension is needed. Rows that already overlap stop
the upgrade with the constraint's name; setting each row's valid_to to the partner's next
valid_from (what `portal.models.partners.close_ranges` does) repairs them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("partner_territories", "partner_tiers")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_range_ends_after_start"),
                sa.text("valid_to IS NULL OR valid_to > valid_from"),
            )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT ex_{table}_no_overlap EXCLUDE USING gist ("
            "int4range(partner_id, partner_id, '[]') WITH =, "
            "daterange(valid_from, valid_to, '[)') WITH &&"
            ") DEFERRABLE INITIALLY DEFERRED"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ex_{table}_no_overlap")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_range_ends_after_start"), type_="check")
