"""company administration: the enterprise's own admin, accounts awaiting its confirmation, API keys for ERP

Revision ID: 0012_company_admin_api_keys
Revises: 0011_payment_confirmation
Create Date: 2026-12-01 20:00:00

user_account.org_admin: the enterprise's administrator (a flag besides the role, so a producer's admin still does
producer work). user_account.pending_confirmation: an enterprise account a regulator created, which cannot act
until the enterprise's admin confirms it (issue 11). api_key: long-lived keys of a company, stored as SHA-256.
"""
from alembic import op
import sqlalchemy as sa
import wastechain.db


revision = '0012_company_admin_api_keys'
down_revision = '0011_payment_confirmation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('org_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('pending_confirmation', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_user_account_created_by_id_user_account'), 'user_account',
                                 ['created_by_id'], ['id'])
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', wastechain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', wastechain.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                            name=op.f('fk_api_key_organization_id_organization')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_key_user_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_api_key_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_key_key_hash'))
    )
    op.create_index(op.f('ix_api_key_organization_id'), 'api_key', ['organization_id'], unique=False)
    op.create_index(op.f('ix_api_key_user_id'), 'api_key', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_api_key_user_id'), table_name='api_key')
    op.drop_index(op.f('ix_api_key_organization_id'), table_name='api_key')
    op.drop_table('api_key')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint(op.f('fk_user_account_created_by_id_user_account'), type_='foreignkey')
        batch.drop_column('created_by_id')
        batch.drop_column('pending_confirmation')
        batch.drop_column('org_admin')
