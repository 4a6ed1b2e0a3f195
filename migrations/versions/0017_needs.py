"""technology needs (技术需求): the demand side, a fourth record type held by the account that posted it; and the
holders told of new needs their records could answer

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 23:47:34.338442
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('needs',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('city', sa.String(length=32), nullable=True),
    sa.Column('budget_min', sa.Float(), nullable=True),
    sa.Column('budget_max', sa.Float(), nullable=True),
    sa.Column('cooperation_modes', sa.JSON(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('natural_key', sa.String(length=600), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_natural_key'), ['natural_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_status'), ['status'], unique=False)

    op.create_table('need_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('record_title', sa.String(length=500), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('shared', sa.JSON(), nullable=False),
    sa.Column('same_field', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('need_id', 'record_id', 'institution_id', name='uq_need_match')
    )
    with op.batch_alter_table('need_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_matches_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_matches_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_matches_need_id'), ['need_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('need_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_matches_need_id'))
        batch_op.drop_index(batch_op.f('ix_need_matches_institution_id'))
        batch_op.drop_index(batch_op.f('ix_need_matches_created_at'))

    op.drop_table('need_matches')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_status'))
        batch_op.drop_index(batch_op.f('ix_needs_owner_id'))
        batch_op.drop_index(batch_op.f('ix_needs_natural_key'))
        batch_op.drop_index(batch_op.f('ix_needs_field'))
        batch_op.drop_index(batch_op.f('ix_needs_deadline'))
        batch_op.drop_index(batch_op.f('ix_needs_city'))

    op.drop_table('needs')
