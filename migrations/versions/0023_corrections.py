"""corrections and paper entries: manifest_correction, correction_decision, paper_entry; the "correct" step

Revision ID: 0023_corrections
Revises: 0022_line_receipt
Create Date: 2026-12-01 22:45:00

An applied correction is a manifest event of the new type "correct", so the CHECK constraint of
manifest_event.type is recreated with it (batch mode copies the table on SQLite; manifest_event has no trigger).
"""
from alembic import op
import sqlalchemy as sa

from wastechain.db import UTCDateTime

revision = '0023_corrections'
down_revision = '0022_line_receipt'
branch_labels = None
depends_on = None

STEP = ("issue", "cancel", "pickup", "deliver", "receive", "dispose", "close")  # states.Step before this revision (0022)


def _step_check(batch_op, steps) -> None:
    batch_op.drop_constraint(op.f('ck_manifest_event_type'), type_='check')
    batch_op.create_check_constraint(op.f('ck_manifest_event_type'), sa.column('type').in_(steps))


def upgrade() -> None:
    op.create_table(
        'manifest_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('manifest_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('field', sa.String(length=20), nullable=True),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('party', sa.String(length=16), nullable=False),
        sa.Column('required', sa.JSON(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('ask_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_manifest_correction_manifest_id_manifest')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'],
                                name=op.f('fk_manifest_correction_requested_by_id_user_account')),
        sa.ForeignKeyConstraint(['event_id'], ['manifest_event.id'],
                                name=op.f('fk_manifest_correction_event_id_manifest_event')),
        sa.ForeignKeyConstraint(['ask_id'], ['manifest_correction.id'],
                                name=op.f('fk_manifest_correction_ask_id_manifest_correction')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_manifest_correction')),
    )
    op.create_index(op.f('ix_manifest_correction_manifest_id'), 'manifest_correction', ['manifest_id'])
    op.create_index(op.f('ix_manifest_correction_status'), 'manifest_correction', ['status'])
    op.create_index(op.f('ix_manifest_correction_requested_at'), 'manifest_correction', ['requested_at'])
    op.create_table(
        'correction_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('correction_id', sa.Integer(), nullable=False),
        sa.Column('party', sa.String(length=16), nullable=False),
        sa.Column('approved', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['correction_id'], ['manifest_correction.id'],
                                name=op.f('fk_correction_decision_correction_id_manifest_correction')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_correction_decision_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_decision')),
        sa.UniqueConstraint('correction_id', 'party', name=op.f('uq_correction_decision_correction_id_party')),
    )
    op.create_index(op.f('ix_correction_decision_correction_id'), 'correction_decision', ['correction_id'])
    op.create_table(
        'paper_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('manifest_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('scan_sha256', sa.String(length=64), nullable=False),
        sa.Column('scan_type', sa.String(length=40), nullable=False),
        sa.Column('scan_size', sa.Integer(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=False),
        sa.Column('entered_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_paper_entry_manifest_id_manifest')),
        sa.ForeignKeyConstraint(['event_id'], ['manifest_event.id'], name=op.f('fk_paper_entry_event_id_manifest_event')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'],
                                name=op.f('fk_paper_entry_entered_by_id_user_account')),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'],
                                name=op.f('fk_paper_entry_confirmed_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
        sa.UniqueConstraint('event_id', name=op.f('uq_paper_entry_event_id')),
    )
    op.create_index(op.f('ix_paper_entry_manifest_id'), 'paper_entry', ['manifest_id'])
    op.create_index(op.f('ix_paper_entry_entered_at'), 'paper_entry', ['entered_at'])
    with op.batch_alter_table('manifest_event') as batch_op:
        _step_check(batch_op, STEP + ("correct",))


def downgrade() -> None:
    with op.batch_alter_table('manifest_event') as batch_op:
        _step_check(batch_op, STEP)
    op.drop_table('paper_entry')
    op.drop_table('correction_decision')
    op.drop_table('manifest_correction')
