"""institution redirects: the names of institutions merged into others

An administrator merges a duplicate institution into another (``/admin/institutions``); its
records follow, its row goes, and its normalised name stays here, pointing at the institution
it became, so that a later import naming it lands there instead of bringing it back.

On SQLite the institutions table is rebuilt with AUTOINCREMENT, so that a merged institution's
row number (org-N) is never given to a new one (whose index document would be refused by the
merged one's tombstone).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:49:28.311573
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('institution_redirects',
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('merged_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('name_key')
    )
    with op.batch_alter_table('institution_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_redirects_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_redirects_merged_id'), ['merged_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('institutions', recreate='always', table_kwargs={'sqlite_autoincrement': True}):
            pass


def downgrade() -> None:
    with op.batch_alter_table('institution_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_redirects_merged_id'))
        batch_op.drop_index(batch_op.f('ix_institution_redirects_institution_id'))

    op.drop_table('institution_redirects')