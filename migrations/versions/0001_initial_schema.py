"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('achievements',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=True),
    sa.Column('registration_no', sa.String(length=32), nullable=True),
    sa.Column('natural_key', sa.String(length=400), nullable=False),
    sa.Column('external_id', sa.String(length=300), nullable=True),
    sa.Column('achievement_type', sa.String(length=32), nullable=True),
    sa.Column('people', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('innovations', sa.JSON(), nullable=False),
    sa.Column('field', sa.String(length=48), nullable=True),
    sa.Column('industry', sa.String(length=16), nullable=True),
    sa.Column('discipline', sa.String(length=100), nullable=True),
    sa.Column('form', sa.String(length=32), nullable=True),
    sa.Column('origin', sa.String(length=32), nullable=True),
    sa.Column('level', sa.String(length=32), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=True),
    sa.Column('trl', sa.Integer(), nullable=True),
    sa.Column('evaluation', sa.JSON(), nullable=False),
    sa.Column('funding_source', sa.String(length=200), nullable=True),
    sa.Column('programme', sa.String(length=300), nullable=True),
    sa.Column('grant_no', sa.String(length=100), nullable=True),
    sa.Column('research_start', sa.String(length=7), nullable=True),
    sa.Column('research_end', sa.String(length=7), nullable=True),
    sa.Column('registered_at', sa.Date(), nullable=True),
    sa.Column('ip', sa.JSON(), nullable=False),
    sa.Column('transfer_modes', sa.JSON(), nullable=False),
    sa.Column('price_mode', sa.String(length=16), nullable=True),
    sa.Column('price_amount', sa.Float(), nullable=True),
    sa.Column('price_amount_max', sa.Float(), nullable=True),
    sa.Column('application_status', sa.String(length=300), nullable=True),
    sa.Column('transferred', sa.Boolean(), nullable=False),
    sa.Column('transfer_amount', sa.Float(), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id'),
    sa.UniqueConstraint('registration_no')
    )
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievements_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_natural_key'), ['natural_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_registered_at'), ['registered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_trl'), ['trl'], unique=False)

    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('record_type', sa.String(length=16), nullable=True),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('stored_path', sa.String(length=500), nullable=True),
    sa.Column('source_url', sa.String(length=500), nullable=True),
    sa.Column('reader', sa.String(length=32), nullable=True),
    sa.Column('encoding', sa.String(length=32), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('submitted_by', sa.String(length=100), nullable=True),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('committed_records', sa.Integer(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('refusal_code', sa.String(length=32), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_status'), ['status'], unique=False)

    op.create_table('index_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('index', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['next_attempt_at', 'id'], unique=False)

    op.create_table('institutions',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=True),
    sa.Column('city', sa.String(length=32), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credit_code'),
    sa.UniqueConstraint('name_key')
    )
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institutions_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_institutions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_institutions_type'), ['type'], unique=False)

    op.create_table('patents',
    sa.Column('application_no', sa.String(length=32), nullable=True),
    sa.Column('publication_no', sa.String(length=32), nullable=True),
    sa.Column('grant_no', sa.String(length=32), nullable=True),
    sa.Column('filed_at', sa.Date(), nullable=True),
    sa.Column('publication_date', sa.Date(), nullable=True),
    sa.Column('granted_at', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=True),
    sa.Column('abstract', sa.Text(), nullable=True),
    sa.Column('first_claim', sa.Text(), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('inventors', sa.JSON(), nullable=False),
    sa.Column('owners', sa.JSON(), nullable=False),
    sa.Column('applicant_address', sa.String(length=300), nullable=True),
    sa.Column('province_code', sa.String(length=16), nullable=True),
    sa.Column('city', sa.String(length=32), nullable=True),
    sa.Column('field', sa.String(length=48), nullable=True),
    sa.Column('ipc_main', sa.String(length=32), nullable=True),
    sa.Column('ipc', sa.JSON(), nullable=False),
    sa.Column('cpc', sa.JSON(), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=True),
    sa.Column('agent', sa.String(length=100), nullable=True),
    sa.Column('priority', sa.JSON(), nullable=False),
    sa.Column('legal_status', sa.String(length=16), nullable=True),
    sa.Column('legal_events', sa.JSON(), nullable=False),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('licences', sa.Integer(), nullable=False),
    sa.Column('pledges', sa.Integer(), nullable=False),
    sa.Column('open_licence', sa.JSON(), nullable=False),
    sa.Column('family', sa.JSON(), nullable=False),
    sa.Column('citations', sa.Integer(), nullable=False),
    sa.Column('licence_fee', sa.Float(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_no'),
    sa.UniqueConstraint('publication_no')
    )
    with op.batch_alter_table('patents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patents_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_patents_filed_at'), ['filed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patents_ipc_main'), ['ipc_main'], unique=False)
        batch_op.create_index(batch_op.f('ix_patents_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_patents_legal_status'), ['legal_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_patents_status'), ['status'], unique=False)

    op.create_table('achievement_institutions',
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], ),
    sa.PrimaryKeyConstraint('achievement_id', 'position')
    )
    with op.batch_alter_table('achievement_institutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievement_institutions_institution_id'), ['institution_id'], unique=False)

    op.create_table('harvest_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('metadata_prefix', sa.String(length=32), nullable=False),
    sa.Column('set_spec', sa.String(length=200), nullable=True),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_response_date', sa.String(length=32), nullable=True),
    sa.Column('last_job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['last_job_id'], ['import_jobs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('base_url')
    )
    op.create_table('import_record_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('record_no', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_record_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_record_errors_job_id'), ['job_id'], unique=False)

    op.create_table('instruments',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=True),
    sa.Column('asset_no', sa.String(length=64), nullable=True),
    sa.Column('natural_key', sa.String(length=300), nullable=True),
    sa.Column('class_code', sa.String(length=32), nullable=True),
    sa.Column('instrument_class', sa.String(length=32), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('manufacturer', sa.String(length=200), nullable=True),
    sa.Column('country', sa.String(length=64), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=True),
    sa.Column('specs', sa.Text(), nullable=True),
    sa.Column('functions', sa.Text(), nullable=True),
    sa.Column('research_areas', sa.JSON(), nullable=False),
    sa.Column('accessories', sa.Text(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('purchased_at', sa.Date(), nullable=True),
    sa.Column('commissioned_at', sa.Date(), nullable=True),
    sa.Column('funding', sa.String(length=16), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('lab', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('city', sa.String(length=32), nullable=True),
    sa.Column('run_status', sa.String(length=16), nullable=True),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('open_hours', sa.String(length=300), nullable=True),
    sa.Column('fees', sa.Text(), nullable=True),
    sa.Column('service_modes', sa.JSON(), nullable=False),
    sa.Column('external_hours_per_year', sa.Float(), nullable=True),
    sa.Column('external_income_per_year', sa.Float(), nullable=True),
    sa.Column('stats_year', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('images', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution_id', 'asset_no', name='uq_instrument_asset')
    )
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruments_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruments_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruments_instrument_class'), ['instrument_class'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruments_natural_key'), ['natural_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruments_value'), ['value'], unique=False)

    op.create_table('patent_applicants',
    sa.Column('patent_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], ),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patent_id', 'position')
    )
    with op.batch_alter_table('patent_applicants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patent_applicants_institution_id'), ['institution_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('patent_applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patent_applicants_institution_id'))

    op.drop_table('patent_applicants')
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruments_value'))
        batch_op.drop_index(batch_op.f('ix_instruments_status'))
        batch_op.drop_index(batch_op.f('ix_instruments_natural_key'))
        batch_op.drop_index(batch_op.f('ix_instruments_instrument_class'))
        batch_op.drop_index(batch_op.f('ix_instruments_institution_id'))
        batch_op.drop_index(batch_op.f('ix_instruments_city'))

    op.drop_table('instruments')
    with op.batch_alter_table('import_record_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_record_errors_job_id'))

    op.drop_table('import_record_errors')
    op.drop_table('harvest_sources')
    with op.batch_alter_table('achievement_institutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievement_institutions_institution_id'))

    op.drop_table('achievement_institutions')
    with op.batch_alter_table('patents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patents_status'))
        batch_op.drop_index(batch_op.f('ix_patents_legal_status'))
        batch_op.drop_index(batch_op.f('ix_patents_kind'))
        batch_op.drop_index(batch_op.f('ix_patents_ipc_main'))
        batch_op.drop_index(batch_op.f('ix_patents_filed_at'))
        batch_op.drop_index(batch_op.f('ix_patents_city'))

    op.drop_table('patents')
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institutions_type'))
        batch_op.drop_index(batch_op.f('ix_institutions_status'))
        batch_op.drop_index(batch_op.f('ix_institutions_city'))

    op.drop_table('institutions')
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('index_outbox')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_status'))

    op.drop_table('import_jobs')
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievements_trl'))
        batch_op.drop_index(batch_op.f('ix_achievements_status'))
        batch_op.drop_index(batch_op.f('ix_achievements_registered_at'))
        batch_op.drop_index(batch_op.f('ix_achievements_natural_key'))
        batch_op.drop_index(batch_op.f('ix_achievements_level'))
        batch_op.drop_index(batch_op.f('ix_achievements_field'))

    op.drop_table('achievements')
