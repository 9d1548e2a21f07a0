"""payment confirmation: the payee (the receiver, 资金直付) confirms a payment the payer recorded

Revision ID: 0011_payment_confirmation
Revises: 0010_manifest_drafts
Create Date: 2026-12-01 19:30:00
"""
from alembic import op
import sqlalchemy as sa

import wastechain.db


revision = '0011_payment_confirmation'
down_revision = '0010_manifest_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment') as batch:
        batch.add_column(sa.Column('confirmed_at', wastechain.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_payment_confirmed_by_id_user_account'), 'user_account',
                                 ['confirmed_by_id'], ['id'])
        batch.create_index(op.f('ix_payment_confirmed_at'), ['confirmed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payment') as batch:
        batch.drop_index(op.f('ix_payment_confirmed_at'))
        batch.drop_constraint(op.f('fk_payment_confirmed_by_id_user_account'), type_='foreignkey')
        batch.drop_column('confirmed_by_id')
        batch.drop_column('confirmed_at')
