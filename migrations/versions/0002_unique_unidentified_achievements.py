"""one achievement per title + lead holder among those without identifiers

Two imports at once could both create the same achievement when it has no registration
number and no source id (only title + lead holder identify it): a partial unique index now
refuses the second insert, and the import retries its batch and finds the first.

A database that already holds such duplicates (made by that race) cannot take the index: the
upgrade stops and names them, to be merged or deleted first.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

INDEX = 'uq_achievements_unidentified_natural_key'
WHERE = 'registration_no IS NULL AND external_id IS NULL'


def upgrade() -> None:
    bind = op.get_bind()
    if any(ix["name"] == INDEX for ix in sa.inspect(bind).get_indexes('achievements')):
        return  # a database made by create_all with these models (adopted: stamped 0001) has it
    duplicates = bind.execute(sa.text(
        f"SELECT natural_key, COUNT(*) FROM achievements WHERE {WHERE} "
        "GROUP BY natural_key HAVING COUNT(*) > 1 ORDER BY natural_key LIMIT 20")).all()
    if duplicates:
        shown = "; ".join(f"{key} ({n}×)" for key, n in duplicates)
        raise RuntimeError(
            f"成果中有同名且同第一完成单位、均无登记号的重复记录，请先合并或删除：{shown} / "
            f"achievements without identifiers share a title and lead holder; merge or delete them first: {shown}")
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index(INDEX, ['natural_key'], unique=True,
                              sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
