"""yearly statistics reports: the PDFs administrators made, archived in the store (bytea on
PostgreSQL), every version kept

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_stats_reports_year_created', 'stats_reports', ['year', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_stats_reports_year_created', table_name='stats_reports')
    op.drop_table('stats_reports')
