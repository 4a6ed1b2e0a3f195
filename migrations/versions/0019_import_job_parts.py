"""import jobs in parts: ranges of a large file that worker processes import in parallel

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 13:19:07.520472
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_job_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('part_no', sa.Integer(), nullable=False),
    sa.Column('first_record', sa.Integer(), nullable=False),
    sa.Column('last_record', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False),
    sa.Column('committed_records', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('refusal_code', sa.String(length=32), nullable=True),
    sa.Column('task_id', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'part_no', name='uq_import_job_parts_job_part')
    )
    with op.batch_alter_table('import_job_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_job_parts_job_id'), ['job_id'], unique=False)
    # rejected records are listed in file order, whichever part stored them first
    with op.batch_alter_table('import_record_errors', schema=None) as batch_op:
        batch_op.create_index('ix_import_record_errors_job_record', ['job_id', 'record_no', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('import_record_errors', schema=None) as batch_op:
        batch_op.drop_index('ix_import_record_errors_job_record')
    with op.batch_alter_table('import_job_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_job_parts_job_id'))

    op.drop_table('import_job_parts')
