"""usage counts: searches, zero-result searches, record views and exports per day, with no
personal data (no IP address, account or user agent)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 16:06:08.342081
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usage_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', 'key')
    )


def downgrade() -> None:
    op.drop_table('usage_counts')
