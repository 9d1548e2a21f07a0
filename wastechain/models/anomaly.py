"""Anomalies and what the reconciliation needs besides the chain: day seals, payments, declarations, intake."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from wastechain.db import Base, Mass, UTCDateTime, stored_enum, utcnow
from wastechain.domain.vocabulary import AnomalySource, AnomalyStatus, NoteKind, PeriodKind, Role, Severity
from wastechain.models.waste import Batch, Manifest

# Indexes the reconciliation needs on the chain's tables (open items by state and age), declared here so the
# migration that creates them and the models agree.
Index("ix_manifest_status_status_changed_at", Manifest.__table__.c.status, Manifest.__table__.c.status_changed_at)
Index("ix_batch_status_generated_at", Batch.__table__.c.status, Batch.__table__.c.generated_at)

CENT = Decimal("0.01")


class Money(TypeDecorator):
    """An amount in yuan as an exact Decimal in Python, stored as integer fen (分)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        fen = Decimal(value) * 100
        if fen != fen.to_integral_value():
            raise ValueError(f"{value} yuan has more than 2 decimals")
        return int(fen)

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(int(value)) / 100).quantize(CENT)


class Anomaly(Base):
    """A finding of the daily reconciliation or of a rule at run time; one row per fingerprint."""

    __tablename__ = "anomaly"
    __table_args__ = (
        Index("ix_anomaly_day_region", "day", "region_code"),
        Index("ix_anomaly_status_day", "status", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(160), unique=True)  # a rerun finds it, never adds it twice
    code: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[Severity] = mapped_column(stored_enum(Severity, length=10, name="severity"))
    status: Mapped[AnomalyStatus] = mapped_column(stored_enum(AnomalyStatus, length=16, name="status"),
                                                  default=AnomalyStatus.OPEN)
    day: Mapped[date] = mapped_column(Date)  # the business day (Asia/Shanghai) whose reconciliation found it
    source: Mapped[AnomalySource] = mapped_column(stored_enum(AnomalySource, length=16, name="source"),
                                                  default=AnomalySource.NIGHTLY)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    subject_label: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(6))
    related_region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    manifest_id: Mapped[int | None] = mapped_column(ForeignKey("manifest.id"), index=True)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the officer of the jurisdiction who works on it (异常工作台), who assigned it and when
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notes: Mapped[list["AnomalyNote"]] = relationship(back_populates="anomaly", order_by="AnomalyNote.id")
    organization = relationship("Organization")
    assignee = relationship("User", foreign_keys=[assignee_id])
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])


class AnomalyNote(Base):
    """The history of an anomaly: a regulator's status change with its note, or an enterprise's explanation."""

    __tablename__ = "anomaly_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    anomaly_id: Mapped[int] = mapped_column(ForeignKey("anomaly.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[Role] = mapped_column(stored_enum(Role, length=16, name="author_role"))
    kind: Mapped[NoteKind] = mapped_column(stored_enum(NoteKind, length=16, name="kind"))
    from_status: Mapped[AnomalyStatus | None] = mapped_column(stored_enum(AnomalyStatus, length=16, name="from_status"))
    to_status: Mapped[AnomalyStatus | None] = mapped_column(stored_enum(AnomalyStatus, length=16, name="to_status"))
    note: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    anomaly: Mapped[Anomaly] = relationship(back_populates="notes")
    author = relationship("User")


class Notification(Base):
    """A warning (预警) waiting for the message gateway: one row per new critical anomaly, written in the same
    transaction as the anomaly; `flask notifications drain` posts it and marks it delivered."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key, as the check outbox: a queue beside the anomalies that never stands in the way of removing
    # one (a rolled-back run's findings); the payload carries what the gateway needs. Unique: one warning each.
    anomaly_id: Mapped[int] = mapped_column(Integer, unique=True)
    region_code: Mapped[str] = mapped_column(String(6))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class DaySeal(Base):
    """The signed Merkle root over the hashes of the events recorded on one day, and the day's last run."""

    __tablename__ = "day_seal"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    event_count: Mapped[int | None] = mapped_column(Integer)
    merkle_root: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(64))  # covers day, count, root and the link below
    prev_day: Mapped[date | None] = mapped_column(Date)  # the previous sealed day (None: the chain's start)
    prev_root: Mapped[str | None] = mapped_column(String(64))  # its Merkle root, as it was when this day was sealed
    key_id: Mapped[int | None] = mapped_column(Integer)  # the master key that signed it (None: before key ids)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anomalies_found: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class ReceiverIntake(Base):
    """Accepted quantity per receiver and day, written by the day's reconciliation (capacity check sums these)."""

    __tablename__ = "receiver_intake"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    accepted_kg: Mapped[Decimal] = mapped_column(Mass)


class Payment(Base):
    """A fee paid for a transfer (资金直付: the producer pays the receiver directly)."""

    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    payee_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # two-sided: the payee (the receiver) confirms it received the money; None until then
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    manifest: Mapped["Manifest"] = relationship(foreign_keys=[manifest_id])
    payer: Mapped["Organization"] = relationship(foreign_keys=[payer_id])
    payee: Mapped["Organization"] = relationship(foreign_keys=[payee_id])


class Declaration(Base):
    """An enterprise's annual (年度申报) or monthly (月报, bulk industrial solid waste) declaration."""

    __tablename__ = "declaration"
    __table_args__ = (UniqueConstraint("organization_id", "period_kind", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    period_kind: Mapped[PeriodKind] = mapped_column(stored_enum(PeriodKind, length=8, name="period_kind"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY or YYYY-MM
    generated_kg: Mapped[Decimal | None] = mapped_column(Mass)
    stored_kg: Mapped[Decimal | None] = mapped_column(Mass)
    note: Mapped[str] = mapped_column(String(1000), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
