"""enum check constraints: every stored role, status and kind keeps to its StrEnum in wastechain.domain

Revision ID: 0005_enum_checks
Revises: 0004_anomalies
Create Date: 2026-12-01 16:00:00

One CHECK constraint per column, named ck_<table>_<column> by the naming convention of wastechain.db, the same
constraints the models declare through wastechain.db.stored_enum. SQLite cannot add a constraint to a table, so
batch mode copies each table (on PostgreSQL the same batch emits a plain ALTER TABLE ... ADD CONSTRAINT).

The allowed values are those of the enums at this revision, written out on purpose rather than imported: a migration
is history, and must build the same schema whatever the enums become. When an enum later gains (or loses) a value, a
new migration drops and recreates that enum's constraints with the new list (and its downgrade restores this one);
tests/services/test_schema.py compares the migrated database's constraints with the enums, so a forgotten migration
fails the tests instead of a production insert.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_enum_checks'
down_revision = '0004_anomalies'
branch_labels = None
depends_on = None

ROLE = ("admin", "regulator", "producer", "collector", "transporter", "driver", "receiver")  # vocabulary.Role
MANIFEST_STATUS = ("issued", "cancelled", "in_transit", "delivered", "received", "rejected", "closed")  # states
STEP = ("issue", "cancel", "pickup", "deliver", "receive", "dispose")  # states.Step
BATCH_STATUS = ("stored", "partially_shipped", "shipped")  # vocabulary.BatchStatus
CONTAINER_STATUS = ("open", "loaded", "received")  # vocabulary.ContainerStatus
LINEAGE_KIND = ("produced", "shipped", "cancelled", "accepted", "stocked", "returned", "variance", "disposed",
                "surplus")  # vocabulary.LineageKind
ANOMALY_STATUS = ("open", "acknowledged", "resolved")  # vocabulary.AnomalyStatus
SEVERITY = ("critical", "high", "medium", "low")  # vocabulary.Severity
ANOMALY_SOURCE = ("nightly", "runtime")  # vocabulary.AnomalySource
NOTE_KIND = ("status", "comment", "explanation")  # vocabulary.NoteKind
PERIOD_KIND = ("annual", "monthly")  # vocabulary.PeriodKind
STREAM = ("hazardous", "medical", "industrial", "household", "construction", "agricultural")  # streams.Stream

# table → column → allowed values
CHECKS = {
    "user_account": {"role": ROLE},
    "waste_code": {"stream": STREAM},
    "batch": {"status": BATCH_STATUS},
    "manifest": {"status": MANIFEST_STATUS},
    "manifest_event": {"type": STEP, "status_after": MANIFEST_STATUS, "actor_role": ROLE},
    "container": {"status": CONTAINER_STATUS},
    "lineage_flow": {"kind": LINEAGE_KIND},
    "anomaly": {"severity": SEVERITY, "status": ANOMALY_STATUS, "source": ANOMALY_SOURCE},
    "anomaly_note": {"author_role": ROLE, "kind": NOTE_KIND, "from_status": ANOMALY_STATUS,
                     "to_status": ANOMALY_STATUS},
    "declaration": {"period_kind": PERIOD_KIND},
}


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, allowed in columns.items():
                # column IN ('a', 'b', …): the text SQLAlchemy's Enum writes for the models' constraint
                batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), sa.column(column).in_(allowed))


def downgrade() -> None:
    for table, columns in reversed(CHECKS.items()):
        with op.batch_alter_table(table) as batch_op:
            for column in reversed(columns):
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
