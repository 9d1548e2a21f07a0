"""line receipt: the receiver's accepted and refused kg, the refusal's reason and the chosen method per manifest line

Revision ID: 0022_line_receipt
Revises: 0016_key_ids
Create Date: 2026-12-01 22:40:00

Nullable: lines received before this revision, or received for the manifest as a whole, have no figures of their
own (the manifest's accepted_kg / rejected_kg hold the receipt).
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_line_receipt'
down_revision = '0016_key_ids'
branch_labels = None
depends_on = None


COLUMNS = ('accepted_kg', 'rejected_kg', 'refusal_reason', 'method')


# Plain ALTER TABLE on both databases, never batch mode: on SQLite a copy of manifest_line would trip the trigger
# receiver_capacity_follow_status on manifest (0014), which reads manifest_line.
def upgrade() -> None:
    op.add_column('manifest_line', sa.Column('accepted_kg', sa.BigInteger(), nullable=True))
    op.add_column('manifest_line', sa.Column('rejected_kg', sa.BigInteger(), nullable=True))
    op.add_column('manifest_line', sa.Column('refusal_reason', sa.String(length=500), nullable=True))
    op.add_column('manifest_line', sa.Column('method', sa.String(length=8), nullable=True))


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE manifest_line DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL alike
