"""the annual selection: rounds, candidates, expert scores and published lists

Published lists (``selection_lists``) and their entries are immutable: triggers refuse any
UPDATE or DELETE on both engines, so a correction can only be a new revision.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:34:50.066306
"""
from alembic import op
import sqlalchemy as sa


# the triggers as they were at this revision (web/models/selection.py makes the same for create_all)
IMMUTABLE_TABLES = ("selection_lists", "selection_entries")
MESSAGE = "published selection lists are immutable: publish a correction as a new revision"


def sqlite_triggers(table: str) -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op_.lower()} BEFORE {op_} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END" for op_ in ("UPDATE", "DELETE")]


def postgresql_triggers(table: str) -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION selection_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION selection_immutable()",
    ]


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('selection_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('criteria_en', sa.Text(), nullable=True),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('auto_weight', sa.Float(), nullable=False),
    sa.Column('auto_weights', sa.JSON(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('experts_per_candidate', sa.Integer(), nullable=False),
    sa.Column('min_scores', sa.Integer(), nullable=False),
    sa.Column('outlier_gap', sa.Float(), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('nomination_opens', sa.Date(), nullable=False),
    sa.Column('nomination_closes', sa.Date(), nullable=False),
    sa.Column('scoring_closes', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scoring_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year')
    )
    op.create_table('selection_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('auto_score', sa.Float(), nullable=True),
    sa.Column('auto_parts', sa.JSON(), nullable=False),
    sa.Column('nominated_by', sa.Integer(), nullable=True),
    sa.Column('nominated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['nominated_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['selection_rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'achievement_id', name='uq_selection_candidates_round_achievement')
    )
    with op.batch_alter_table('selection_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_candidates_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_candidates_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_candidates_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_candidates_status'), ['status'], unique=False)

    op.create_table('selection_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('formula', sa.JSON(), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('published_by', sa.String(length=254), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['selection_rounds.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'revision', name='uq_selection_lists_year_revision')
    )
    with op.batch_alter_table('selection_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_lists_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_lists_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_lists_year'), ['year'], unique=False)

    op.create_table('selection_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['selection_candidates.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['selection_rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('candidate_id', 'expert_id', name='uq_selection_assignments_candidate_expert')
    )
    with op.batch_alter_table('selection_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_assignments_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_assignments_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selection_assignments_round_id'), ['round_id'], unique=False)

    op.create_table('selection_entries',
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('combined', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['selection_lists.id'], ),
    sa.PrimaryKeyConstraint('list_id', 'rank')
    )
    with op.batch_alter_table('selection_entries', schema=None) as batch_op:
        batch_op.create_index('ix_selection_entries_achievement', ['achievement_id'], unique=False)

    dialect = op.get_bind().dialect.name
    for table in IMMUTABLE_TABLES:
        for stmt in sqlite_triggers(table) if dialect == "sqlite" else postgresql_triggers(table) if dialect == "postgresql" else []:
            op.execute(stmt)


def downgrade() -> None:
    with op.batch_alter_table('selection_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_selection_entries_achievement')

    op.drop_table('selection_entries')
    with op.batch_alter_table('selection_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_assignments_round_id'))
        batch_op.drop_index(batch_op.f('ix_selection_assignments_expert_id'))
        batch_op.drop_index(batch_op.f('ix_selection_assignments_candidate_id'))

    op.drop_table('selection_assignments')
    with op.batch_alter_table('selection_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_lists_year'))
        batch_op.drop_index(batch_op.f('ix_selection_lists_round_id'))
        batch_op.drop_index(batch_op.f('ix_selection_lists_published_at'))

    op.drop_table('selection_lists')
    with op.batch_alter_table('selection_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_candidates_status'))
        batch_op.drop_index(batch_op.f('ix_selection_candidates_round_id'))
        batch_op.drop_index(batch_op.f('ix_selection_candidates_institution_id'))
        batch_op.drop_index(batch_op.f('ix_selection_candidates_achievement_id'))

    op.drop_table('selection_candidates')
    op.drop_table('selection_rounds')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS selection_immutable()")
