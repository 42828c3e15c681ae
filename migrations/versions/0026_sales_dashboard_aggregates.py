"""dashboards: sales per territory and month, each partner's one territory, quarter leaderboard

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

Derived from `sales_monthly` and rebuilt with it (workflows/rollups.py), so the manager
dashboard and the territory roll-up read a few rows per territory instead of grouping every
partner's rows on each request. The territory sums and each partner's territory are filled
here from the roll-up as it stands; the leaderboard (which needs the latest exchange rates)
waits for the next roll-up (hourly, or after an import), and until then the page ranks the
partners as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sales_territory_monthly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_sales_territory_monthly_territory_id_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_territory_monthly")),
    )
    with op.batch_alter_table("sales_territory_monthly", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_territory_monthly_month_territory", ["month", "territory_id"], unique=False
        )
    op.create_table(
        "sales_partner_territory",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_sales_partner_territory_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_sales_partner_territory_territory_id_territories"),
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_sales_partner_territory")),
    )
    op.create_table(
        "sales_quarter_leaders",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("through_month", sa.Date(), nullable=False),
        sa.Column("rates_key", sa.String(length=64), nullable=False),
        sa.Column("revenue_base", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_sales_quarter_leaders_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_sales_quarter_leaders")),
    )
    with op.batch_alter_table("sales_quarter_leaders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_quarter_leaders_ranking",
            ["through_month", "rates_key", "revenue_base"],
            unique=False,
        )
    op.execute(
        "INSERT INTO sales_territory_monthly"
        " (territory_id, month, currency, amount, quantity, line_count)"
        " SELECT territory_id, month, currency, sum(amount), sum(quantity), sum(line_count)"
        " FROM sales_monthly GROUP BY territory_id, month, currency"
    )
    op.execute(
        "INSERT INTO sales_partner_territory (partner_id, territory_id)"
        " SELECT partner_id, CASE WHEN count(territory_id) = count(*)"
        " AND min(territory_id) = max(territory_id) THEN min(territory_id) END"
        " FROM sales_monthly GROUP BY partner_id"
    )


def downgrade():
    with op.batch_alter_table("sales_quarter_leaders", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_quarter_leaders_ranking")
    op.drop_table("sales_quarter_leaders")
    op.drop_table("sales_partner_territory")
    with op.batch_alter_table("sales_territory_monthly", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_territory_monthly_month_territory")
    op.drop_table("sales_territory_monthly")
