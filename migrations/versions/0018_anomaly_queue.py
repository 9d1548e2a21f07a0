"""anomaly queue: an anomaly's assigned officer, people's names, and the warnings (预警) outbox

Revision ID: 0018_anomaly_queue
Revises: 0017_catalog_editions
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa

from wastechain.db import UTCDateTime

revision = '0018_anomaly_queue'
down_revision = '0017_catalog_editions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('anomaly') as batch:
        batch.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('assigned_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('assigned_at', UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f('fk_anomaly_assignee_id_user_account'), 'user_account', ['assignee_id'], ['id'])
        batch.create_foreign_key(op.f('fk_anomaly_assigned_by_id_user_account'), 'user_account',
                                 ['assigned_by_id'], ['id'])
        batch.create_index(op.f('ix_anomaly_assignee_id'), ['assignee_id'], unique=False)
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('display_name', sa.String(length=64), nullable=True))
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('anomaly_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
        sa.UniqueConstraint('anomaly_id', name=op.f('uq_notification_anomaly_id')),
    )
    op.create_index(op.f('ix_notification_delivered_at'), 'notification', ['delivered_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_delivered_at'), table_name='notification')
    op.drop_table('notification')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('display_name')
    with op.batch_alter_table('anomaly') as batch:
        batch.drop_index(op.f('ix_anomaly_assignee_id'))
        batch.drop_constraint(op.f('fk_anomaly_assigned_by_id_user_account'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_anomaly_assignee_id_user_account'), type_='foreignkey')
        batch.drop_column('assigned_at')
        batch.drop_column('assigned_by_id')
        batch.drop_column('assignee_id')
