"""sales_partner_territory: the days each partner's one territory holds, cleared by any write
to its assignments

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08

The manager pages correct the territory sums for partners whose roll-up rows do not all lie
under their territory of today. Finding them joined every partner's roll-up territory with its
assignment of today: a few milliseconds per page at 5,000 partners, growing with partners. The
roll-up now keeps, per partner, the days of an assignment to its one territory
(`settled_from` to `settled_to`), and the pages read this one table. A trigger on
`partner_territories` clears a partner's days whenever its assignments are written (by the
app, an import or by hand; an update that leaves a row as it was clears nothing), so a move
counts at once, before the next roll-up. The trigger first waits for a roll-up that is writing
the days to commit (an advisory lock the roll-up holds), so that it clears the rows that
roll-up wrote rather than the ones it replaced. On SQLite the triggers live on
`partner_territories`: a later migration that rebuilds that table in batch mode must create
them again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# workflows/rollups.py's SETTLED_LOCK: the roll-up holds it while it writes the settled days
SETTLED_LOCK = 0x534554544C45
UNSETTLED = "territory_id IS NULL OR settled_from IS NULL"
CLEAR = "UPDATE sales_partner_territory SET settled_from = NULL, settled_to = NULL"
# the latest assignment of each partner to its one territory, as workflows/rollups.py sets it
SETTLE = """
UPDATE sales_partner_territory SET
  settled_from = (SELECT a.valid_from FROM partner_territories a
                  WHERE a.partner_id = sales_partner_territory.partner_id
                    AND a.territory_id = sales_partner_territory.territory_id
                  ORDER BY a.valid_from DESC LIMIT 1),
  settled_to = (SELECT a.valid_to FROM partner_territories a
                WHERE a.partner_id = sales_partner_territory.partner_id
                  AND a.territory_id = sales_partner_territory.territory_id
                ORDER BY a.valid_from DESC LIMIT 1)
WHERE territory_id IS NOT NULL
"""
# an UPDATE that leaves a row as it was (closing ranges rewrites every row) clears nothing
COLUMNS = ("partner_id", "territory_id", "valid_from", "valid_to")
SQLITE_TRIGGERS = {
    "insert": "NEW.partner_id",
    "update": "OLD.partner_id OR partner_id = NEW.partner_id",
    "delete": "OLD.partner_id",
}


def upgrade():
    with op.batch_alter_table("sales_partner_territory", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("settled_to", sa.Date(), nullable=True))
        for column in ("settled_from", "settled_to"):
            batch_op.create_index(f"ix_sales_partner_territory_{column}", [column])
        batch_op.create_index(
            "ix_sales_partner_territory_unsettled",
            ["partner_id"],
            postgresql_where=sa.text(UNSETTLED),
            sqlite_where=sa.text(UNSETTLED),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION partner_territories_unsettle() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              -- wait for a roll-up writing the settled days (workflows/rollups.py,
              -- SETTLED_LOCK) to commit, so that the rows cleared are the ones it wrote
              PERFORM pg_advisory_xact_lock_shared({SETTLED_LOCK});
              IF TG_OP = 'TRUNCATE' THEN
                {CLEAR};
                RETURN NULL;
              END IF;
              IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {CLEAR} WHERE partner_id = OLD.partner_id;
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {CLEAR} WHERE partner_id = NEW.partner_id;
              END IF;
              RETURN NULL;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER partner_territories_unsettle AFTER INSERT OR DELETE "
            "ON partner_territories FOR EACH ROW EXECUTE FUNCTION partner_territories_unsettle()"
        )
        op.execute(
            "CREATE TRIGGER partner_territories_unsettle_changed AFTER UPDATE "
            "ON partner_territories FOR EACH ROW "
            f"WHEN (({', '.join('OLD.' + c for c in COLUMNS)}) "
            f"IS DISTINCT FROM ({', '.join('NEW.' + c for c in COLUMNS)})) "
            "EXECUTE FUNCTION partner_territories_unsettle()"
        )
        op.execute(
            "CREATE TRIGGER partner_territories_unsettle_all AFTER TRUNCATE "
            "ON partner_territories FOR EACH STATEMENT "
            "EXECUTE FUNCTION partner_territories_unsettle()"
        )
    else:
        for event, partners in SQLITE_TRIGGERS.items():
            changed = ""
            if event == "update":
                changed = "WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS)
            op.execute(
                f"CREATE TRIGGER partner_territories_unsettle_{event} AFTER {event.upper()} "
                f"ON partner_territories FOR EACH ROW {changed} "
                f"BEGIN {CLEAR} WHERE partner_id = {partners}; END"
            )
    op.execute(SETTLE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER partner_territories_unsettle_all ON partner_territories")
        op.execute("DROP TRIGGER partner_territories_unsettle_changed ON partner_territories")
        op.execute("DROP TRIGGER partner_territories_unsettle ON partner_territories")
        op.execute("DROP FUNCTION partner_territories_unsettle()")
    else:
        for event in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER partner_territories_unsettle_{event}")
    with op.batch_alter_table("sales_partner_territory", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_partner_territory_unsettled")
        for column in ("settled_from", "settled_to"):
            batch_op.drop_index(f"ix_sales_partner_territory_{column}")
        batch_op.drop_column("settled_to")
        batch_op.drop_column("settled_from")
