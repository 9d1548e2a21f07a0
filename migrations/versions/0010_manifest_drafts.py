"""manifest drafts: a manifest form saved before issuing (the form's JSON and its owner)

Revision ID: 0010_manifest_drafts
Revises: 0009_batch_label_fields
Create Date: 2026-12-01 19:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_manifest_drafts'
down_revision = '0009_batch_label_fields'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'manifest_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('form', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_manifest_draft_organization_id_organization')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_manifest_draft_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_manifest_draft')),
    )
    op.create_index(op.f('ix_manifest_draft_organization_id'), 'manifest_draft', ['organization_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_manifest_draft_organization_id'), table_name='manifest_draft')
    op.drop_table('manifest_draft')
