"""capacity counters: what each receiver has committed per year, kept as a running total instead of summed per issue

Revision ID: 0014_capacity_counters
Revises: 0013_runtime_outbox
Create Date: 2026-12-01 19:45:00

`receiver_capacity` (receiver, year of the planned pickup in China, hazardous kg on live manifests) replaces the
year's sum that every issue computed under the receiver's lock (services/manifests/capacity.py). It is filled
here from the manifests once. Issuing adds to it in its own transaction; a manifest leaving the live states
(cancelled, refused whole) gives its quantity back through the trigger `receiver_capacity_follow_status` on
`manifest.status`, on both databases, so any writer of a manifest's state keeps it right.

`receiver_intake_total` (receiver, year, accepted kg) is the running total of `receiver_intake`'s days, filled here
from them and moved by the night's record_intake (its only writer) whenever it writes a day, so the nightly
capacity check reads one row per receiver instead of summing the year's days.

SQLite drops a table's triggers when Alembic's batch mode copies the table: a later migration that alters
`manifest` in batch mode must create this trigger again (tests/services/test_capacity_counter.py would fail).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_capacity_counters'
down_revision = '0013_runtime_outbox'
branch_labels = None
depends_on = None

TRIGGER = "receiver_capacity_follow_status"
LIVE = "('issued', 'in_transit', 'delivered', 'received', 'closed')"
HAZARDOUS = "('hazardous', 'medical')"  # domain.streams.HAZARDOUS_STREAMS, as of this revision


def upgrade() -> None:
    op.create_table(
        'receiver_capacity',
        sa.Column('receiver_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('committed_kg', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['receiver_id'], ['organization.id'],
                                name=op.f('fk_receiver_capacity_receiver_id_organization')),
        sa.PrimaryKeyConstraint('receiver_id', 'year', name=op.f('pk_receiver_capacity')),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    hazardous = HAZARDOUS
    year_of = ("CAST(extract(year FROM {t}.planned_pickup_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER)" if postgres
               else "CAST(strftime('%Y', {t}.planned_pickup_at, '+8 hours') AS INTEGER)")
    op.execute(f"""
        INSERT INTO receiver_capacity (receiver_id, year, committed_kg)
        SELECT m.receiver_id, {year_of.format(t='m')}, sum(l.quantity_kg)
        FROM manifest m JOIN manifest_line l ON l.manifest_id = m.id JOIN waste_code w ON w.code = l.waste_code
        WHERE m.status IN {LIVE} AND w.stream IN {hazardous}
        GROUP BY m.receiver_id, {year_of.format(t='m')}""")
    hazardous_of_new = (f"SELECT coalesce(sum(l.quantity_kg), 0) FROM manifest_line l "
                        f"JOIN waste_code w ON w.code = l.waste_code "
                        f"WHERE l.manifest_id = NEW.id AND w.stream IN {hazardous}")
    if postgres:
        op.execute(f"""
            CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                grams bigint;
            BEGIN
                IF (OLD.status IN {LIVE}) = (NEW.status IN {LIVE}) THEN
                    RETURN NULL;
                END IF;
                SELECT coalesce(sum(l.quantity_kg), 0) INTO grams FROM manifest_line l
                JOIN waste_code w ON w.code = l.waste_code
                WHERE l.manifest_id = NEW.id AND w.stream IN {hazardous};
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
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF status ON manifest FOR EACH ROW "
                   f"WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION {TRIGGER}()")
    else:
        op.execute(f"""
            CREATE TRIGGER {TRIGGER} AFTER UPDATE OF status ON manifest
            WHEN (OLD.status IN {LIVE}) <> (NEW.status IN {LIVE})
            BEGIN
                INSERT INTO receiver_capacity (receiver_id, year, committed_kg)
                SELECT NEW.receiver_id, {year_of.format(t='NEW')},
                       (CASE WHEN NEW.status IN {LIVE} THEN 1 ELSE -1 END) * ({hazardous_of_new})
                WHERE ({hazardous_of_new}) <> 0
                ON CONFLICT (receiver_id, year) DO UPDATE SET committed_kg = committed_kg + excluded.committed_kg;
            END""")
    _intake_totals(postgres)


def _intake_totals(postgres: bool) -> None:
    op.create_table(
        'receiver_intake_total',
        sa.Column('receiver_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('accepted_kg', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['receiver_id'], ['organization.id'],
                                name=op.f('fk_receiver_intake_total_receiver_id_organization')),
        sa.PrimaryKeyConstraint('receiver_id', 'year', name=op.f('pk_receiver_intake_total')),
    )
    year_of = ("CAST(extract(year FROM {t}.day) AS INTEGER)" if postgres
               else "CAST(strftime('%Y', {t}.day) AS INTEGER)")
    op.execute(f"""
        INSERT INTO receiver_intake_total (receiver_id, year, accepted_kg)
        SELECT i.receiver_id, {year_of.format(t='i')}, sum(i.accepted_kg) FROM receiver_intake i
        GROUP BY i.receiver_id, {year_of.format(t='i')}""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON manifest")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    op.drop_table('receiver_intake_total')
    op.drop_table('receiver_capacity')
