"""handover codes: the producer's one-time pickup confirmation code per manifest

Revision ID: 0002_handover
Revises: 0001
Create Date: 2026-11-23 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import wastechain.db


revision = '0002_handover'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handover_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manifest_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_at', wastechain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', wastechain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_handover_code_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_handover_code_manifest_id_manifest')),
    sa.ForeignKeyConstraint(['used_by_id'], ['user_account.id'], name=op.f('fk_handover_code_used_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_code')),
    sa.UniqueConstraint('manifest_id', name=op.f('uq_handover_code_manifest_id'))
    )


def downgrade() -> None:
    op.drop_table('handover_code')
