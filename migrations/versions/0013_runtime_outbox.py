"""runtime outbox: steps whose run-time checks wait for the run-checks worker

Revision ID: 0013_runtime_outbox
Revises: 0012_company_admin_api_keys
Create Date: 2026-12-01 19:30:00
"""
from alembic import op
import sqlalchemy as sa

from wastechain.db import UTCDateTime

revision = '0013_runtime_outbox'
down_revision = '0012_company_admin_api_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'check_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_outbox')),
        sa.UniqueConstraint('event_id', name=op.f('uq_check_outbox_event_id')),
    )


def downgrade() -> None:
    op.drop_table('check_outbox')
