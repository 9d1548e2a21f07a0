"""The credit record: dated, explained changes of an enterprise's score, and the enterprise's answers to them.

Also the indexes the regulators' search needs on the chain's tables (a prefix of a number or code, at 1M manifests):
PostgreSQL's pattern operator class lets LIKE 'prefix%' use the index whatever the database's collation.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, UTCDateTime, utcnow
from wastechain.models.storage import Container
from wastechain.models.waste import Batch, Manifest

Index("ix_manifest_number_prefix", Manifest.__table__.c.number, postgresql_ops={"number": "varchar_pattern_ops"})
Index("ix_batch_unit_code_prefix", Batch.__table__.c.unit_code, postgresql_ops={"unit_code": "varchar_pattern_ops"})
Index("ix_container_code_prefix", Container.__table__.c.code, postgresql_ops={"code": "varchar_pattern_ops"})
# The credit record's refusal rule reads only manifests with a refused quantity: rare, so a small partial index.
Index("ix_manifest_refused", Manifest.__table__.c.issuer_id, postgresql_where=text("rejected_kg > 0"),
      sqlite_where=text("rejected_kg > 0"))


class CreditEvent(Base):
    """One change of an enterprise's credit score on one day by one rule (domain/credit.py), with the count behind
    it; the nightly refresh writes at most one per (enterprise, day, rule), so a rerun of the day adds nothing."""

    __tablename__ = "credit_event"
    __table_args__ = (UniqueConstraint("organization_id", "day", "rule"),
                      Index("ix_credit_event_organization_rule_day", "organization_id", "rule", "day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    rule: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)  # the change of the score (negative: deducted, positive: restored)
    count: Mapped[int] = mapped_column(Integer)  # the facts the rule counted on that day
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)  # the rule's numbers and the facts' ids
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    replies: Mapped[list["CreditReply"]] = relationship(order_by="CreditReply.id")


class CreditReply(Base):
    """The enterprise's answer to a credit event, shown to its regulators."""

    __tablename__ = "credit_reply"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_event_id: Mapped[int] = mapped_column(ForeignKey("credit_event.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
