"""saved-search subscriptions, their index keys, alerts (matches), deliveries and the
fingerprints that tell a significant change of a record from a re-publication

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 20:40:06.628691
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_record_states',
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('record_id')
    )
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('record_type', sa.String(length=16), nullable=False),
    sa.Column('q', sa.String(length=256), nullable=False),
    sa.Column('match', sa.String(length=8), nullable=False),
    sa.Column('selections', sa.JSON(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('email_enabled', sa.Boolean(), nullable=False),
    sa.Column('webhook_url', sa.String(length=2000), nullable=True),
    sa.Column('webhook_secret', sa.String(length=100), nullable=True),
    sa.Column('webhook_enabled', sa.Boolean(), nullable=False),
    sa.Column('webhook_failures', sa.Integer(), nullable=False),
    sa.Column('webhook_disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('webhook_last_error', sa.Text(), nullable=True),
    sa.Column('feed_enabled', sa.Boolean(), nullable=False),
    sa.Column('feed_token', sa.String(length=64), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('required', sa.JSON(), nullable=False),
    sa.Column('keys_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('feed_token')
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_record_type'), ['record_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('alert_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'channel', 'period', name='uq_alert_delivery_period')
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_alert_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('subscription_keys',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscription_id', 'key')
    )
    with op.batch_alter_table('subscription_keys', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_keys_key', ['key', 'subscription_id'], unique=False)

    op.create_table('alert_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('record_type', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=True),
    sa.Column('why', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_delivery_id', sa.Integer(), nullable=True),
    sa.Column('webhook_delivery_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['email_delivery_id'], ['alert_deliveries.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webhook_delivery_id'], ['alert_deliveries.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'record_id', name='uq_alert_match_once')
    )
    with op.batch_alter_table('alert_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_matches_email_delivery_id'), ['email_delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_matches_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_matches_subscription_id'), ['subscription_id'], unique=False)
        batch_op.create_index('ix_alert_matches_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_matches_webhook_delivery_id'), ['webhook_delivery_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('alert_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_matches_webhook_delivery_id'))
        batch_op.drop_index('ix_alert_matches_user_created')
        batch_op.drop_index(batch_op.f('ix_alert_matches_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_alert_matches_record_id'))
        batch_op.drop_index(batch_op.f('ix_alert_matches_email_delivery_id'))

    op.drop_table('alert_matches')
    with op.batch_alter_table('subscription_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_subscription_keys_key')

    op.drop_table('subscription_keys')
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_subscription_id'))
        batch_op.drop_index('ix_alert_deliveries_due')

    op.drop_table('alert_deliveries')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_record_type'))

    op.drop_table('subscriptions')
    op.drop_table('alert_record_states')
