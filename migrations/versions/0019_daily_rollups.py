"""daily rollups: the regulators' dashboard figures per day, county, stream and category, and the county flows

Revision ID: 0019_daily_rollups
Revises: 0018_anomaly_queue
Create Date: 2026-12-01 23:00:00

Empty after the upgrade: the night fills the recent days, `flask rollups rebuild` the history.
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_daily_rollups'
down_revision = '0018_anomaly_queue'
branch_labels = None
depends_on = None

KG = ('produced_kg', 'storage_change_kg', 'transferred_kg', 'disposed_kg', 'approval_kg')
COUNTS = ('manifests_issued', 'manifests_picked_up', 'manifests_closed', 'approval_manifests', 'deliveries',
          'receipts_on_time')


def upgrade() -> None:
    op.create_table(
        'rollup_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('stream', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=8), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in KG],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.PrimaryKeyConstraint('day', 'region_code', 'stream', 'category', name=op.f('pk_rollup_day')),
    )
    op.create_index('ix_rollup_day_region_day', 'rollup_day', ['region_code', 'day'])
    op.create_table(
        'rollup_flow',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('origin_region_code', sa.String(length=6), nullable=False),
        sa.Column('destination_region_code', sa.String(length=6), nullable=False),
        sa.Column('stream', sa.String(length=16), nullable=False),
        sa.Column('kg', sa.BigInteger(), nullable=False),
        sa.Column('manifests', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'origin_region_code', 'destination_region_code', 'stream',
                                name=op.f('pk_rollup_flow')),
    )


def downgrade() -> None:
    op.drop_table('rollup_flow')
    op.drop_index('ix_rollup_day_region_day', table_name='rollup_day')
    op.drop_table('rollup_day')
