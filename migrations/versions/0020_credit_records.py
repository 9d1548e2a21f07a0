"""credit records: dated, explained changes of an enterprise's credit score and its answers; search indexes

Revision ID: 0020_credit_records
Revises: 0019_daily_rollups
Create Date: 2026-12-01 23:00:00

`credit_event` holds one row per (enterprise, day, rule) written by the nightly refresh (services/credit), so a
rerun of a day adds nothing; `credit_reply` the enterprise's answers. The regulators' search finds a manifest,
batch or container by the start of its number or code: on PostgreSQL the pattern operator class lets
LIKE 'prefix%' use an index whatever the database's collation (on SQLite these indexes merely repeat the unique
ones); `ix_manifest_refused` is the few manifests with a refused quantity, which the credit refusal rule reads each
night. Plain CREATE INDEX, not batch mode: the `manifest` table and its trigger are left as they are.
"""
from alembic import op
import sqlalchemy as sa

from wastechain.db import UTCDateTime

revision = '0020_credit_records'
down_revision = '0019_daily_rollups'
branch_labels = None
depends_on = None

PREFIX_INDEXES = (("ix_manifest_number_prefix", "manifest", "number"),
                  ("ix_batch_unit_code_prefix", "batch", "unit_code"),
                  ("ix_container_code_prefix", "container", "code"))


def upgrade() -> None:
    op.create_table(
        'credit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_credit_event_organization_id_organization')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_event')),
        sa.UniqueConstraint('organization_id', 'day', 'rule', name=op.f('uq_credit_event_organization_id_day_rule')),
    )
    op.create_index(op.f('ix_credit_event_organization_id'), 'credit_event', ['organization_id'])
    op.create_index(op.f('ix_credit_event_day'), 'credit_event', ['day'])
    op.create_index('ix_credit_event_organization_rule_day', 'credit_event', ['organization_id', 'rule', 'day'])
    op.create_table(
        'credit_reply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('credit_event_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=2000), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['credit_event_id'], ['credit_event.id'],
                                name=op.f('fk_credit_reply_credit_event_id_credit_event')),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_credit_reply_author_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_reply')),
    )
    op.create_index(op.f('ix_credit_reply_credit_event_id'), 'credit_reply', ['credit_event_id'])
    for name, table, column in PREFIX_INDEXES:
        op.create_index(name, table, [column], postgresql_ops={column: 'varchar_pattern_ops'})
    op.create_index('ix_manifest_refused', 'manifest', ['issuer_id'], postgresql_where=sa.text('rejected_kg > 0'),
                    sqlite_where=sa.text('rejected_kg > 0'))


def downgrade() -> None:
    op.drop_index('ix_manifest_refused', table_name='manifest')
    for name, table, _ in PREFIX_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index(op.f('ix_credit_reply_credit_event_id'), table_name='credit_reply')
    op.drop_table('credit_reply')
    op.drop_index('ix_credit_event_organization_rule_day', table_name='credit_event')
    op.drop_index(op.f('ix_credit_event_day'), table_name='credit_event')
    op.drop_index(op.f('ix_credit_event_organization_id'), table_name='credit_event')
    op.drop_table('credit_event')
