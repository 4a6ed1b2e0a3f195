"""instrument bookings (仪器共享预约) and the per-instrument rows their approvals lock

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:28:28.908961
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instrument_booking_locks',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], ),
    sa.PrimaryKeyConstraint('instrument_id')
    )
    op.create_table('instrument_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_mode', sa.String(length=32), nullable=False),
    sa.Column('sample', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed_start_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proposed_end_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('holder_note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hours_used', sa.Float(), nullable=True),
    sa.Column('fee', sa.Float(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], ),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('instrument_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_instrument_bookings_calendar', ['instrument_id', 'status', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_bookings_requester_id'), ['requester_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('instrument_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_bookings_requester_id'))
        batch_op.drop_index('ix_instrument_bookings_calendar')

    op.drop_table('instrument_bookings')
    op.drop_table('instrument_booking_locks')
