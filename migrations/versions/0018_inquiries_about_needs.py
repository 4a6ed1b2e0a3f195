"""inquiries about technology needs: answered by the account that posted the need, not an institution

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 01:09:38.430803
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('holder_institution_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_inquiries_holder_user_id'), ['holder_user_id'], unique=False)
        batch_op.create_foreign_key('fk_inquiries_holder_user_id_users', 'users', ['holder_user_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_constraint('fk_inquiries_holder_user_id_users', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inquiries_holder_user_id'))
        batch_op.alter_column('holder_institution_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('holder_user_id')

