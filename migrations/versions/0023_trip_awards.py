"""trip seats of contest awards: the winner's answer and the travellers it names

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

`trip_awards`: one row per trip award of a contest settlement (its band, seats, the day the
trip sets out, whether declined seats pass on, until when traveller details are kept, the
answer pending/accepted/declined with who and when, the award it was passed on from, and the
count of seats named, which outlives the details). `trip_travellers`: one row per named seat
(name, e-mail, dietary and document notes sealed with the vault keys).
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trip_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("travel_on", sa.Date(), nullable=True),
        sa.Column("pass_on", sa.Boolean(), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("passed_from_id", sa.Integer(), nullable=True),
        sa.Column("seats_named", sa.Integer(), nullable=False),
        sa.Column("details_purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["contest_awards.id"], name=op.f("fk_trip_awards_award_id_contest_awards")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_trip_awards_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_trip_awards_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["passed_from_id"],
            ["trip_awards.id"],
            name=op.f("fk_trip_awards_passed_from_id_trip_awards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trip_awards")),
        sa.UniqueConstraint("award_id", name=op.f("uq_trip_awards_award_id")),
    )
    with op.batch_alter_table("trip_awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trip_awards_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trip_awards_keep_until"), ["keep_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_trip_awards_state"), ["state"], unique=False)
    op.create_table(
        "trip_travellers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("dietary_sealed", sa.Text(), nullable=True),
        sa.Column("documents_sealed", sa.Text(), nullable=True),
        sa.Column("named_by_id", sa.Integer(), nullable=True),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trip_id"], ["trip_awards.id"], name=op.f("fk_trip_travellers_trip_id_trip_awards")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_trip_travellers_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["named_by_id"], ["users.id"], name=op.f("fk_trip_travellers_named_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trip_travellers")),
        sa.UniqueConstraint("trip_id", "seat", name=op.f("uq_trip_travellers_trip_id")),
    )
    with op.batch_alter_table("trip_travellers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trip_travellers_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trip_travellers_trip_id"), ["trip_id"], unique=False)


def downgrade():
    op.drop_table("trip_travellers")
    op.drop_table("trip_awards")
