"""sale_lines: partner and product deletion guarded by triggers instead of a foreign-key check
on every imported line; no index on product_id

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

The import merge joins partners and products by code, so every id it writes is one it has
just read. The foreign keys re-checked each of them (an index probe and a row lock per line and
key: about half of a large import's time). What they guarded against — a partner or product
deleted while lines still name it — is now refused where it happens, once per deleted row: a
trigger on `partners` and `products` (the app never deletes either; this guards deletion by
hand). On SQLite the triggers live on those two tables, so a later migration that rebuilds one
of them in batch mode must create its trigger again.

No query reads sales lines by product alone (runs filter products within a period, which the
`sold_on` index or a scan serves), so `ix_sale_lines_product_id` only cost every imported
line an index insertion; deleting a product by hand now scans for its lines once.
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

GUARDED = (("partners", "partner_id"), ("products", "product_id"))


def _create_guards(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION sale_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM sale_lines WHERE
                         (TG_TABLE_NAME = 'partners' AND partner_id = OLD.id)
                      OR (TG_TABLE_NAME = 'products' AND product_id = OLD.id)) THEN
                RAISE EXCEPTION USING
                  ERRCODE = 'foreign_key_violation',
                  MESSAGE = format('%s %s is still named by sales lines', TG_TABLE_NAME, OLD.id);
              END IF;
              RETURN OLD;
            END $$
            """
        )
        for table, _column in GUARDED:
            op.execute(
                f"CREATE TRIGGER {table}_sale_lines_guard BEFORE DELETE OR UPDATE OF id "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION sale_lines_guard()"
            )
    else:
        for table, column in GUARDED:
            for event in ("DELETE", "UPDATE OF id"):
                name = f"{table}_sale_lines_guard_{event.split()[0].lower()}"
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
                    f"WHEN EXISTS (SELECT 1 FROM sale_lines WHERE {column} = OLD.id) "
                    f"BEGIN SELECT RAISE(ABORT, '{table} still named by sales lines'); END"
                )


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_constraint("fk_sale_lines_partner_id_partners", type_="foreignkey")
        batch_op.drop_constraint("fk_sale_lines_product_id_products", type_="foreignkey")
        batch_op.drop_index("ix_sale_lines_product_id")
    _create_guards(dialect)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table, _column in GUARDED:
            op.execute(f"DROP TRIGGER {table}_sale_lines_guard ON {table}")
        op.execute("DROP FUNCTION sale_lines_guard()")
    else:
        for table, _column in GUARDED:
            for event in ("delete", "update"):
                op.execute(f"DROP TRIGGER {table}_sale_lines_guard_{event}")
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.create_index("ix_sale_lines_product_id", ["product_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_sale_lines_partner_id_partners", "partners", ["partner_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_sale_lines_product_id_products", "products", ["product_id"], ["id"]
        )
