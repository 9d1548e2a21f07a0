"""event MACs: each event carries an HMAC of its hash under the keyring's event key

Revision ID: 0024_event_macs
Revises: 0023_corrections
Create Date: 2026-12-01 23:20:00

Events written before this revision keep no MAC (their hashes and the day roots sealed over them are unchanged): they
are accepted only below the first event with a MAC and on days covered by a signed day seal that still matches
(wastechain/services/manifests/events.py `legacy_rule`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_event_macs'
down_revision = '0023_corrections'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy on SQLite): the table keeps its rows, ids and, on PostgreSQL, its
    # append-only trigger.
    op.add_column('manifest_event', sa.Column('mac', sa.String(length=80), nullable=True))
    # the first event with a MAC marks where MACs began: events without one after it had theirs stripped
    op.create_index('ix_manifest_event_keyed', 'manifest_event', ['id'], postgresql_where=sa.text('mac IS NOT NULL'),
                    sqlite_where=sa.text('mac IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_manifest_event_keyed', table_name='manifest_event')
    with op.batch_alter_table('manifest_event') as batch:
        batch.drop_column('mac')
