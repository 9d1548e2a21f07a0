"""Public tip-offs (有奖举报): the report, its photos (files outside the database, named by their SHA-256), the
enterprises and manifests a regulator links to it, and what regulators did with it."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, UTCDateTime, stored_enum, utcnow
from wastechain.domain.tipoffs import Finding, TipoffKind, TipoffStatus
from wastechain.models.anomaly import Money
from wastechain.models.parties import Organization, User
from wastechain.models.waste import Manifest


class Tipoff(Base):
    """A report from the public of illegal transfer, dumping or disposal, followed by its tracking code."""

    __tablename__ = "tipoff"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the tracking code, never the code
    challenge_nonce: Mapped[str] = mapped_column(String(32), unique=True)  # one solved form files one tip-off
    kind: Mapped[TipoffKind] = mapped_column(stored_enum(TipoffKind, length=20, name="kind"))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)  # the county where it happened
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(100), default="")  # the reporter's, for the reward: regulators only
    status: Mapped[TipoffStatus] = mapped_column(stored_enum(TipoffStatus, length=16, name="status"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    finding: Mapped[Finding | None] = mapped_column(stored_enum(Finding, length=16, name="finding"))
    finding_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reward_yuan: Mapped[Decimal | None] = mapped_column(Money)
    reward_paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    photos: Mapped[list["TipoffPhoto"]] = relationship(order_by="TipoffPhoto.id", back_populates="tipoff")
    links: Mapped[list["TipoffLink"]] = relationship(order_by="TipoffLink.id", back_populates="tipoff")
    actions: Mapped[list["TipoffAction"]] = relationship(order_by="TipoffAction.id", back_populates="tipoff")


class TipoffPhoto(Base):
    """A photo of a tip-off: the file lives under the photo directory, named by this SHA-256 of its bytes."""

    __tablename__ = "tipoff_photo"
    __table_args__ = (UniqueConstraint("tipoff_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoff.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(Integer)

    tipoff: Mapped[Tipoff] = relationship(back_populates="photos")


class TipoffLink(Base):
    """An enterprise or a manifest a regulator tied to a tip-off (an upheld tip-off counts against the enterprise)."""

    __tablename__ = "tipoff_link"
    __table_args__ = (UniqueConstraint("tipoff_id", "organization_id"), UniqueConstraint("tipoff_id", "manifest_id"),
                      CheckConstraint("(organization_id IS NULL) <> (manifest_id IS NULL)", name="one_subject"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoff.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    manifest_id: Mapped[int | None] = mapped_column(ForeignKey("manifest.id"), index=True)
    linked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tipoff: Mapped[Tipoff] = relationship(back_populates="links")
    organization: Mapped[Organization | None] = relationship()
    manifest: Mapped[Manifest | None] = relationship()


class TipoffAction(Base):
    """What a regulator did with a tip-off, in order (accepted, assigned, linked, closed, reward recorded)."""

    __tablename__ = "tipoff_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoff.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    tipoff: Mapped[Tipoff] = relationship(back_populates="actions")
    actor: Mapped[User] = relationship()
