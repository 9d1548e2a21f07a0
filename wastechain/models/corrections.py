"""Corrections (修订) of a manifest and each party's decision on them; the applied change is a manifest event."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, UTCDateTime
from wastechain.models.parties import User
from wastechain.models.waste import Manifest


class Correction(Base):
    """A correction request on a manifest, or a regulator's ask that a party file one (status "asked")."""

    __tablename__ = "manifest_correction"
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # domain.corrections.CorrectionStatus
    field: Mapped[str | None] = mapped_column(String(20))  # a key of domain.corrections.FIELDS; none for an ask
    before: Mapped[dict] = mapped_column(JSON, default=dict)  # {"value": …, "shown": …}
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(500))
    party: Mapped[str] = mapped_column(String(16))  # who filed it (or, for an ask, the party asked)
    required: Mapped[list] = mapped_column(JSON, default=list)  # the parties whose approval it needs
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("manifest_event.id"))  # the event that applied it
    ask_id: Mapped[int | None] = mapped_column(ForeignKey("manifest_correction.id"))  # the ask it answers

    manifest: Mapped[Manifest] = relationship()
    requested_by: Mapped[User] = relationship()
    decisions: Mapped[list["CorrectionDecision"]] = relationship(back_populates="correction",
                                                                 order_by="CorrectionDecision.id")


class CorrectionDecision(Base):
    """One party's approval or refusal of a correction (the filing party's own approval is its request)."""

    __tablename__ = "correction_decision"
    __table_args__ = (UniqueConstraint("correction_id", "party"),)  # each party decides once
    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(ForeignKey("manifest_correction.id"), index=True)
    party: Mapped[str] = mapped_column(String(16))
    approved: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    correction: Mapped[Correction] = relationship(back_populates="decisions")
    user: Mapped[User] = relationship()
