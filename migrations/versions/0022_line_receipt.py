"""line receipt: per-line receipt figures, refused waste in the carrier's custody, the close step

- manifest_line: the receiver's accepted and refused kg, the refusal's reason and the chosen method per line.
- batch.refused_from_id: a batch made of refused waste names the manifest that refused it; it is in the carrier's
  custody (at no site's ledger) until a return or redirect manifest takes it on.
- manifest_event.type gains 'close': the system closes a manifest once its refused part has arrived onward.
- receiver_capacity_follow_status (0014) ignores a manifest leaving 'rejected' (its close): the receiver that refused
  a load whole never took it, so it must not count against its capacity again; and it ignores return trips (the
  issuer's own waste back to it), which never count against anyone's capacity.

Revision ID: 0022_line_receipt
Revises: 0021_tipoffs_approvals
Create Date: 2026-12-01 22:40:00

Nullable: lines received before this revision, or received for the manifest as a whole, have no figures of their
own (the manifest's accepted_kg / rejected_kg hold the receipt).
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_line_receipt'
down_revision = '0021_tipoffs_approvals'
branch_labels = None
depends_on = None


COLUMNS = ('accepted_kg', 'rejected_kg', 'refusal_reason', 'method')
STEP_BEFORE = ("issue", "cancel", "pickup", "deliver", "receive", "dispose")  # states.Step at 0005
STEP_NOW = STEP_BEFORE + ("close",)
TRIGGER = "receiver_capacity_follow_status"
LIVE = "('issued', 'in_transit', 'delivered', 'received', 'closed')"
HAZARDOUS = "('hazardous', 'medical')"


# manifest_line by plain ALTER TABLE on both databases, never batch mode: on SQLite a copy of manifest_line would
# trip the trigger receiver_capacity_follow_status on manifest (0014), which reads manifest_line.
def upgrade() -> None:
    op.add_column('manifest_line', sa.Column('accepted_kg', sa.BigInteger(), nullable=True))
    op.add_column('manifest_line', sa.Column('rejected_kg', sa.BigInteger(), nullable=True))
    op.add_column('manifest_line', sa.Column('refusal_reason', sa.String(length=500), nullable=True))
    op.add_column('manifest_line', sa.Column('method', sa.String(length=8), nullable=True))
    with op.batch_alter_table('batch') as batch:
        batch.add_column(sa.Column('refused_from_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_batch_refused_from_id_manifest'), 'manifest', ['refused_from_id'], ['id'])
        batch.create_index(op.f('ix_batch_refused_from_id'), ['refused_from_id'], unique=False)
    _steps(STEP_NOW)
    _capacity_trigger(skip_rejected=True)


def downgrade() -> None:
    _capacity_trigger(skip_rejected=False)
    # 'close' events stay (events are never deleted): a downgrade past this revision needs none to exist
    _steps(STEP_BEFORE)
    with op.batch_alter_table('batch') as batch:
        batch.drop_index(op.f('ix_batch_refused_from_id'))
        batch.drop_constraint(op.f('fk_batch_refused_from_id_manifest'), type_='foreignkey')
        batch.drop_column('refused_from_id')
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE manifest_line DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL alike


def _steps(allowed) -> None:
    with op.batch_alter_table('manifest_event') as batch:
        batch.drop_constraint(op.f('ck_manifest_event_type'), type_='check')
        batch.create_check_constraint(op.f('ck_manifest_event_type'), sa.column('type').in_(allowed))


def _capacity_trigger(*, skip_rejected: bool) -> None:
    """0014's trigger again, leaving out (or, downgrading, back in) the transitions out of 'rejected' and return
    trips."""
    postgres = op.get_bind().dialect.name == "postgresql"
    year_of = ("CAST(extract(year FROM {t}.planned_pickup_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER)" if postgres
               else "CAST(strftime('%Y', {t}.planned_pickup_at, '+8 hours') AS INTEGER)")
    skip = " OR OLD.status = 'rejected' OR NEW.receiver_id = NEW.issuer_id" if skip_rejected else ""
    if postgres:
        op.execute(f"""
            CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                grams bigint;
            BEGIN
                IF (OLD.status IN {LIVE}) = (NEW.status IN {LIVE}){skip} THEN
                    RETURN NULL;
                END IF;
                SELECT coalesce(sum(l.quantity_kg), 0) INTO grams FROM manifest_line l
                JOIN waste_code w ON w.code = l.waste_code
                WHERE l.manifest_id = NEW.id AND w.stream IN {HAZARDOUS};
                IF grams = 0 THEN
                    RETURN NULL;
                END IF;
                IF NOT NEW.status IN {LIVE} THEN
                    grams := -grams;
                END IF;
                INSERT INTO receiver_capacity (receiver_id, year, committed_kg)
                VALUES (NEW.receiver_id, {year_of.format(t='NEW')}, grams)
                ON CONFLICT (receiver_id, year)
                DO UPDATE SET committed_kg = receiver_capacity.committed_kg + EXCLUDED.committed_kg;
                RETURN NULL;
            END $$""")
        return
    hazardous_of_new = (f"SELECT coalesce(sum(l.quantity_kg), 0) FROM manifest_line l "
                        f"JOIN waste_code w ON w.code = l.waste_code "
                        f"WHERE l.manifest_id = NEW.id AND w.stream IN {HAZARDOUS}")
    only = " AND OLD.status <> 'rejected' AND NEW.receiver_id <> NEW.issuer_id" if skip_rejected else ""
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    op.execute(f"""
        CREATE TRIGGER {TRIGGER} AFTER UPDATE OF status ON manifest
        WHEN (OLD.status IN {LIVE}) <> (NEW.status IN {LIVE}){only}
        BEGIN
            INSERT INTO receiver_capacity (receiver_id, year, committed_kg)
            SELECT NEW.receiver_id, {year_of.format(t='NEW')},
                   (CASE WHEN NEW.status IN {LIVE} THEN 1 ELSE -1 END) * ({hazardous_of_new})
            WHERE ({hazardous_of_new}) <> 0
            ON CONFLICT (receiver_id, year) DO UPDATE SET committed_kg = committed_kg + excluded.committed_kg;
        END""")
