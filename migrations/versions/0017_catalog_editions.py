"""catalog editions: every catalog entry belongs to an edition in force from a date; batches record their code's edition

Revision ID: 0017_catalog_editions
Revises: 0016_key_ids
Create Date: 2026-12-01 22:50:00

`catalog_edition` (kind, name, effective dates, verified, loaded, note) with its entries (`catalog_entry`), the
old → new code mapping of merges and splits (`catalog_succession`) and the exemption list (`catalog_exemption`).
`waste_code` stays the register of every code ever listed (what batches and lines join to). The editions
themselves are written by `flask seed-catalog` / `flask db upgrade` (wastechain/catalog) and `flask catalog import`.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_catalog_editions'
down_revision = '0016_key_ids'
branch_labels = None
depends_on = None

# The register's edition labels before this revision → the shipped editions' titles (wastechain/catalog).
LABELS = {"国家危险废物名录2021": "国家危险废物名录（2021年版）", "GB/T 39198-2020 (unverified)": "一般固体废物分类与代码（未核实）",
          "wastechain-2026": "wastechain 自定类别（生活、建筑、农业）"}
STREAM = ("hazardous", "medical", "industrial", "household", "construction", "agricultural")  # streams.Stream


def upgrade() -> None:
    op.create_table(
        'catalog_edition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('effective_to', sa.Date(), nullable=True),
        sa.Column('verified', sa.Boolean(), nullable=False),
        sa.Column('loaded', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_edition')),
        sa.UniqueConstraint('kind', 'name', name=op.f('uq_catalog_edition_kind_name')),
    )
    op.create_index(op.f('ix_catalog_edition_kind'), 'catalog_edition', ['kind'])
    op.create_table(
        'catalog_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=400), nullable=False),
        sa.Column('category', sa.String(length=8), nullable=False),
        sa.Column('category_name', sa.String(length=64), nullable=False),
        sa.Column('stream', sa.Enum(*STREAM, name='stream', native_enum=False, length=16, create_constraint=True),
                  nullable=False),
        sa.Column('hazard', sa.String(length=16), nullable=False),
        sa.Column('industry_source', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['catalog_edition.id'],
                                name=op.f('fk_catalog_entry_edition_id_catalog_edition')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_entry')),
        sa.UniqueConstraint('edition_id', 'code', name=op.f('uq_catalog_entry_edition_id_code')),
    )
    op.create_index(op.f('ix_catalog_entry_edition_id'), 'catalog_entry', ['edition_id'])
    op.create_index(op.f('ix_catalog_entry_code'), 'catalog_entry', ['code'])
    op.create_table(
        'catalog_succession',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('old_code', sa.String(length=16), nullable=False),
        sa.Column('new_code', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['catalog_edition.id'],
                                name=op.f('fk_catalog_succession_edition_id_catalog_edition')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_succession')),
        sa.UniqueConstraint('edition_id', 'old_code', 'new_code',
                            name=op.f('uq_catalog_succession_edition_id_old_code_new_code')),
    )
    op.create_index(op.f('ix_catalog_succession_edition_id'), 'catalog_succession', ['edition_id'])
    op.create_index(op.f('ix_catalog_succession_old_code'), 'catalog_succession', ['old_code'])
    op.create_table(
        'catalog_exemption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('link', sa.String(length=16), nullable=False),
        sa.Column('condition', sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['catalog_edition.id'],
                                name=op.f('fk_catalog_exemption_edition_id_catalog_edition')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_exemption')),
        sa.UniqueConstraint('edition_id', 'code', 'link', name=op.f('uq_catalog_exemption_edition_id_code_link')),
    )
    op.create_index(op.f('ix_catalog_exemption_edition_id'), 'catalog_exemption', ['edition_id'])
    op.create_index(op.f('ix_catalog_exemption_code'), 'catalog_exemption', ['code'])
    waste_code = sa.table('waste_code', sa.column('edition', sa.String))
    for old, new in LABELS.items():
        op.execute(waste_code.update().where(waste_code.c.edition == old).values(edition=new))
    with op.batch_alter_table('region') as batch:
        batch.add_column(sa.Column('nbs_year', sa.Integer(), server_default='2023', nullable=False))
    with op.batch_alter_table('batch') as batch:
        batch.add_column(sa.Column('code_edition_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_batch_code_edition_id_catalog_edition'), 'catalog_edition',
                                 ['code_edition_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('batch') as batch:
        batch.drop_constraint(op.f('fk_batch_code_edition_id_catalog_edition'), type_='foreignkey')
        batch.drop_column('code_edition_id')
    with op.batch_alter_table('region') as batch:
        batch.drop_column('nbs_year')
    waste_code = sa.table('waste_code', sa.column('edition', sa.String))
    for old, new in LABELS.items():
        op.execute(waste_code.update().where(waste_code.c.edition == new).values(edition=old))
    for table in ('catalog_exemption', 'catalog_succession', 'catalog_entry', 'catalog_edition'):
        op.drop_table(table)
