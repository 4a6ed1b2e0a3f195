"""open-licence applications (专利开放许可): a company's application on the declared terms and the holder's decision

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:30:41.161559
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('licence_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patent_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('licensee', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('holder_note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fee', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('licence_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index('ix_licence_applications_patent_status', ['patent_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('licence_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_licence_applications_patent_status')
        batch_op.drop_index(batch_op.f('ix_licence_applications_applicant_id'))

    op.drop_table('licence_applications')
