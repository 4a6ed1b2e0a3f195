"""structured feedback on listings (why a company did not take a result up), one per account and record

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 22:40:07.649542
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('listing_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('holder_institution_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['holder_institution_id'], ['institutions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('record_id', 'author_id', name='uq_listing_feedback_once')
    )
    with op.batch_alter_table('listing_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_feedback_holder_institution_id'), ['holder_institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_feedback_record_id'), ['record_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('listing_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_feedback_record_id'))
        batch_op.drop_index(batch_op.f('ix_listing_feedback_holder_institution_id'))

    op.drop_table('listing_feedback')
