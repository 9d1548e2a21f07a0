"""approvals revoked and their granting jurisdiction; public tip-offs with photos, links and actions

Revision ID: 0021_tipoffs_approvals
Revises: 0020_credit_records
Create Date: 2026-12-01 23:00:00

approval.granting_region_code: the jurisdiction that granted it (filled from the granting regulator's for existing
rows); revoked_at, revoked_by_id, revoke_reason: a revoked approval allows no further manifest.
tipoff: a public report (有奖举报) followed by a tracking code stored only as its SHA-256; tipoff_photo: its photos,
whose files live outside the database named by their SHA-256; tipoff_link: enterprises and manifests a regulator tied
to it; tipoff_action: what regulators did with it. The allowed kinds, statuses and findings are written out (a
migration is history; see 0005).
"""
from alembic import op
import sqlalchemy as sa
import wastechain.db


revision = '0021_tipoffs_approvals'
down_revision = '0020_credit_records'
branch_labels = None
depends_on = None

TIPOFF_KIND = ("illegal_transfer", "dumping", "illegal_disposal")  # domain.tipoffs.TipoffKind
TIPOFF_STATUS = ("received", "investigating", "closed")  # domain.tipoffs.TipoffStatus
FINDING = ("upheld", "not_upheld")  # domain.tipoffs.Finding


def upgrade() -> None:
    with op.batch_alter_table('approval') as batch_op:
        batch_op.add_column(sa.Column('granting_region_code', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', wastechain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revoke_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(op.f('fk_approval_granting_region_code_region'), 'region',
                                    ['granting_region_code'], ['code'])
        batch_op.create_foreign_key(op.f('fk_approval_revoked_by_id_user_account'), 'user_account',
                                    ['revoked_by_id'], ['id'])
    op.execute("UPDATE approval SET granting_region_code = (SELECT region_code FROM user_account "
               "WHERE user_account.id = approval.granted_by_id)")

    op.create_table(
        'tipoff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('challenge_nonce', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('happened_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('contact', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('finding', sa.String(length=16), nullable=True),
        sa.Column('finding_note', sa.Text(), nullable=False),
        sa.Column('closed_at', wastechain.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reward_yuan', sa.BigInteger(), nullable=True),  # Money: integer fen
        sa.Column('reward_paid_on', sa.Date(), nullable=True),
        sa.Column('created_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(sa.column('kind').in_(TIPOFF_KIND), name=op.f('ck_tipoff_kind')),
        sa.CheckConstraint(sa.column('status').in_(TIPOFF_STATUS), name=op.f('ck_tipoff_status')),
        sa.CheckConstraint(sa.column('finding').in_(FINDING), name=op.f('ck_tipoff_finding')),
        sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_tipoff_assignee_id_user_account')),
        sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_tipoff_region_code_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoff')),
        sa.UniqueConstraint('challenge_nonce', name=op.f('uq_tipoff_challenge_nonce')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_tipoff_code_hash')),
    )
    for column in ('closed_at', 'created_at', 'region_code', 'status'):
        op.create_index(op.f(f'ix_tipoff_{column}'), 'tipoff', [column], unique=False)

    op.create_table(
        'tipoff_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tipoff_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_tipoff_action_actor_id_user_account')),
        sa.ForeignKeyConstraint(['tipoff_id'], ['tipoff.id'], name=op.f('fk_tipoff_action_tipoff_id_tipoff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoff_action')),
    )
    op.create_index(op.f('ix_tipoff_action_tipoff_id'), 'tipoff_action', ['tipoff_id'], unique=False)

    op.create_table(
        'tipoff_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tipoff_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=20), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tipoff_id'], ['tipoff.id'], name=op.f('fk_tipoff_photo_tipoff_id_tipoff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoff_photo')),
        sa.UniqueConstraint('tipoff_id', 'sha256', name=op.f('uq_tipoff_photo_tipoff_id_sha256')),
    )
    op.create_index(op.f('ix_tipoff_photo_tipoff_id'), 'tipoff_photo', ['tipoff_id'], unique=False)

    op.create_table(
        'tipoff_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tipoff_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('manifest_id', sa.Integer(), nullable=True),
        sa.Column('linked_by_id', sa.Integer(), nullable=False),
        sa.Column('linked_at', wastechain.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(organization_id IS NULL) <> (manifest_id IS NULL)',
                           name=op.f('ck_tipoff_link_one_subject')),
        sa.ForeignKeyConstraint(['linked_by_id'], ['user_account.id'],
                                name=op.f('fk_tipoff_link_linked_by_id_user_account')),
        sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_tipoff_link_manifest_id_manifest')),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_tipoff_link_organization_id_organization')),
        sa.ForeignKeyConstraint(['tipoff_id'], ['tipoff.id'], name=op.f('fk_tipoff_link_tipoff_id_tipoff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoff_link')),
        sa.UniqueConstraint('tipoff_id', 'manifest_id', name=op.f('uq_tipoff_link_tipoff_id_manifest_id')),
        sa.UniqueConstraint('tipoff_id', 'organization_id', name=op.f('uq_tipoff_link_tipoff_id_organization_id')),
    )
    for column in ('manifest_id', 'organization_id', 'tipoff_id'):
        op.create_index(op.f(f'ix_tipoff_link_{column}'), 'tipoff_link', [column], unique=False)


def downgrade() -> None:
    for table in ('tipoff_link', 'tipoff_photo', 'tipoff_action', 'tipoff'):
        op.drop_table(table)
    with op.batch_alter_table('approval') as batch_op:
        batch_op.drop_constraint(op.f('fk_approval_revoked_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_approval_granting_region_code_region'), type_='foreignkey')
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('revoked_by_id')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('granting_region_code')
