"""rewards: points ledger, catalog, redemptions, levels, claims, payout batches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 03:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reward_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('image_url', sa.String(length=500), nullable=True),
    sa.Column('points_cost', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_items')),
    sa.UniqueConstraint('code', name=op.f('uq_reward_items_code'))
    )
    op.create_table('loyalty_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('min_points', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_loyalty_levels_program_id_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_levels')),
    sa.UniqueConstraint('program_id', 'code', name=op.f('uq_loyalty_levels_program_id'))
    )
    op.create_table('redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_redemptions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['reward_items.id'], name=op.f('fk_redemptions_item_id_reward_items')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_redemptions_partner_id_partners')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_redemptions_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemptions'))
    )
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemptions_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemptions_status'), ['status'], unique=False)

    op.create_table('partner_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=True),
    sa.Column('points_12m', sa.BigInteger(), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['level_id'], ['loyalty_levels.id'], name=op.f('fk_partner_levels_level_id_loyalty_levels')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_levels_partner_id_partners')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_partner_levels_program_id_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_levels')),
    sa.UniqueConstraint('partner_id', 'program_id', name=op.f('uq_partner_levels_partner_id'))
    )
    op.create_table('points_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=160), nullable=False),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_points_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_points_entries_partner_id_partners')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_points_entries_program_id_programs')),
    sa.ForeignKeyConstraint(['redemption_id'], ['redemptions.id'], name=op.f('fk_points_entries_redemption_id_redemptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entries')),
    sa.UniqueConstraint('source', name=op.f('uq_points_entries_source'))
    )
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.create_index('ix_points_entries_partner_day', ['partner_id', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_entries_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_entries_redemption_id'), ['redemption_id'], unique=False)

    op.create_table('points_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consumer_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['consumer_id'], ['points_entries.id'], name=op.f('fk_points_allocations_consumer_id_points_entries')),
    sa.ForeignKeyConstraint(['lot_id'], ['points_entries.id'], name=op.f('fk_points_allocations_lot_id_points_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_allocations'))
    )
    with op.batch_alter_table('points_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_allocations_consumer_id'), ['consumer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_allocations_lot_id'), ['lot_id'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('period_label', sa.String(length=32), nullable=False),
    sa.Column('sale_reference', sa.String(length=120), nullable=False),
    sa.Column('sold_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_name', sa.String(length=255), nullable=False),
    sa.Column('invoice_storage', sa.String(length=64), nullable=False),
    sa.Column('invoice_type', sa.String(length=100), nullable=False),
    sa.Column('invoice_size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('first_approver_id', sa.Integer(), nullable=True),
    sa.Column('first_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('payout_line_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_claims_approved_by_id_users')),
    sa.ForeignKeyConstraint(['first_approver_id'], ['users.id'], name=op.f('fk_claims_first_approver_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_claims_partner_id_partners')),
    sa.ForeignKeyConstraint(['payout_line_id'], ['payout_lines.id'], name=op.f('fk_claims_payout_line_id_payout_lines')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_claims_program_id_programs')),
    sa.ForeignKeyConstraint(['rejected_by_id'], ['users.id'], name=op.f('fk_claims_rejected_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_claims_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('program_id', 'partner_id', 'sale_reference', name=op.f('uq_claims_program_id'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_status'), ['status'], unique=False)

    op.create_table('payout_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exported_by_id', sa.Integer(), nullable=True),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_payout_batches_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payout_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['exported_by_id'], ['users.id'], name=op.f('fk_payout_batches_exported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_batches'))
    )
    with op.batch_alter_table('payout_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_batches_status'), ['status'], unique=False)

    op.create_table('payout_batch_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('payout_line_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fx_rate', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['payout_batches.id'], name=op.f('fk_payout_batch_lines_batch_id_payout_batches')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_payout_batch_lines_partner_id_partners')),
    sa.ForeignKeyConstraint(['payout_line_id'], ['payout_lines.id'], name=op.f('fk_payout_batch_lines_payout_line_id_payout_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_batch_lines')),
    sa.UniqueConstraint('payout_line_id', name=op.f('uq_payout_batch_lines_payout_line_id'))
    )
    with op.batch_alter_table('payout_batch_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_batch_lines_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_batch_lines_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('payout_lines', schema=None) as batch_op:
        batch_op.alter_column('run_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('payout_batch_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_batch_lines_partner_id'))
        batch_op.drop_index(batch_op.f('ix_payout_batch_lines_batch_id'))
    op.drop_table('payout_batch_lines')
    with op.batch_alter_table('payout_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_batches_status'))
    op.drop_table('payout_batches')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_status'))
        batch_op.drop_index(batch_op.f('ix_claims_partner_id'))
    op.drop_table('claims')
    op.execute("DELETE FROM payout_lines WHERE run_id IS NULL")  # claim lines
    with op.batch_alter_table('payout_lines', schema=None) as batch_op:
        batch_op.alter_column('run_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('points_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_allocations_lot_id'))
        batch_op.drop_index(batch_op.f('ix_points_allocations_consumer_id'))
    op.drop_table('points_allocations')
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_entries_redemption_id'))
        batch_op.drop_index(batch_op.f('ix_points_entries_program_id'))
        batch_op.drop_index('ix_points_entries_partner_day')
    op.drop_table('points_entries')
    op.drop_table('partner_levels')
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemptions_status'))
        batch_op.drop_index(batch_op.f('ix_redemptions_partner_id'))
    op.drop_table('redemptions')
    op.drop_table('loyalty_levels')
    op.drop_table('reward_items')
