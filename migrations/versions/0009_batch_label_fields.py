"""batch label fields: what HJ 1276-2022 puts on a label that a batch did not keep yet
(废物形态, 主要成分, 有害成分, 注意事项, 联系人, 联系电话)

Revision ID: 0009_batch_label_fields
Revises: 0008_user_locale
Create Date: 2026-12-01 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_batch_label_fields'
down_revision = '0008_user_locale'
branch_labels = None
depends_on = None

COLUMNS = (('waste_form', 16), ('main_components', 200), ('hazardous_components', 200), ('precautions', 200),
           ('contact_name', 50), ('contact_phone', 30))


def upgrade() -> None:
    with op.batch_alter_table('batch') as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('batch') as batch:
        for name, _length in reversed(COLUMNS):
            batch.drop_column(name)
