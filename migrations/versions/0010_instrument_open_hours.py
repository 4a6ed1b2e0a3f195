"""instruments: hours a year open to users (年开放机时), one of the openness figures the
statistics report next to the external service hours and income

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 18:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instruments') as batch:
        batch.add_column(sa.Column('annual_open_hours', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instruments') as batch:
        batch.drop_column('annual_open_hours')
