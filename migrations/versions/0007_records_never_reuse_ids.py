"""records never reuse ids: achievements, patents, instruments and attachments with AUTOINCREMENT

SQLite gives the highest deleted row's number to the next row unless the table is declared
AUTOINCREMENT. A deleted record's number is its public id (ach-N) and the key of its versions,
and a deleted file's number is in the disclosure log, so none may come back. PostgreSQL's
sequences never reuse a number: nothing to do there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:15:00
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('achievements', 'patents', 'instruments', 'attachments')


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': True}):
                pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': False}):
                pass
