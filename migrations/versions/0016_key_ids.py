"""key ids: each day seal records the id of the master key whose derived seal key signed it

Revision ID: 0016_key_ids
Revises: 0014_capacity_counters
Create Date: 2026-12-01 19:45:00

Seals written before this revision have no key id: they were signed with a master key directly and are checked
against every master key in the keyring (see wastechain/domain/keys.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_key_ids'
down_revision = '0014_capacity_counters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('day_seal') as batch:
        batch.add_column(sa.Column('key_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('day_seal') as batch:
        batch.drop_column('key_id')
