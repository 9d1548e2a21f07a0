"""user locale: the page language a user chose (zh or en), remembered with the account

Revision ID: 0008_user_locale
Revises: 0007_chained_day_seals
Create Date: 2026-12-01 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_user_locale'
down_revision = '0007_chained_day_seals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('locale')
