"""chained day seals: each seal names and signs the previous sealed day's root; PostgreSQL keeps events append-only

Revision ID: 0007_chained_day_seals
Revises: 0006_user_logins
Create Date: 2026-12-01 17:10:00

`day_seal.prev_day` / `prev_root` link each seal to the previous sealed day; the signature covers them, so a
deleted, blanked or rewritten seal breaks the next one. Seals written before this revision have no link and keep
their original signature (they verify as the chain's start).

On PostgreSQL a trigger refuses UPDATE and DELETE on `manifest_event`: the application only appends. A database
administrator can still edit events — as table owner (`ALTER TABLE manifest_event DISABLE TRIGGER …`) or as
superuser (`SET session_replication_role = replica`), as the fault injection and the tampering tests do. A trigger
cannot stop the people who own the database; the hash chains, the chained day seals and the nightly rolling
re-check of every seal are what make such an edit visible. SQLite has no such trigger (development only).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_chained_day_seals'
down_revision = '0006_user_logins'
branch_labels = None
depends_on = None

TRIGGER = "manifest_event_append_only"


def upgrade() -> None:
    with op.batch_alter_table('day_seal') as batch:
        batch.add_column(sa.Column('prev_day', sa.Date(), nullable=True))
        batch.add_column(sa.Column('prev_root', sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'manifest_event is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$""")
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON manifest_event "
                   f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON manifest_event")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    with op.batch_alter_table('day_seal') as batch:
        batch.drop_column('prev_root')
        batch.drop_column('prev_day')
