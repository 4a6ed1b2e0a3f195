"""inquiries (意向洽谈) and their messages, with the status dates that count real transfers

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:34:20.006302
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('record_type', sa.String(length=16), nullable=False),
    sa.Column('record_title', sa.String(length=500), nullable=False),
    sa.Column('record_field', sa.String(length=32), nullable=True),
    sa.Column('record_city', sa.String(length=32), nullable=True),
    sa.Column('holder_institution_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('negotiating_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreement_mode', sa.String(length=32), nullable=True),
    sa.Column('agreement_amount', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broker_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['holder_institution_id'], ['institutions.id'], ),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiries_broker_id'), ['broker_id'], unique=False)
        batch_op.create_index('ix_inquiries_holder_status', ['holder_institution_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_sender_id'), ['sender_id'], unique=False)

    op.create_table('inquiry_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inquiry_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inquiry_messages_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiry_messages_inquiry_id'), ['inquiry_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inquiry_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiry_messages_inquiry_id'))
        batch_op.drop_index('ix_inquiry_messages_author_created')

    op.drop_table('inquiry_messages')
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiries_sender_id'))
        batch_op.drop_index(batch_op.f('ix_inquiries_record_id'))
        batch_op.drop_index('ix_inquiries_holder_status')
        batch_op.drop_index(batch_op.f('ix_inquiries_broker_id'))

    op.drop_table('inquiries')
