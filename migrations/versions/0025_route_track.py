"""route track: track_point, the GPS points a driver's phone sends while a manifest is in transit

Revision ID: 0025_route_track
Revises: 0024_event_macs
Create Date: 2026-12-01 23:50:00
"""
from alembic import op
import sqlalchemy as sa

from wastechain.db import UTCDateTime

revision = '0025_route_track'
down_revision = '0024_event_macs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'track_point',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('manifest_id', sa.Integer(), nullable=False),
        sa.Column('driver_id', sa.Integer(), nullable=False),
        sa.Column('client_key', sa.String(length=100), nullable=False),
        sa.Column('occurred_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_track_point_manifest_id_manifest')),
        sa.ForeignKeyConstraint(['driver_id'], ['user_account.id'], name=op.f('fk_track_point_driver_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_track_point')),
        sa.UniqueConstraint('manifest_id', 'client_key', name=op.f('uq_track_point_manifest_id_client_key')),
    )
    op.create_index('ix_track_point_manifest_occurred', 'track_point', ['manifest_id', 'occurred_at'])
    op.create_index(op.f('ix_track_point_recorded_at'), 'track_point', ['recorded_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_track_point_recorded_at'), table_name='track_point')
    op.drop_index('ix_track_point_manifest_occurred', table_name='track_point')
    op.drop_table('track_point')
