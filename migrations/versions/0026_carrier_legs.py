"""multi-carrier legs (联运): manifest_leg, manifest.current_leg; the "transfer" step

Revision ID: 0026_carrier_legs
Revises: 0025_route_track
Create Date: 2026-12-02 00:00:00

manifest.current_leg is a plain ADD COLUMN (no batch copy of manifest, so its trigger stays as it is). A hand-over
between carriers is a manifest event of the new type "transfer": the CHECK constraint of manifest_event.type is
recreated with it (batch mode copies manifest_event on SQLite; it has no trigger).
"""
from alembic import op
import sqlalchemy as sa

from wastechain.db import UTCDateTime

revision = '0026_carrier_legs'
down_revision = '0025_route_track'
branch_labels = None
depends_on = None

STEP = ("issue", "cancel", "pickup", "deliver", "receive", "dispose", "close", "correct")  # before this revision


def _step_check(batch_op, steps) -> None:
    batch_op.drop_constraint(op.f('ck_manifest_event_type'), type_='check')
    batch_op.create_check_constraint(op.f('ck_manifest_event_type'), sa.column('type').in_(steps))


def upgrade() -> None:
    op.create_table(
        'manifest_leg',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('manifest_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('transporter_id', sa.Integer(), nullable=False),
        sa.Column('vehicle_id', sa.Integer(), nullable=True),
        sa.Column('driver_id', sa.Integer(), nullable=True),
        sa.Column('handover_site_id', sa.Integer(), nullable=True),
        sa.Column('handover_point', sa.String(length=200), nullable=True),
        sa.Column('started_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_manifest_leg_manifest_id_manifest')),
        sa.ForeignKeyConstraint(['transporter_id'], ['organization.id'],
                                name=op.f('fk_manifest_leg_transporter_id_organization')),
        sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_manifest_leg_vehicle_id_vehicle')),
        sa.ForeignKeyConstraint(['driver_id'], ['user_account.id'], name=op.f('fk_manifest_leg_driver_id_user_account')),
        sa.ForeignKeyConstraint(['handover_site_id'], ['site.id'], name=op.f('fk_manifest_leg_handover_site_id_site')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_manifest_leg')),
        sa.UniqueConstraint('manifest_id', 'seq', name=op.f('uq_manifest_leg_manifest_id_seq')),
    )
    op.create_index(op.f('ix_manifest_leg_manifest_id'), 'manifest_leg', ['manifest_id'])
    op.create_index(op.f('ix_manifest_leg_transporter_id'), 'manifest_leg', ['transporter_id'])
    op.add_column('manifest', sa.Column('current_leg', sa.Integer(), nullable=True))
    with op.batch_alter_table('manifest_event') as batch_op:
        _step_check(batch_op, STEP + ("transfer",))


def downgrade() -> None:
    with op.batch_alter_table('manifest_event') as batch_op:
        _step_check(batch_op, STEP)
    op.drop_column('manifest', 'current_leg')
    op.drop_index(op.f('ix_manifest_leg_transporter_id'), table_name='manifest_leg')
    op.drop_index(op.f('ix_manifest_leg_manifest_id'), table_name='manifest_leg')
    op.drop_table('manifest_leg')
