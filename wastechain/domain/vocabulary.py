"""The typed vocabulary of the product: roles and the statuses and kinds stored in the database.

Defined once here; models are typed with these, CHECK constraints keep the database to them, and services compare
members, never bare strings. Manifest statuses and steps live with the state machine (states.py), streams with
their catalog mapping (streams.py).
"""
from enum import StrEnum

from wastechain.domain.text import N_


class Role(StrEnum):
    ADMIN = "admin"
    REGULATOR = "regulator"
    PRODUCER = "producer"
    COLLECTOR = "collector"
    TRANSPORTER = "transporter"
    DRIVER = "driver"
    RECEIVER = "receiver"


ISSUER_ROLES = frozenset({Role.PRODUCER, Role.COLLECTOR})  # may register batches and issue manifests
RECEIVING_ROLES = frozenset({Role.RECEIVER, Role.COLLECTOR})  # may weigh in and record treatment
AUTHORITY_ROLES = frozenset({Role.ADMIN, Role.REGULATOR})  # may act on anomalies, organizations, approvals
DECLARING_ROLES = frozenset({Role.PRODUCER, Role.COLLECTOR, Role.RECEIVER})  # file declarations

ROLE_NAMES = {
    Role.ADMIN: N_("系统管理员"), Role.REGULATOR: N_("监管部门"), Role.PRODUCER: N_("产生单位"), Role.COLLECTOR: N_("收集单位"),
    Role.TRANSPORTER: N_("运输单位"), Role.DRIVER: N_("驾驶员"), Role.RECEIVER: N_("接收单位"),
}


class BatchStatus(StrEnum):
    STORED = "stored"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"


class ContainerStatus(StrEnum):
    OPEN = "open"
    LOADED = "loaded"
    RECEIVED = "received"


class LineageKind(StrEnum):
    """One movement of a quantity of an origin batch (see models.storage.LineageFlow)."""

    PRODUCED = "produced"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    ACCEPTED = "accepted"
    STOCKED = "stocked"
    RETURNED = "returned"
    VARIANCE = "variance"
    DISPOSED = "disposed"
    SURPLUS = "surplus"


class AnomalyStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class NoteKind(StrEnum):
    STATUS = "status"  # a regulator's status change with its note
    COMMENT = "comment"  # a regulator's remark
    EXPLANATION = "explanation"  # the enterprise concerned answers


class AnomalySource(StrEnum):
    """What found an anomaly: the daily reconciliation, or a rule as a step was recorded."""

    NIGHTLY = "nightly"
    RUNTIME = "runtime"


class PeriodKind(StrEnum):
    """What a declaration covers: a year (年度申报) or a month (月报, bulk industrial solid waste)."""

    ANNUAL = "annual"
    MONTHLY = "monthly"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The stored values of an enum, in definition order (for CHECK constraints and filters)."""
    return tuple(member.value for member in enum)
