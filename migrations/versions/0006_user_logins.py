"""user logins: one revocable, expiring row per page login, holding the hash of its remember-me token

Revision ID: 0006_user_logins
Revises: 0005_enum_checks
Create Date: 2026-12-01 17:00:00

Replaces Flask-Login's remember-me cookie (user id + HMAC: the same on every login, valid until the key changes)
with a random token per login, stored as its SHA-256 and deleted on logout or revocation.
"""
from alembic import op
import sqlalchemy as sa
import wastechain.db


revision = '0006_user_logins'
down_revision = '0005_enum_checks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_login_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_login')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_login_token_hash'))
    )
    op.create_index(op.f('ix_user_login_user_id'), 'user_login', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_user_login_user_id'), table_name='user_login')
    op.drop_table('user_login')
